/** Everything the simulated shop sent and received, for tests to assert on (`GET /_events`). */

export interface CallRecord {
  /** The endpoint's path under the client base, e.g. `/validate`. */
  readonly path: string;
  readonly body: unknown;
  status?: number;
  answer?: unknown;
  /** A transport failure: no answer came. */
  error?: string;
  readonly at: string;
}

/** A PAYMENT_STATUS_UPDATED event the shop handled. */
export interface ReceivedRecord {
  readonly messageId: string | null;
  readonly routingKey: string;
  readonly redelivered: boolean;
  /** The shop's order id (the event's shopOrderId). */
  readonly orderId: string;
  readonly status: string;
  readonly body: Record<string, unknown>;
  /** False when no order of the shop's has this id: the event is acknowledged and recorded only. */
  readonly known: boolean;
  readonly at: string;
}

/** A PAYMENT_ERROR event the shop handled. */
export interface ErrorRecord {
  readonly messageId: string | null;
  readonly routingKey: string;
  readonly redelivered: boolean;
  /** The shop's order id, '' when the error names none. */
  readonly orderId: string;
  readonly body: Record<string, unknown>;
  readonly at: string;
}

/** An order update the shop published to the queue, confirmed by the broker or not. */
export interface PublishRecord {
  readonly messageId: string;
  readonly routingKey: string;
  /** The body as published (text: it may be malformed on purpose). */
  readonly content: string;
  confirmed?: boolean;
  error?: string;
  readonly at: string;
}

/** An event whose messageId was handled before: acknowledged and dropped. */
export interface DuplicateRecord {
  readonly messageId: string;
  readonly routingKey: string;
  readonly redelivered: boolean;
  readonly orderId: string;
  readonly status: string;
  readonly at: string;
}

/** A message that is no PAYMENT_STATUS_UPDATED event: rejected without requeue. */
export interface UnparseableRecord {
  readonly messageId: string | null;
  readonly routingKey: string;
  readonly reason: string;
  /** The body as text, cut to its first kilobytes. */
  readonly content: string;
  readonly at: string;
}

/** The consumer's link to the broker. */
export interface BrokerState {
  connected: boolean;
  /** Successful (re)connections, each with its channel and consumer set up. */
  connects: number;
  disconnects: number;
  lastError: string | null;
}

export type Journal = ReturnType<typeof createJournal>;

export function createJournal() {
  return {
    calls: [] as CallRecord[],
    received: [] as ReceivedRecord[],
    errors: [] as ErrorRecord[],
    published: [] as PublishRecord[],
    duplicates: [] as DuplicateRecord[],
    unparseable: [] as UnparseableRecord[],
    broker: { connected: false, connects: 0, disconnects: 0, lastError: null } as BrokerState,
  };
}

export const now = () => new Date().toISOString();

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
