import { SearchAttributeType } from '@temporalio/common';
import { visibilityQuery } from '../../api/paymentOperations';
import { searchAttributeBudget } from '../../worker/searchAttributes';
import { ALL_SEARCH_ATTRIBUTES, facetEntries, facetsOf } from '../../workflows/searchAttributes';

describe("Settle's search attributes", () => {
  it("take at most half of SQL visibility's slots of each type, leaving the rest to the user", () => {
    const counts: Partial<Record<SearchAttributeType, number>> = {};
    for (const { type } of ALL_SEARCH_ATTRIBUTES) counts[type] = (counts[type] ?? 0) + 1;
    const overBudget = (Object.entries(counts) as [SearchAttributeType, number][]).filter(
      ([type, count]) => count > searchAttributeBudget(type),
    );
    expect(overBudget).toEqual([]);
    // As docs/operations.md lists them; the dev-server test shows the Keyword limit is real.
    expect(counts).toEqual({ KEYWORD: 4, KEYWORD_LIST: 1, INT: 1, DATETIME: 1, TEXT: 1 });
  });

  it('keep the fixed facets in one list of name:value entries, read back as they were', () => {
    const entries = facetEntries({
      door: 'spryker',
      provider: 'stripe',
      command: 'capture',
      tenant: 'shop:eu',
      currency: 'EUR',
    });
    expect(entries).toEqual([
      'door:spryker',
      'provider:stripe',
      'command:capture',
      'tenant:shop:eu',
      'currency:EUR',
    ]);
    expect(facetsOf(entries)).toEqual({
      door: 'spryker',
      provider: 'stripe',
      command: 'capture',
      tenant: 'shop:eu',
      currency: 'EUR',
    });
    // MIB has no tenant: no entry, rather than an empty one.
    expect(facetEntries({ door: 'mib', tenant: undefined })).toEqual(['door:mib']);
    expect(facetsOf(['nonsense', 'colour:red', ':x'])).toEqual({});
  });

  it('are queried by facet for the command and provider filters', () => {
    expect(visibilityQuery({ command: 'capture', provider: 'stripe', phase: 'done' })).toBe(
      'WorkflowType = "paymentCommandWorkflow" AND SettlePhase = "done" AND SettleFacets = "command:capture" AND ' +
        'SettleFacets = "provider:stripe" AND ExecutionStatus != "ContinuedAsNew"',
    );
  });
});
