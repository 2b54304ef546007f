import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { localDefaults } from '../../config';
import { ensureSearchAttributes } from '../../worker/searchAttributes';
import { ALL_SEARCH_ATTRIBUTES, facetEntries, SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';
import { runEntryPoint } from '../helpers/processes';
import { createDevServerEnv, eventually } from '../helpers/temporal';

const { IndexedValueType } = temporal.api.enums.v1;

/**
 * A namespace shared with the user's own search attributes, on the dev server's SQL visibility (SQLite), which
 * holds 10 Keyword attributes per namespace as PostgreSQL and MySQL do. With 7 of the user's, Settle's 4 do not
 * fit: the worker and the API refuse to start, saying why, and register nothing. With 6 they fit.
 */
describe("Settle's search attributes on a shared namespace", () => {
  jest.setTimeout(180_000);
  let env: TestWorkflowEnvironment;

  /** A namespace with `count` Keyword attributes of the user's own, and none of Settle's. */
  async function namespaceWithUserKeywords(namespace: string, count: number) {
    if (namespace !== 'default')
      await env.connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
    const searchAttributes = Object.fromEntries(
      Array.from({ length: count }, (_, i) => [
        `ShopKeyword${i}`,
        IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    );
    // A namespace just registered reaches the frontend's cache a moment later.
    await eventually(() =>
      env.connection.operatorService.addSearchAttributes({ namespace, searchAttributes }).then(
        () => true,
        () => undefined,
      ),
    );
  }

  const customOf = async (namespace: string) =>
    Object.keys(
      (await env.connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {},
    );

  beforeAll(async () => {
    env = await createDevServerEnv({ searchAttributes: [] });
    await namespaceWithUserKeywords('default', 7);
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('the worker and the API refuse to start, naming the namespace, what is missing and why', async () => {
    const settleEnv = { ...localDefaults(), TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: 'crowded' };
    const worker = runEntryPoint('worker/main.ts', settleEnv, [], { oneProcess: true });
    const api = runEntryPoint('api/main.ts', settleEnv, [], { oneProcess: true });
    expect(await worker.exited).toBe(1);
    expect(await api.exited).toBe(1);
    for (const started of [worker, api]) {
      const output = started.output();
      const refusal =
        /Temporal namespace "default" lacks Settle's search attributes (.*), and they cannot be registered: (.*?)\. Every payment start/.exec(
          output,
        );
      expect(refusal).not.toBeNull();
      expect(refusal![1]).toBe(
        'SettlePaymentReference (Keyword), SettleOrderId (Keyword), SettleFacets (KeywordList), ' +
          'SettlePhase (Keyword), SettleOutcome (Keyword), SettleAmountMinor (Int), SettleDeadline (Datetime), ' +
          'SettleStuckReason (Text)',
      );
      expect(refusal![2]).toContain('cannot have more than 10 search attribute of type Keyword');
      // Said once, and nothing started.
      expect(output.split("lacks Settle's search attributes").length).toBe(2);
      expect(output).not.toContain('worker started');
      expect(output).not.toContain('API listening');
    }
    expect(await customOf('default')).not.toContain(SEARCH_ATTRIBUTES.phase.name);
  });

  it('are registered beside 6 of the user’s Keyword attributes, and a workflow can carry them all', async () => {
    await namespaceWithUserKeywords('shared', 6);
    expect(await ensureSearchAttributes(env.connection, 'shared')).toEqual(
      ALL_SEARCH_ATTRIBUTES.map((k) => k.name),
    );
    expect(await ensureSearchAttributes(env.connection, 'shared')).toEqual([]);
    expect(await customOf('shared')).toEqual(
      expect.arrayContaining([...ALL_SEARCH_ATTRIBUTES.map((k) => k.name), 'ShopKeyword5']),
    );
    const client = new Client({ connection: env.connection, namespace: 'shared' });
    const handle = await eventually(() =>
      client.workflow
        .start('nobodyRunsThis', {
          taskQueue: 'nobody-polls-this',
          workflowId: 'shared-namespace-probe',
          typedSearchAttributes: [
            { key: SEARCH_ATTRIBUTES.paymentReference, value: 'PAY-SHARED' },
            { key: SEARCH_ATTRIBUTES.facets, value: facetEntries({ door: 'mib', command: 'capture' }) },
            { key: SEARCH_ATTRIBUTES.phase, value: 'executing' },
            { key: SEARCH_ATTRIBUTES.amountMinor, value: 100 },
            { key: SEARCH_ATTRIBUTES.deadline, value: new Date() },
            { key: SEARCH_ATTRIBUTES.stuckReason, value: '' },
          ],
        })
        .catch(() => undefined),
    );
    await eventually(async () => {
      const { count } = await client.workflow.count(
        'SettleFacets = "door:mib" AND SettleFacets = "command:capture" AND SettlePaymentReference = "PAY-SHARED"',
      );
      return count === 1 ? true : undefined;
    });
    await handle.terminate('probe');
  });
});
