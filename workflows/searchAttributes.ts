import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Settle's custom search attributes: what an operator filters and lists payments by in the Temporal Web UI
 * and `GET /payments`. They hold no personal data: ids, kinds, amounts, phases and Settle's own words.
 * The front door sets the static ones when it starts the workflow; the workflow upserts phase, outcome and
 * stuck reason as they change. They must be registered on the namespace (`npm start` and the worker do it
 * where they may; otherwise see docs/operations.md).
 *
 * Few, so that they fit a namespace on SQL visibility beside the user's own (SEARCH_ATTRIBUTE_BUDGET): what
 * is fixed for a workflow's life and searched by equality only shares one KeywordList, `SettleFacets`.
 */
export const SEARCH_ATTRIBUTES = {
  paymentReference: defineSearchAttributeKey('SettlePaymentReference', SearchAttributeType.KEYWORD),
  orderId: defineSearchAttributeKey('SettleOrderId', SearchAttributeType.KEYWORD),
  /** `door:mib`, `provider:stripe`, `command:capture`, `tenant:shop-eu`, `currency:EUR` (see FACETS). */
  facets: defineSearchAttributeKey('SettleFacets', SearchAttributeType.KEYWORD_LIST),
  phase: defineSearchAttributeKey('SettlePhase', SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey('SettleOutcome', SearchAttributeType.KEYWORD),
  amountMinor: defineSearchAttributeKey('SettleAmountMinor', SearchAttributeType.INT),
  /** When the command is stuck if no outcome is known by then. */
  deadline: defineSearchAttributeKey('SettleDeadline', SearchAttributeType.DATETIME),
  /** Why the payment is stuck, while it is; empty otherwise. */
  stuckReason: defineSearchAttributeKey('SettleStuckReason', SearchAttributeType.TEXT),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SEARCH_ATTRIBUTES);

/**
 * The facets in `SettleFacets`, each an entry `name:value`: the front door the command came through, its
 * provider, the command, the shop at a door that serves several (Spryker's tenant; absent for MIB) and the
 * currency. Searched as `SettleFacets = "command:capture"`, several with AND.
 */
export const FACETS = ['door', 'provider', 'command', 'tenant', 'currency'] as const;
export type Facet = (typeof FACETS)[number];

/** The `SettleFacets` entries of the facets given; absent or empty ones are left out. */
export function facetEntries(facets: Partial<Record<Facet, string>>): string[] {
  return FACETS.flatMap((name) => (facets[name] ? [facetEntry(name, facets[name])] : []));
}

/** One `SettleFacets` entry, as stored and as searched: `command:capture`. */
export function facetEntry(name: Facet, value: string): string {
  return `${name}:${value}`;
}

/** The facets read back from a workflow's `SettleFacets`. */
export function facetsOf(entries: readonly string[] | undefined): Partial<Record<Facet, string>> {
  const facets: Partial<Record<Facet, string>> = {};
  for (const entry of entries ?? []) {
    const colon = entry.indexOf(':');
    const name = entry.slice(0, colon) as Facet;
    if (colon > 0 && FACETS.includes(name)) facets[name] = entry.slice(colon + 1);
  }
  return facets;
}
