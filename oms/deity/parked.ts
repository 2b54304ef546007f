import type { Client } from '@temporalio/client';
import { Counter } from 'prom-client';
import type { Logger } from '../../config/logger';
import { apiRegistry } from '../../http/metrics';
import { keepMessageRecord } from '../messageRecords';
import { DEITY_DOOR } from './door';
import type { ParkedMessage } from './workflows/parkedMessages';

export type { ParkedMessage } from './workflows/parkedMessages';

/**
 * Order updates Settle took from a profile's queue and will not carry out. Redelivered, they would fail the
 * same way for ever; so each is parked at once: moved to the profile's parked queue with its reason, logged
 * once, counted and kept as a record an operator finds (docs/operations.md, "Parked Deity order updates").
 */

/** Why an update was parked: the metric's label and the record's reason. */
export const PARKED_REASONS = {
  'wrong-sender': "published by a broker user other than the profile's (the message's user_id)",
  'too-large': 'larger than an order update may be',
  malformed: 'not JSON',
  invalid: 'not an order update Settle can carry out (its schema, or an item or amount the order has not)',
  'unknown-order': 'no payment is known for the order: its checkout never reached Settle',
  refused: "the order's money does not allow it",
} as const;
export type ParkedReason = keyof typeof PARKED_REASONS;

export const parkedMessages = new Counter({
  name: 'settle_deity_parked_messages_total',
  help: 'Deity order updates taken from a profile queue and parked, by reason.',
  labelNames: ['reason'] as const,
  registers: [apiRegistry],
});

const PARKED_WORKFLOW = 'deityParkedMessageWorkflow';

/** One record per message (its id and content): the same message delivered again finds its record. */
export const parkedMessageWorkflowId = (serviceUser: string, messageKey: string) =>
  `parked:${DEITY_DOOR}:${serviceUser}:${messageKey}`;

export interface ParkDependencies {
  readonly temporal: Client;
  readonly taskQueue: string;
  readonly logger: Logger;
}

/**
 * Records a parked update: kept as a closed workflow tagged with the door, the profile, `parked: <reason>`
 * (SettleStuckReason) and the order (SettleOrderId), counted and logged once. Resolves once Temporal holds
 * the record; throws when it cannot, so that the message is delivered again.
 */
export async function recordParked(
  { temporal, taskQueue, logger }: ParkDependencies,
  messageKey: string,
  parked: Omit<ParkedMessage, 'at'>,
): Promise<void> {
  const record: ParkedMessage = { ...parked, at: new Date().toISOString() };
  const { serviceUser, reason, orderId, messageId } = parked;
  const workflowId = parkedMessageWorkflowId(serviceUser, messageKey);
  const kept = await keepMessageRecord(temporal, {
    workflowType: PARKED_WORKFLOW,
    workflowId,
    taskQueue,
    record,
    summary: `parked order update from ${serviceUser}: ${reason}`,
    details: `${parked.detail}${orderId ? ` (order ${orderId})` : ''}`,
    door: DEITY_DOOR,
    tenant: serviceUser,
    stuckReason: `parked: ${reason}`,
    ...(orderId ? { orderReference: orderId } : {}),
  });
  if (!kept) return;
  parkedMessages.inc({ reason });
  logger.warn('Deity order update parked', {
    profile: serviceUser,
    reason,
    detail: parked.detail,
    ...(messageId ? { messageId } : {}),
    ...(orderId ? { orderId } : {}),
    parkedQueue: parked.parkedQueue,
    workflowId,
  });
}
