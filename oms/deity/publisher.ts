import { connect, type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import type { Logger } from '../../config/logger';
import {
  APP_ID,
  assertExchange,
  checkedServiceUser,
  connectOptions,
  describe,
  ensureBoundQueue,
} from './broker';

/**
 * The Deity door's events on RabbitMQ: each one published persistent and mandatory on a durable topic exchange
 * through one confirm channel, so that `publish` resolves only once the broker has the message on a queue
 * (and on disk, for a durable queue). Anything short of that rejects, and the activity calling it retries:
 * the broker down, the connection or channel lost, a nack, or no queue bound to the routing key (returned).
 * A retry may deliver a message twice; its `messageId` is what consumers deduplicate by.
 */

export const DEFAULT_EXCHANGE = 'dpsg.events';
/** How long a publish waits for the broker's confirm (a blocked connection never sends one). */
const CONFIRM_TIMEOUT_MS = 30_000;

export interface EventMessage {
  readonly routingKey: string;
  /** Deterministic: the same event published again carries the same id. */
  readonly messageId: string;
  readonly type: string;
  readonly body: object;
  readonly timestamp: Date;
}

export interface EventPublisher {
  /** Resolves once the broker confirms the message as routed; rejects otherwise (see above). */
  publish(message: EventMessage): Promise<void>;
  /** Declares each profile's queue (ensureProfileQueue) on the publisher's connection. */
  ensureProfileQueues(serviceUsers: readonly string[]): Promise<void>;
  /** Closes the connection; a publish after it rejects. */
  close(): Promise<void>;
}

export interface EventPublisherOptions {
  /** amqp:// or amqps:// URL, with credentials and vhost. */
  readonly url: string;
  readonly exchange?: string;
  readonly logger: Logger;
  readonly confirmTimeoutMs?: number;
}

/** The routing key of a profile's status events. */
export const statusRoutingKey = (serviceUser: string) =>
  `${checkedServiceUser(serviceUser)}.payment.status_updated`;
/** The durable queue a profile's shop consumes. */
export const profileQueueName = (serviceUser: string) => `dpsg.${checkedServiceUser(serviceUser)}`;

/**
 * Declares the exchange and the durable queue `dpsg.<serviceUser>`, bound with `<serviceUser>.#`, so that the
 * profile's events are routable (never returned) even before its shop first connects. A queue the shop has
 * declared already with other arguments (a quorum queue, a length limit) is kept as it is and only bound.
 */
export async function ensureProfileQueue(
  connection: ChannelModel,
  serviceUser: string,
  exchange: string = DEFAULT_EXCHANGE,
): Promise<void> {
  await ensureBoundQueue(connection, {
    queue: profileQueueName(serviceUser),
    exchange,
    bindingKey: `${serviceUser}.#`,
  });
}

export function createEventPublisher({
  url,
  exchange = DEFAULT_EXCHANGE,
  logger,
  confirmTimeoutMs = CONFIRM_TIMEOUT_MS,
}: EventPublisherOptions): EventPublisher {
  let session: Promise<Session> | undefined;
  let closed = false;

  /** The open connection and channel, or new ones: after a failure the next publish opens them again. */
  const current = (): Promise<Session> => {
    if (closed) return Promise.reject(new Error('RabbitMQ: the event publisher is closed'));
    if (!session) {
      const opening = openSession(url, exchange, logger, () => {
        if (session === opening) session = undefined;
      });
      session = opening;
      opening.catch(() => {
        if (session === opening) session = undefined;
      });
    }
    return session;
  };

  return {
    async publish(message) {
      // The id is how a return is matched to its publish, and how consumers deduplicate.
      if (!message.messageId) throw new Error('RabbitMQ: an event needs a messageId');
      if (closed) throw new Error('RabbitMQ: the event publisher is closed');
      const { channel, pending, closeReason } = await current().catch((error: Error) => {
        throw new Error(`RabbitMQ: no channel to publish on: ${error.message}`);
      });
      const content = Buffer.from(JSON.stringify(message.body));
      return new Promise<void>((done, fail) => {
        const entry: Pending = { routingKey: message.routingKey };
        const list = pending.get(message.messageId) ?? [];
        list.push(entry);
        pending.set(message.messageId, list);
        const settle = (error?: Error) => {
          clearTimeout(timer);
          const left = (pending.get(message.messageId) ?? []).filter((other) => other !== entry);
          if (left.length > 0) pending.set(message.messageId, left);
          else pending.delete(message.messageId);
          if (error) fail(error);
          else done();
        };
        const timer = setTimeout(
          () =>
            settle(
              new Error(
                `RabbitMQ: no confirm for message ${message.messageId} within ${confirmTimeoutMs} ms`,
              ),
            ),
          confirmTimeoutMs,
        );
        const confirmed = (error: unknown) => {
          if (error) {
            const reason = closeReason();
            const why = reason ? `${describe(error)} (${reason})` : describe(error);
            settle(new Error(`RabbitMQ: message ${message.messageId} not confirmed: ${why}`));
          } else if (entry.returned)
            settle(
              new Error(
                `RabbitMQ: message ${message.messageId} is unroutable: no queue is bound to "${message.routingKey}" on ${exchange} (${entry.returned})`,
              ),
            );
          else settle();
        };
        try {
          channel.publish(
            exchange,
            message.routingKey,
            content,
            {
              persistent: true,
              mandatory: true,
              contentType: 'application/json',
              appId: APP_ID,
              messageId: message.messageId,
              type: message.type,
              timestamp: Math.floor(message.timestamp.getTime() / 1000),
            },
            confirmed,
          );
        } catch (error) {
          // The channel closed in between; the 'close' handler has dropped the session already.
          settle(new Error(`RabbitMQ: cannot publish: ${describe(error)}`));
        }
      });
    },
    async ensureProfileQueues(serviceUsers) {
      const { connection } = await current();
      for (const serviceUser of serviceUsers) await ensureProfileQueue(connection, serviceUser, exchange);
    },
    async close() {
      closed = true;
      const open = session;
      session = undefined;
      if (open) await open.then((s) => s.connection.close()).catch(() => {});
    },
  };
}

interface Pending {
  readonly routingKey: string;
  /** Why the broker returned it; set before the confirm arrives, which the broker sends after a return. */
  returned?: string;
}

interface Session {
  readonly connection: ChannelModel;
  readonly channel: ConfirmChannel;
  /** The publishes awaiting their confirm, by messageId (a return names a message by its properties only). */
  readonly pending: Map<
    string,
    Pending[]
  >; /** Why the broker closed the channel or connection, once it has. */
  closeReason(): string | undefined;
}

async function openSession(
  url: string,
  exchange: string,
  logger: Logger,
  lost: () => void,
): Promise<Session> {
  const connection = await connect(url, connectOptions());
  // Without listeners an 'error' event would throw; it comes before the 'close' that fails the pending
  // publishes, which quote it.
  let reason: string | undefined;
  const remember = (error: Error) => (reason ??= error.message);
  connection.on('error', remember);
  connection.on('close', (error?: Error) => {
    lost();
    if (error) logger.warn('RabbitMQ connection lost', { error: error.message });
  });
  connection.on('blocked', (reason: string) => logger.warn('RabbitMQ blocks publishing', { reason }));
  connection.on('unblocked', () => logger.info('RabbitMQ publishing unblocked'));
  try {
    const channel = await connection.createConfirmChannel();
    const pending = new Map<string, Pending[]>();
    channel.on('error', remember);
    channel.on('close', () => {
      lost();
      // A channel closed by the broker leaves the connection open but useless to this publisher.
      connection.close().catch(() => {});
    });
    channel.on('return', (returned: Message) => {
      const id = returned.properties.messageId as string | undefined;
      const entry = (id ? pending.get(id) : undefined)?.find(
        (p) => !p.returned && p.routingKey === returned.fields.routingKey,
      );
      // basic.return's fields, which amqplib's types leave out.
      const { replyCode, replyText } = returned.fields as { replyCode?: number; replyText?: string };
      if (entry) entry.returned = `${replyCode} ${replyText}`;
    });
    await assertExchange(channel, exchange);
    logger.info('RabbitMQ connected', { exchange });
    return { connection, channel, pending, closeReason: () => reason };
  } catch (error) {
    await connection.close().catch(() => {});
    throw error;
  }
}

/**
 * A publisher of the profiles' events that connects at its first event, not at start (a process without a
 * broker still serves the other doors), and declares every profile's queue before it, so that no event is
 * unroutable.
 */
export function createProfilePublisher({
  url,
  serviceUsers,
  logger,
}: {
  readonly url: string | undefined;
  readonly serviceUsers: readonly string[];
  readonly logger: Logger;
}): Pick<EventPublisher, 'publish' | 'close'> {
  let publisher: EventPublisher | undefined;
  let queues: Promise<void> | undefined;
  return {
    async publish(message) {
      if (!url) throw new Error("AMQP_URL is not set: the Deity door's events wait until it is");
      publisher ??= createEventPublisher({ url, logger });
      queues ??= publisher.ensureProfileQueues(serviceUsers).catch((error: unknown) => {
        queues = undefined;
        throw error;
      });
      await queues;
      await publisher.publish(message);
    },
    async close() {
      await publisher?.close();
    },
  };
}
