import type { ConsumeMessage } from 'amqplib';
import { z } from 'zod';
import { issuesOf } from '../../domain/issues';
import { now, type Journal } from './journal';
import type { OrderBook } from './orders';

/**
 * The shop's handling of its profile's queue: each PAYMENT_STATUS_UPDATED sets the status of the order its
 * shopOrderId names (kept with its history); each PAYMENT_ERROR is kept; an event whose messageId was handled
 * before is dropped; a message that is neither is rejected.
 */

/** Falcon's payment statuses, `refunded` of Deity's usage pages, and Settle's two documented additions. */
export const PAYMENT_STATUSES = [
  'authorized',
  'paid',
  'refunded',
  'partially_refunded',
  'refund_failed',
  'canceled',
  'failed',
  'expired',
  'pending',
  'open',
] as const;

/** Deity's PaymentStatusUpdatedEventPayload: the payment service's order id, the shop's, the provider's. */
const statusEventSchema = z.looseObject({
  event: z.literal('PAYMENT_STATUS_UPDATED'),
  orderId: z.string().min(1),
  shopOrderId: z.string().min(1),
  gatewayOrderId: z.string().min(1).optional(),
  status: z.enum(PAYMENT_STATUSES),
  payload: z.record(z.string(), z.unknown()),
});

/** A payment error, which Deity's module turns into its Events.ERROR. */
const errorEventSchema = z.looseObject({
  event: z.literal('PAYMENT_ERROR'),
  orderId: z.string().min(1).optional(),
  shopOrderId: z.string().min(1).optional(),
  gatewayOrderId: z.string().min(1).optional(),
  error: z.looseObject({
    code: z.string().min(1),
    message: z.string(),
    status: z.enum(PAYMENT_STATUSES).optional(),
  }),
});

const eventSchema = z.discriminatedUnion('event', [statusEventSchema, errorEventSchema]);

export type StatusEvent = z.infer<typeof statusEventSchema>;
export type ErrorEvent = z.infer<typeof errorEventSchema>;

/** The body as a status or error event, or why it is neither. */
export function parseStatusEvent(
  content: Buffer,
): { ok: true; event: StatusEvent | ErrorEvent } | { ok: false; reason: string } {
  let body: unknown;
  try {
    body = JSON.parse(content.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the body is not JSON' };
  }
  const parsed = eventSchema.safeParse(body);
  if (parsed.success) return { ok: true, event: parsed.data };
  const issues = issuesOf(parsed.error, 'body').map((i) => `${i.path}: ${i.message}`);
  return { ok: false, reason: issues.join('; ') };
}

/** What to do with the delivery once handled. */
export type Disposal = 'ack' | 'reject';

/** The text of an unparseable body the journal keeps. */
const CONTENT_KEPT = 4096;

export function createStatusHandler({ journal, book }: { journal: Journal; book: OrderBook }) {
  const handled = new Set<string>();

  return (message: ConsumeMessage): Disposal => {
    const messageId = typeof message.properties.messageId === 'string' ? message.properties.messageId : null;
    const { routingKey, redelivered } = message.fields;
    const parsed = parseStatusEvent(message.content);
    if (!parsed.ok) {
      journal.unparseable.push({
        messageId,
        routingKey,
        reason: parsed.reason,
        content: message.content.toString('utf8').slice(0, CONTENT_KEPT),
        at: now(),
      });
      return 'reject';
    }
    const event = parsed.event;
    const orderId = event.shopOrderId ?? '';
    const status = event.event === 'PAYMENT_ERROR' ? `error:${event.error.code}` : event.status;
    if (messageId !== null && handled.has(messageId)) {
      journal.duplicates.push({ messageId, routingKey, redelivered, orderId, status, at: now() });
      return 'ack';
    }
    if (messageId !== null) handled.add(messageId);
    const at = now();
    if (event.event === 'PAYMENT_ERROR') {
      journal.errors.push({ messageId, routingKey, redelivered, orderId, body: event, at });
      return 'ack';
    }
    const known = book.applyStatus(orderId, { status: event.status, messageId, payload: event.payload, at });
    journal.received.push({
      messageId,
      routingKey,
      redelivered,
      orderId,
      status,
      body: event,
      known,
      at,
    });
    return 'ack';
  };
}
