import { randomUUID } from 'node:crypto';
import amqp, { type ConfirmChannel, type Message, type RecoveringChannelModel } from 'amqplib';
import type { DpsgAnswer } from './client';
import { errorText, now, type Journal, type PublishRecord } from './journal';

/**
 * The shop's order updates over RabbitMQ, as Deity's refund flow draws them ("an event is pushed to the payment
 * service message queue"), on Settle's proposed names: each OrderWebhookResult published persistent and
 * mandatory to the durable topic exchange `dpsg.orders` with the routing key `<serviceUser>.order.updated`,
 * `user_id` its broker user (the URL's), through a confirm channel: a publish resolves once the broker has the
 * message on a queue; one it returned (no queue bound yet) or nacked fails. The connection recovers by itself.
 */

export const ORDERS_EXCHANGE = 'dpsg.orders';
const RECOVERY = { initialDelay: 100, maxDelay: 2000, factor: 2, jitter: 0.2 };
const CONFIRM_TIMEOUT_MS = 30_000;

export interface OrderPublisherOptions {
  /** The broker, logged in as the profile's broker user. */
  readonly url: string;
  readonly serviceUser: string;
  readonly journal: Journal;
}

export interface PublishOptions {
  /** The AMQP messageId; a new one unless given (the same update sent twice may carry the same). */
  readonly messageId?: string;
  /** The user_id property; the connection's user unless given (the broker refuses any other). */
  readonly userId?: string | null;
  /** Another profile's key, to show that a queue binding is no authentication. */
  readonly routingKey?: string;
}

export type OrderPublisher = ReturnType<typeof createOrderPublisher>;

export function createOrderPublisher({ url, serviceUser, journal }: OrderPublisherOptions) {
  const username = decodeURIComponent(new URL(url).username);
  let connection: RecoveringChannelModel | undefined;
  let channel: Promise<ConfirmChannel> | undefined;
  const returned = new Set<string>();

  /** A confirm channel, opened again after the broker closed the last one. */
  const open = async (): Promise<ConfirmChannel> => {
    if (!connection) {
      connection = await amqp.connect(url, { recovery: { ...RECOVERY, waitForConnect: false } });
      connection.on('error', () => undefined);
      // The broker went away: the next publish opens a channel on the recovered connection.
      connection.on('disconnect', () => (channel = undefined));
    }
    const opening = connection.createConfirmChannel().then((created) => {
      created.on('error', () => undefined);
      created.on('close', () => {
        if (channel === opening) channel = undefined;
      });
      created.on('return', (message: Message) => {
        if (typeof message.properties.messageId === 'string') returned.add(message.properties.messageId);
      });
      return created;
    });
    opening.catch(() => {
      if (channel === opening) channel = undefined;
    });
    return opening;
  };

  /** Publishes `content` as is; resolves with the control API's answer: 202 once the broker confirmed it. */
  async function publishRaw(content: string, options: PublishOptions = {}): Promise<DpsgAnswer> {
    const messageId = options.messageId ?? randomUUID();
    const routingKey = options.routingKey ?? `${serviceUser}.order.updated`;
    const record: PublishRecord = { messageId, routingKey, content, at: now() };
    journal.published.push(record);
    try {
      const confirmed = await (channel ??= open());
      await new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error('no confirm within 30 s')), CONFIRM_TIMEOUT_MS);
        const settle = (error?: unknown) => {
          clearTimeout(timer);
          if (error) fail(error instanceof Error ? error : new Error(String(error)));
          else if (returned.delete(messageId)) fail(new Error(`unroutable: no queue bound to ${routingKey}`));
          else done();
        };
        try {
          confirmed.publish(
            ORDERS_EXCHANGE,
            routingKey,
            Buffer.from(content),
            {
              persistent: true,
              mandatory: true,
              contentType: 'application/json',
              messageId,
              type: 'ORDER_STATUS_UPDATED',
              ...(options.userId === null ? {} : { userId: options.userId ?? username }),
            },
            settle,
          );
        } catch (error) {
          // The channel closed under it.
          channel = undefined;
          settle(error);
        }
      });
      record.confirmed = true;
      return { status: 202, body: { published: true, messageId } };
    } catch (error) {
      record.confirmed = false;
      record.error = errorText(error);
      throw error;
    }
  }

  return {
    publishRaw,
    /** An order update as the shop's payment package pushes it. */
    publish: (update: object, options?: PublishOptions) => publishRaw(JSON.stringify(update), options),
    async stop() {
      const closing = connection;
      connection = undefined;
      channel = undefined;
      await closing?.close().catch(() => undefined);
    },
  };
}
