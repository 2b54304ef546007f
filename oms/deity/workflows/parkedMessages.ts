/**
 * An order update Settle took from a profile's queue and parked instead of carrying it out: what the record of
 * it (parkedMessage.ts beside this file) holds, defined once for the workflow and the door (parked.ts).
 */
export interface ParkedMessage {
  /** The profile whose queue it came from. */
  readonly serviceUser: string;
  /** The message's AMQP messageId, when it had one. */
  readonly messageId?: string;
  /** The broker user that published it (the validated AMQP user_id), when it named one. */
  readonly publishedBy?: string;
  /** Why, in a word operators filter by (PARKED_REASONS in parked.ts). */
  readonly reason: string;
  /** What was wrong with this message, in a sentence. */
  readonly detail: string;
  /** The shop's order id, when the message named one. */
  readonly orderId?: string;
  /** The queue that now holds the message, with the reason. */
  readonly parkedQueue: string;
  /** ISO 8601: when Settle parked it. */
  readonly at: string;
}
