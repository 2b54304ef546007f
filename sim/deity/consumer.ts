import amqp, {
  type Channel,
  type ChannelModel,
  type ConsumeMessage,
  type RecoveringChannelModel,
} from 'amqplib';
import { errorText, type Journal } from './journal';
import type { Disposal } from './statusEvents';

/**
 * The shop's consumer of its profile's queue: manual acknowledgement, a bounded prefetch, each delivery
 * settled once handled. The connection recovers by itself when the broker goes away and comes back (or the
 * queue does not exist yet): every reconnection opens a new channel and consumer.
 */

export interface ConsumerOptions {
  readonly url: string;
  readonly queue: string;
  readonly prefetch: number;
  readonly journal: Journal;
  readonly handle: (message: ConsumeMessage) => Disposal;
}

/** Reconnection backoff: quick, since a restarted broker is back in seconds. */
const RECOVERY = { initialDelay: 100, maxDelay: 2000, factor: 2, jitter: 0.2 };

export function createConsumer({ url, queue, prefetch, journal, handle }: ConsumerOptions) {
  const { broker } = journal;
  let connection: RecoveringChannelModel | undefined;
  let stopping = false;
  const noteError = (error: unknown) => (broker.lastError = errorText(error));

  async function subscribe(model: ChannelModel) {
    const channel = await model.createChannel();
    channel.on('error', noteError);
    // A channel the broker closed (a deleted queue, a consumer cancelled) ends the connection, so the
    // recovery starts over with a fresh channel.
    channel.on('close', () => {
      if (!stopping) model.close().catch(() => undefined);
    });
    await channel.prefetch(prefetch);
    await channel.consume(queue, (message) => deliver(channel, message), { noAck: false });
  }

  function deliver(channel: Channel, message: ConsumeMessage | null) {
    if (message === null) {
      channel.close().catch(() => undefined);
      return;
    }
    try {
      if (handle(message) === 'ack') channel.ack(message);
      else channel.nack(message, false, false);
    } catch (error) {
      // The channel closed while handling: the broker hands the message out again.
      noteError(error);
    }
  }

  return {
    /** Connects in the background; resolves at once, whether or not the broker is there yet. */
    async start() {
      if (connection) return;
      stopping = false;
      connection = await amqp.connect(url, {
        recovery: { ...RECOVERY, waitForConnect: false, setup: subscribe },
      });
      connection.on('connect', () => {
        broker.connected = true;
        broker.connects += 1;
      });
      connection.on('disconnect', (error: Error) => {
        broker.connected = false;
        broker.disconnects += 1;
        noteError(error);
      });
      connection.on('connect-failed', noteError);
      connection.on('error', noteError);
    },
    async stop() {
      stopping = true;
      const closing = connection;
      connection = undefined;
      broker.connected = false;
      await closing?.close();
    },
  };
}
