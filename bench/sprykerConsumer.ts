import type { BusClient } from '../sim/spryker/bus';
import type { ShopEvent } from './shop';

/**
 * The shop's worker on payment-events, as Spryker's consumes a channel: it fetches, acknowledges what it got,
 * and fetches again; the benchmark reads from it when each event reached the shop.
 */

/** What the shop's worker took off payment-events, each message once, while it runs. */
export class EventConsumer {
  readonly events: ShopEvent[] = [];
  /** Messages handed out again after they were acknowledged, or a second event of one name for one order. */
  duplicated = 0;
  /** GET payment-events calls (each a query of the tenant's mailbox). */
  fetches = 0;
  /** Fetches or acknowledgements the door did not answer with 200. */
  failures = 0;
  private readonly ids = new Set<string>();
  private readonly keys = new Set<string>();
  private loop?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly bus: BusClient,
    private readonly limit = 100,
    /** The pause after a fetch that found nothing; a fetch that found messages is followed at once. */
    readonly idleMs = 100,
  ) {}

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        const found = await this.pollOnce().catch(() => 0);
        if (found === 0) await new Promise((done) => setTimeout(done, this.idleMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    this.loop = undefined;
  }

  /** One round of the shop's worker: a fetch, then the acknowledgement of what it got. */
  private async pollOnce(): Promise<number> {
    this.fetches += 1;
    const answer = await this.bus.fetchMessages('payment-events', this.limit);
    if (answer.status !== 200 || !Array.isArray(answer.body)) {
      this.failures += 1;
      return 0;
    }
    const receivedAt = Date.now();
    const messages = answer.body as {
      MessageId: string;
      MessageBody: string;
      MessageAttributes: { name: string };
    }[];
    if (messages.length === 0) return 0;
    const acknowledged = await this.bus.acknowledge(
      'payment-events',
      messages.map((message) => message.MessageId),
    );
    // Not acknowledged: the same messages come again, and that is no duplicate.
    if (acknowledged.status !== 200) {
      this.failures += 1;
      return 0;
    }
    for (const message of messages) {
      const { orderReference } = JSON.parse(message.MessageBody) as { orderReference: string };
      const { name } = message.MessageAttributes;
      const key = `${name}:${orderReference}`;
      if (this.ids.has(message.MessageId) || this.keys.has(key)) {
        this.duplicated += 1;
        continue;
      }
      this.ids.add(message.MessageId);
      this.keys.add(key);
      this.events.push({ messageId: message.MessageId, name, orderReference, receivedAt });
    }
    return messages.length;
  }
}

export interface SprykerShop {
  readonly bus: BusClient;
  readonly consumer: EventConsumer;
}
