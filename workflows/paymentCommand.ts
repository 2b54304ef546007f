import {
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { notificationMethod, type PaymentCommand } from '../domain/commands';
import { NON_RETRYABLE } from '../domain/failures';
import type { FinalOutcome, Phase } from '../domain/outcome';
import type { Payment } from '../mib/payment';
import type { ProviderEvent, ProviderResult } from '../providers/types';
import { SEARCH_ATTRIBUTES } from './searchAttributes';

/** Everything the workflow needs, decided by the API when the command arrived. */
export interface PaymentCommandInput {
  readonly command: PaymentCommand;
  readonly provider: string;
  /** The MIB payment model as received; it goes back to MIB in the notification. */
  readonly payment: Payment;
  readonly transactionId: string;
  readonly amountMinor: number;
  readonly currency: string;
}

export interface PaymentCommandResult {
  readonly outcome: FinalOutcome;
  readonly notification: string;
  readonly operationId?: string;
}

export interface PaymentCommandStatus {
  readonly phase: Phase;
  readonly outcome?: FinalOutcome;
  readonly operationId?: string;
}

/** A verified provider webhook, sent by the API. */
export const providerEventSignal = defineSignal<[ProviderEvent]>('providerEvent');
export const statusQuery = defineQuery<PaymentCommandStatus>('status');

// Transient failures (network, 5xx, 429, timeouts) retry forever with capped exponential backoff; the
// provider's idempotency key makes each retry safe. Only what retrying cannot mend stops the retries.
const { executeProviderCommand } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [NON_RETRYABLE.providerRejected],
  },
});

// MIB must hear the outcome however long it is down: the same policy, with its own non-retryable type.
const { notifyMib } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: [NON_RETRYABLE.mibRejected],
  },
});

/**
 * One MIB payment command, from the provider call to the notification: execute at the provider, wait for
 * the webhook when the provider answers "pending" (for as many days as settlement takes), then notify MIB.
 */
export async function paymentCommandWorkflow(input: PaymentCommandInput): Promise<PaymentCommandResult> {
  const { workflowId } = workflowInfo();
  let status: PaymentCommandStatus = { phase: 'executing' };
  const setStatus = (next: PaymentCommandStatus) => {
    status = next;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.phase, value: next.phase },
      ...(next.outcome ? [{ key: SEARCH_ATTRIBUTES.outcome, value: next.outcome }] : []),
    ]);
  };

  // Webhooks may arrive before the provider call returns: keep each operation's first final event; a
  // redelivery or a later event of the same operation changes nothing.
  const eventsByOperation = new Map<string, ProviderEvent>();
  setHandler(providerEventSignal, (event) => {
    if (!eventsByOperation.has(event.operationId)) eventsByOperation.set(event.operationId, event);
  });
  setHandler(statusQuery, () => status);

  let result: ProviderResult = await executeProviderCommand({
    provider: input.provider,
    command: input.command,
    transactionId: input.transactionId,
    amountMinor: input.amountMinor,
    currency: input.currency,
    idempotencyKey: workflowId,
    workflowId,
  });

  if (result.outcome === 'pending') {
    const operationId = result.operationId;
    if (!operationId)
      throw ApplicationFailure.nonRetryable('provider answered pending without an operation id');
    setStatus({ phase: 'awaiting_settlement', operationId });
    await condition(() => eventsByOperation.has(operationId));
    result = eventsByOperation.get(operationId)!;
  }

  const outcome: FinalOutcome = result.outcome === 'settled' ? 'settled' : 'declined';
  const method = notificationMethod(input.command, outcome === 'settled');
  setStatus({ phase: 'notifying', outcome, operationId: result.operationId });
  await notifyMib({
    notificationId: `${workflowId}:${method}`,
    method,
    payment: input.payment,
    result: {
      provider: input.provider,
      outcome,
      operationId: result.operationId,
      status: result.status,
      reason: result.reason,
    },
  });
  setStatus({ phase: 'done', outcome, operationId: result.operationId });
  return { outcome, notification: method, operationId: result.operationId };
}
