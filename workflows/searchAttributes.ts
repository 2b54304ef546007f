import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Settle's custom search attributes: what an operator filters payments by in the Temporal Web UI.
 * They must be registered on the namespace (the dev server started by `npm start` does it; on a cluster see
 * the README).
 */
export const SEARCH_ATTRIBUTES = {
  paymentReference: defineSearchAttributeKey('SettlePaymentReference', SearchAttributeType.KEYWORD),
  orderId: defineSearchAttributeKey('SettleOrderId', SearchAttributeType.KEYWORD),
  command: defineSearchAttributeKey('SettleCommand', SearchAttributeType.KEYWORD),
  provider: defineSearchAttributeKey('SettleProvider', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('SettlePhase', SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey('SettleOutcome', SearchAttributeType.KEYWORD),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SEARCH_ATTRIBUTES);
