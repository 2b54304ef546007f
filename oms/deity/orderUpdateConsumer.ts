import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { fingerprint } from '../../domain/fingerprint';
import { issuesOf } from '../../domain/issues';
import type { DoorApiPart } from '../door';
import { OrderRefusal } from '../orderRefusal';
import { connectOptions, describe, ensureBoundQueue } from './broker';
import {
  ORDERS_EXCHANGE,
  PARKED_EXCHANGE,
  orderUpdateQueue,
  orderUpdateRoutingKey,
  orderUpdateSchema,
  parkedQueue,
} from './contract';
import { deitySettingsOf, type DeityConfig, type DeityDependencies } from './door';
import { receiveOrderUpdate } from './orderUpdates';
import { PARKED_REASONS, recordParked, type ParkedReason } from './parked';
import { createEventPublisher, createProfilePublisher } from './publisher';
import { errorEvent, eventIds } from './reporter';
import type { DeityProfile } from './settings';

/**
 * `sendOrderUpdate` over RabbitMQ, beside the REST route: the API process consumes each profile's queue
 * (`dpsg.<serviceUser>.orders`, bound to `dpsg.orders` with `<serviceUser>.order.updated`) with manual
 * acknowledgement, one delivery at a time per profile (and one API process at a time: a single-active-consumer
 * queue), so that a shop's updates are admitted in the order it published them. Each goes through the REST
 * route's admission (orderUpdates.ts), under the same idempotency key, and is acknowledged only once the order's
 * payment has admitted it: a redelivery starts nothing.
 *
 * What will never be carried out (a sender other than the profile's broker user, no JSON, no order update, an
 * unknown order, what the order's money refuses) is parked at once: kept as a record (parked.ts), moved to the
 * profile's parked queue with its reason, told to the shop as a PAYMENT_ERROR, then acknowledged. Anything else
 * (Temporal unreachable, the broker gone mid-way) is nacked back to the queue after a growing pause, and the
 * connection recovers by itself from a broker restart.
 */

/** An order update is a small JSON document: the REST route takes at most this much too. */
const MAX_CONTENT_BYTES = 256 * 1024;
/** Reconnection backoff after the broker went away; a restarted broker is back in seconds. */
const RECOVERY = { initialDelay: 200, maxDelay: 10_000, factor: 2, jitter: 0.2 };
/** The pause before a delivery that failed for a passing reason goes back to the queue. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

export interface OrderUpdateConsumerOptions {
  readonly url: string;
  readonly deps: DeityDependencies;
  readonly profiles: readonly DeityProfile[];
}

/** The consumer the door's settings ask for: none without a broker or without profiles. */
export function startOrderUpdateConsumer(
  deps: DeityDependencies,
  config: DeityConfig,
): DoorApiPart | undefined {
  const profiles = [...deitySettingsOf(config).profiles.values()];
  if (!config.AMQP_URL || profiles.length === 0) return undefined;
  return createOrderUpdateConsumer({ url: config.AMQP_URL, deps, profiles });
}

