/** Everything the simulated shop sent and received, for tests to assert on (`GET /_messages`). */

export interface SentRecord {
  /** `payment-commands` or `private/initialize-payment`. */
  readonly target: string;
  readonly name?: string;
  readonly headers: Record<string, string>;
  /** The body exactly as it went out. */
  readonly body: string;
  status?: number;
  answer?: unknown;
  /** A transport failure: no answer came. */
  error?: string;
  /** Never sent: the shop's broker dropped it (no active app config lists its channel). */
  dropped?: string;
  readonly at: string;
}

export interface ReceivedRecord {
  readonly channel: string;
  readonly MessageId: string;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
  readonly body: Record<string, unknown>;
  /** `failed`: the handler threw; the shop acknowledges it all the same and never sees it again. */
  outcome: 'handled' | 'failed';
  /** What handling did, e.g. the items moved or `ignored` for a payment method. */
  result?: unknown;
  error?: string;
  readonly at: string;
}

export interface UndecodableRecord {
  readonly channel: string;
  readonly MessageId: unknown;
  readonly reason: string;
  /** The message as it came; it stays on the bus, so each poll sees it again. */
  readonly message: unknown;
  times: number;
}

export interface AckRecord {
  readonly channel: string;
  readonly messageIds: readonly string[];
  status?: number;
  answer?: unknown;
  error?: string;
  readonly at: string;
}

export interface ShopError {
  readonly what: string;
  readonly status?: number;
  readonly body?: unknown;
  readonly error?: string;
  readonly at: string;
}

/** A warning the shop logs and goes on, e.g. a message it could not map to a channel. */
export interface ShopWarning {
  readonly what: string;
  readonly messageName?: string;
  readonly at: string;
}

export type Journal = ReturnType<typeof createJournal>;

export function createJournal() {
  const sent: SentRecord[] = [];
  const received: ReceivedRecord[] = [];
  const undecodable: UndecodableRecord[] = [];
  /** Decoded messages whose MessageId had been received before: the bus handed out a message twice. */
  const duplicates: ReceivedRecord[] = [];
  const acks: AckRecord[] = [];
  const errors: ShopError[] = [];
  const warnings: ShopWarning[] = [];

  const noteUndecodable = (channel: string, message: unknown, reason: string) => {
    const id = (message as { MessageId?: unknown } | null)?.MessageId;
    const known = undecodable.find(
      (u) => u.channel === channel && u.MessageId === id && id !== undefined && u.reason === reason,
    );
    if (known) known.times += 1;
    else undecodable.push({ channel, MessageId: id, reason, message, times: 1 });
  };

  return {
    sent,
    received,
    undecodable,
    duplicates,
    acks,
    errors,
    warnings,
    noteUndecodable,
    noteWarning: (warning: Omit<ShopWarning, 'at'>) => warnings.push({ ...warning, at: now() }),
    noteError: (error: Omit<ShopError, 'at'>) => errors.push({ ...error, at: now() }),
  };
}

export const now = () => new Date().toISOString();

export function transportError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
