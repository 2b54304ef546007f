import type { Client } from '@temporalio/client';
import { Counter } from 'prom-client';
import type { Logger } from '../../config/logger';
import { apiRegistry } from '../../http/metrics';
import { keepMessageRecord } from '../messageRecords';
import { SPRYKER_DOOR } from './door';
import type { DroppedMessage } from './workflows/dropMessages';

export type { DroppedMessage } from './workflows/dropMessages';

/**
 * Messages the bus accepts and drops. A Spryker shop whose send is refused leaves its order items stuck
 * (spryker/oms `OrderStateMachine::runCommand`), so a well-formed message Settle will not carry out is
 * answered like any other (its MessageId) and dropped — as Spryker's own payment app drops what it cannot place
 * (spryker/app-payment `AbstractPaymentMessageHandler::getPayment`) — with one log line, a metric and a record
 * an operator finds in the Web UI (docs/operations.md, "Dropped Spryker messages").
 */

/** Why a message was dropped: the metric's label and the record's reason. */
export const DROP_REASONS = {
  'tenant-disconnected': 'the tenant is not connected to Settle (never configured, or disconnected)',
  'unknown-order': 'no payment is known for the order: its checkout never reached Settle',
} as const;
export type DropReason = keyof typeof DROP_REASONS;

export const droppedMessages = new Counter({
  name: 'settle_spryker_dropped_messages_total',
  help: 'Well-formed Spryker messages the bus accepted and dropped, by reason (tenant-disconnected, unknown-order).',
  labelNames: ['reason'] as const,
  registers: [apiRegistry],
});

/** The record's workflow type, by name: the API needs not load workflow code. */
const DROPPED_WORKFLOW = 'sprykerDroppedMessageWorkflow';

/** One record per message: the same message sent again finds its record. */
export const droppedMessageWorkflowId = (tenant: string, messageId: string) =>
  `dropped:${SPRYKER_DOOR}:${tenant}:${messageId}`;

export interface DropDependencies {
  readonly temporal: Client;
  readonly taskQueue: string;
  readonly logger: Logger;
}

export interface Drop {
  readonly tenant: string;
  readonly messageName: string;
  readonly messageId: string;
  readonly reason: DropReason;
  readonly orderReference?: string;
}

/**
 * Records a dropped message: logged once, counted, and kept as a closed workflow tagged with the door, the
 * tenant and the reason (SettleStuckReason) and the order (SettleOrderId). Resolves once Temporal holds the
 * record; throws when it cannot, so the caller answers that the shop should send again.
 */
export async function recordDrop(
  { temporal, taskQueue, logger }: DropDependencies,
  { tenant, messageName, messageId, reason, orderReference }: Drop,
): Promise<void> {
  const record: DroppedMessage = {
    tenant,
    messageName,
    messageId,
    reason,
    detail: DROP_REASONS[reason],
    ...(orderReference ? { orderReference } : {}),
    at: new Date().toISOString(),
  };
  const workflowId = droppedMessageWorkflowId(tenant, messageId);
  const kept = await keepMessageRecord(temporal, {
    workflowType: DROPPED_WORKFLOW,
    workflowId,
    taskQueue,
    record,
    summary: `dropped ${messageName} from ${tenant}: ${reason}`,
    details: `${record.detail}${orderReference ? ` (order ${orderReference})` : ''}`,
    door: SPRYKER_DOOR,
    tenant,
    stuckReason: `dropped: ${reason}`,
    ...(orderReference ? { orderReference } : {}),
  });
  // Sent again: recorded, counted and logged the first time.
  if (!kept) return;
  droppedMessages.inc({ reason });
  logger.warn('Spryker message accepted and dropped', {
    tenant,
    messageName,
    messageId,
    reason,
    ...(orderReference ? { orderReference } : {}),
    workflowId,
  });
}
