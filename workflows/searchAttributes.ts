import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Settle's custom search attributes: what an operator filters and lists payments by in the Temporal Web UI
 * and `GET /payments`. They hold no personal data: ids, kinds, amounts, phases and Settle's own words.
 * The front door sets the static ones when it starts the workflow; the workflow upserts phase, outcome and
 * stuck reason as they change. They must be registered on the namespace (`npm start` does it; on a cluster
 * see docs/operations.md).
 */
export const SEARCH_ATTRIBUTES = {
  paymentReference: defineSearchAttributeKey('SettlePaymentReference', SearchAttributeType.KEYWORD),
  orderId: defineSearchAttributeKey('SettleOrderId', SearchAttributeType.KEYWORD),
  command: defineSearchAttributeKey('SettleCommand', SearchAttributeType.KEYWORD),
  provider: defineSearchAttributeKey('SettleProvider', SearchAttributeType.KEYWORD),
  /** The front door the command came through (`mib`, …). */
  door: defineSearchAttributeKey('SettleDoor', SearchAttributeType.KEYWORD),
  /** The shop at a door that serves several (Spryker's tenant); absent for MIB. */
  tenant: defineSearchAttributeKey('SettleTenant', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('SettlePhase', SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey('SettleOutcome', SearchAttributeType.KEYWORD),
  amountMinor: defineSearchAttributeKey('SettleAmountMinor', SearchAttributeType.INT),
  currency: defineSearchAttributeKey('SettleCurrency', SearchAttributeType.KEYWORD),
  /** When the command is stuck if no outcome is known by then. */
  deadline: defineSearchAttributeKey('SettleDeadline', SearchAttributeType.DATETIME),
  /** Why the payment is stuck, while it is; empty otherwise. */
  stuckReason: defineSearchAttributeKey('SettleStuckReason', SearchAttributeType.TEXT),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SEARCH_ATTRIBUTES);
