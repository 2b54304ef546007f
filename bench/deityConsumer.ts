import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { profileQueue } from '../oms/deity/contract';
import { ensureProfileQueue } from '../oms/deity/publisher';
import { parseStatusEvent } from '../sim/deity/statusEvents';
import type { createDpsgClient } from '../sim/deity/client';
import type { ShopConsumer, ShopEvent } from './shop';

/**
 * The Deity shop's consumer of its profile's queue on RabbitMQ, as a Falcon shop consumes it: manual
 * acknowledgement after handling, a bounded prefetch, each event once by its messageId. A message whose id
 * came before is Settle's retried publish (or the broker's redelivery): acknowledged and dropped, and counted
 * as a redelivery, not a duplicate. A second event of one status for one order under another id is a duplicate.
 */
export class DeityEventConsumer implements ShopConsumer {
  readonly events: ShopEvent[] = [];
  duplicated = 0;
  /** Messages dropped by their messageId. */
  redelivered = 0;
  /** Messages that are no PAYMENT_STATUS_UPDATED event (rejected). */
  unparseable = 0;
  private readonly ids = new Set<string>();
  private readonly keys = new Set<string>();
  private connection?: ChannelModel;

  constructor(
    private readonly url: string,
    private readonly serviceUser: string,
    readonly prefetch = 100,
  ) {}

  /** Declares the profile's queue (as Settle does) and consumes it until `stop`. */
  async start(): Promise<void> {
    const connection = await connect(this.url);
    this.connection = connection;
    await ensureProfileQueue(connection, this.serviceUser);
    const channel = await connection.createChannel();
    await channel.prefetch(this.prefetch);
    await channel.consume(
      profileQueue(this.serviceUser),
      (message) => {
        if (message) this.handle(channel, message);
      },
      { noAck: false },
    );
  }

  async stop(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close().catch(() => undefined);
  }

  private handle(channel: Channel, message: ConsumeMessage): void {
    const receivedAt = Date.now();
    const parsed = parseStatusEvent(message.content);
    const messageId = message.properties.messageId as string | undefined;
    if (!parsed.ok || !messageId) {
      this.unparseable += 1;
      channel.nack(message, false, false);
      return;
    }
    // Payment errors come beside the status events of declines, which are what the benchmark counts.
    if (parsed.event.event !== 'PAYMENT_STATUS_UPDATED') {
      channel.ack(message);
      return;
    }
    const { shopOrderId: orderId, status } = parsed.event;
    const key = `${status}:${orderId}`;
    if (this.ids.has(messageId)) this.redelivered += 1;
    else if (this.keys.has(key)) this.duplicated += 1;
    else this.events.push({ messageId, name: status, orderReference: orderId, receivedAt });
    this.ids.add(messageId);
    this.keys.add(key);
    channel.ack(message);
  }
}

/** The Deity shop the benchmark plays: its calls to the client endpoints, and its queue's consumer. */
export interface DeityShop {
  readonly client: ReturnType<typeof createDpsgClient>;
  readonly consumer: DeityEventConsumer;
}
