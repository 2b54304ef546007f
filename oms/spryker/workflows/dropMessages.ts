/**
 * A message Settle's bus accepted from a Spryker shop and dropped: what the record of it (droppedMessage.ts
 * beside this file) holds, defined once for the workflow and the door (drops.ts).
 */
export interface DroppedMessage {
  readonly tenant: string;
  /** The message's name, e.g. CapturePayment. */
  readonly messageName: string;
  /** The MessageId the bus answered. */
  readonly messageId: string;
  /** Why, in a word operators filter by (DROP_REASONS in drops.ts). */
  readonly reason: string;
  /** What the reason means for this message, in a sentence. */
  readonly detail: string;
  readonly orderReference?: string;
  /** ISO 8601: when the bus took it. */
  readonly at: string;
}
