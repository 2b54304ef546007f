import type { ConsumeMessage } from 'amqplib';
import { z } from 'zod';
import { issuesOf } from '../../domain/issues';
import { now, type Journal } from './journal';
import type { OrderBook } from './orders';

/**
 * The shop's handling of PAYMENT_STATUS_UPDATED: each event sets its order's status (kept with its history);
 * an event whose messageId was handled before is dropped; a message that is no such event is rejected.
 */

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

const statusEventSchema = z.looseObject({
  event: z.literal('PAYMENT_STATUS_UPDATED'),
  orderId: z.string().min(1),
  shopOrderId: z.string().optional(),
  gatewayOrderId: z.string().optional(),
  status: z.enum(PAYMENT_STATUSES),
  payload: z.record(z.string(), z.unknown()),
});

export type StatusEvent = z.infer<typeof statusEventSchema>;

/** The body as a status event, or why it is not one. */
export function parseStatusEvent(
  content: Buffer,
): { ok: true; event: StatusEvent } | { ok: false; reason: string } {
  let body: unknown;
  try {
    body = JSON.parse(content.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the body is not JSON' };
  }
  const parsed = statusEventSchema.safeParse(body);
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
    const { orderId, status, payload } = parsed.event;
    if (messageId !== null && handled.has(messageId)) {
      journal.duplicates.push({ messageId, routingKey, redelivered, orderId, status, at: now() });
      return 'ack';
    }
    if (messageId !== null) handled.add(messageId);
    const at = now();
    const known = book.applyStatus(orderId, { status, messageId, payload, at });
    journal.received.push({
      messageId,
      routingKey,
      redelivered,
      orderId,
      status,
      body: parsed.event,
      known,
      at,
    });
    return 'ack';
  };
}