export function createOrderUpdateConsumer({ url, deps, profiles }: OrderUpdateConsumerOptions): DoorApiPart {
  const { logger } = deps;
  const parking = createEventPublisher({ url, exchange: PARKED_EXCHANGE, logger });
  const errors = createProfilePublisher({
    url,
    serviceUsers: profiles.map((profile) => profile.serviceUser),
    logger,
  });
  let stopping = false;
  /** Passing failures in a row: the pause before the next nack grows with them, and a success resets it. */
  let failing = 0;

  /** Declares the queues (the parked ones first: a park is never unroutable) and consumes each profile's. */
  async function setup(model: ChannelModel) {
    for (const { serviceUser } of profiles) {
      await ensureBoundQueue(model, {
        queue: parkedQueue(serviceUser),
        exchange: PARKED_EXCHANGE,
        bindingKey: `${serviceUser}.#`,
      });
      await ensureBoundQueue(model, {
        queue: orderUpdateQueue(serviceUser),
        exchange: ORDERS_EXCHANGE,
        bindingKey: orderUpdateRoutingKey(serviceUser),
        // Several API processes consume, one at a time: a shop's updates stay in the order it published them.
        arguments: { 'x-single-active-consumer': true },
      });
    }
    const channel = await model.createChannel();
    channel.on('error', (error: Error) =>
      logger.warn('RabbitMQ order update channel failed', { error: error.message }),
    );
    // A channel the broker closed (a queue deleted) ends the connection, so that recovery starts over.
    channel.on('close', () => {
      if (!stopping) model.close().catch(() => {});
    });
    // Per consumer: one delivery of each profile's queue at a time.
    await channel.prefetch(1);
    for (const profile of profiles) {
      await channel.consume(
        orderUpdateQueue(profile.serviceUser),
        (message) => {
          if (message) void deliver(channel, profile, message);
        },
        { noAck: false },
      );
    }
  }

  async function deliver(channel: Channel, profile: DeityProfile, message: ConsumeMessage) {
    try {
      await handle(profile, message);
    } catch (error) {
      failing += 1;
      const pauseMs = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (failing - 1));
      logger.warn('Deity order update not admitted yet: delivered again', {
        profile: profile.serviceUser,
        error: describe(error),
        retryInMs: pauseMs,
      });
      setTimeout(() => settle(() => channel.nack(message, false, true)), pauseMs).unref();
      return;
    }
    failing = 0;
    settle(() => channel.ack(message));
  }

  /** Admits the update, or parks it; throws (the delivery goes back to the queue) for what may pass. */
  async function handle(profile: DeityProfile, message: ConsumeMessage): Promise<void> {
    const { serviceUser } = profile;
    const park = (reason: ParkedReason, detail: string, orderId?: string) =>
      parkMessage(profile, message, { reason, detail, ...(orderId ? { orderId } : {}) });
    const sender = stringProperty(message.properties.userId);
    const brokerUser = profile.brokerUser ?? serviceUser;
    if (sender !== brokerUser) {
      return park(
        'wrong-sender',
        sender
          ? `published by the broker user "${sender.slice(0, 80)}", not the profile's "${brokerUser}"`
          : `published without user_id; the profile's updates carry "${brokerUser}"`,
      );
    }
    if (message.content.length > MAX_CONTENT_BYTES)
      return park(
        'too-large',
        `${message.content.length} bytes; an order update takes at most ${MAX_CONTENT_BYTES}`,
      );
    let json: unknown;
    try {
      json = JSON.parse(message.content.toString('utf8'));
    } catch {
      return park('malformed', 'the message body is not JSON');
    }
    const parsed = orderUpdateSchema.safeParse(json);
    if (!parsed.success) {
      const orderId = (json as { orderId?: unknown } | null)?.orderId;
      return park(
        'invalid',
        issuesOf(parsed.error, 'body')
          .map((issue) => `${issue.path}: ${issue.message}`)
          .join('; '),
        typeof orderId === 'string' && orderId.length <= 120 ? orderId : undefined,
      );
    }
    const update = parsed.data;
    try {
      const { updateId } = await receiveOrderUpdate(deps, profile, update);
      logger.debug('Deity order update taken from the queue', {
        profile: serviceUser,
        ...(updateId ? { updateId } : {}),
      });
    } catch (error) {
      if (!(error instanceof OrderRefusal)) throw error;
      const reason: ParkedReason =
        error.status === 404 ? 'unknown-order' : error.status === 409 ? 'refused' : 'invalid';
      const issues = error.issues?.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
      return park(reason, issues ? `${error.message}: ${issues}` : error.message, update.orderId);
    }
  }

  /**
   * Records the parked message, moves it to the profile's parked queue with its reason and tells the shop; each
   * step again on a redelivery finds its work done (the record by id, the shop dropping the event by id).
   */
  async function parkMessage(
    profile: DeityProfile,
    message: ConsumeMessage,
    why: { reason: ParkedReason; detail: string; orderId?: string },
  ) {
    const { serviceUser } = profile;
    const messageId = stringProperty(message.properties.messageId);
    const publishedBy = stringProperty(message.properties.userId);
    const messageKey = fingerprint({
      messageId: messageId ?? null,
      content: message.content.toString('base64'),
    });
    await recordParked(deps, messageKey, {
      serviceUser,
      ...(messageId ? { messageId } : {}),
      ...(publishedBy ? { publishedBy } : {}),
      ...why,
      parkedQueue: parkedQueue(serviceUser),
    });
    await parking.publish({
      routingKey: `${serviceUser}.order.parked`,
      messageId: `parked:${messageKey}`,
      type: 'PARKED_ORDER_UPDATE',
      body: {
        reason: why.reason,
        detail: why.detail,
        ...(messageId ? { messageId } : {}),
        ...(publishedBy ? { publishedBy } : {}),
        routingKey: message.fields.routingKey,
        // As sent, to be published again once mended.
        content: message.content.toString('utf8'),
      },
      timestamp: new Date(),
    });
    // A stranger's message is no news for the profile's shop.
    if (why.reason === 'wrong-sender') return;
    const known = why.reason !== 'unknown-order' && why.orderId;
    await errors.publish(
      errorEvent(serviceUser, `parked:${messageKey}`, {
        ...(known ? eventIds(serviceUser, why.orderId!) : why.orderId ? { shopOrderId: why.orderId } : {}),
        error: {
          code: 'update_parked',
          message: `the order update was parked (${why.reason}: ${PARKED_REASONS[why.reason]}): ${why.detail}`,
        },
      }),
    );
  }

  let connection: Awaited<ReturnType<typeof connectRecovering>> | undefined;
  const opening = connectRecovering(url, setup).then((model) => {
    connection = model;
    model.on('connect', () => logger.info('RabbitMQ order updates consumed', { profiles: profiles.length }));
    model.on('disconnect', (error: Error) =>
      logger.warn('RabbitMQ order update connection lost', { error: error.message }),
    );
    model.on('connect-failed', (error: Error) =>
      logger.warn('RabbitMQ order updates: cannot connect yet', { error: error.message }),
    );
    model.on('error', () => {});
    return model;
  });
  opening.catch((error: unknown) =>
    logger.error('RabbitMQ order updates not consumed', { error: describe(error) }),
  );

  return {
    async close() {
      stopping = true;
      await opening.catch(() => {});
      await connection?.close().catch(() => {});
      await Promise.all([parking.close(), errors.close()]);
    },
  };
}

/** A connection that recovers by itself, running `setup` on every (re)connection; resolves before the first. */
const connectRecovering = (url: string, setup: (model: ChannelModel) => Promise<void>) =>
  connect(url, {
    ...connectOptions('settle-order-updates'),
    recovery: { ...RECOVERY, waitForConnect: false, setup },
  });

const stringProperty = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** Acks or nacks a delivery; on a channel closed meanwhile the broker has taken it back already. */
function settle(act: () => void) {
  try {
    act();
  } catch {
    // Delivered again on the next channel: the admission and the park are idempotent.
  }
}
