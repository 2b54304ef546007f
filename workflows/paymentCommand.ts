import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  defineQuery,
  defineSignal,
  log,
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
import type { AuthorizationState, ProviderEvent, ProviderResult } from '../providers/types';
import { MIB_RETRY } from './retryPolicies';
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
  /** Why the payment is stuck, when it is. */
  readonly lastError?: string;
}

/** A verified provider webhook, sent by the API. */
export const providerEventSignal = defineSignal<[ProviderEvent]>('providerEvent');
export const statusQuery = defineQuery<PaymentCommandStatus>('status');
/** An operator's go-ahead to deliver a notification MIB refused once more (after fixing the cause). */
export const retryNotificationSignal = defineSignal('retryNotification');

// Transient failures (network, 5xx, 429, timeouts) retry forever with capped exponential backoff; the
// provider's idempotency key makes each retry safe. Only what retrying cannot mend stops the retries.
const { executeProviderCommand, inspectAuthorization } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [NON_RETRYABLE.providerRejected],
  },
});

// MIB must hear the outcome however long it is down.
const { notifyMib } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: MIB_RETRY });

/**
 * One MIB payment command, from the provider call to the notification: check or act at the provider, wait
 * for the webhook when the provider answers "pending" (for as many days as settlement takes), then notify MIB.
 */
export async function paymentCommandWorkflow(input: PaymentCommandInput): Promise<PaymentCommandResult> {
  const { workflowId, firstExecutionRunId } = workflowInfo();
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
  let retryRequested = false;
  setHandler(retryNotificationSignal, () => {
    retryRequested = true;
  });

  let result = await carryOut(input, workflowId);
  if (result.outcome === 'pending') {
    const operationId = result.operationId;
    if (!operationId)
      throw ApplicationFailure.nonRetryable('provider answered pending without an operation id');
    setStatus({ phase: 'awaiting_settlement', operationId });
    await condition(() => eventsByOperation.has(operationId));
    result = { ...result, ...eventsByOperation.get(operationId)! };
  }

  const outcome: FinalOutcome = result.outcome === 'settled' ? 'settled' : 'declined';
  const method = notificationMethod(input.command, outcome === 'settled');
  const { operationId } = result;
  setStatus({ phase: 'notifying', outcome, operationId });
  const notification = {
    // Stable across retries, so MIB can drop a redelivery; a validate or revalidate sent again later runs
    // again under the same workflow id, and its new answer must not look like a duplicate.
    notificationId: `${workflowId}:${firstExecutionRunId}:${method}`,
    method,
    payment: input.payment,
    result: {
      provider: input.provider,
      outcome,
      operationId,
      status: result.status,
      reason: result.reason,
      ...(result.authorization ? { authorization: result.authorization } : {}),
    },
  };
  // MIB refusing the notification (a 4xx) is not mended by retrying: the payment waits, visibly stuck,
  // until an operator has fixed the cause and signals retryNotification. Nothing is dropped.
  for (;;) {
    try {
      await notifyMib(notification);
      break;
    } catch (error) {
      const refusal = mibRefusal(error);
      if (refusal === undefined) throw error;
      log.error('MIB refused the notification; the payment is stuck until an operator retries', {
        method,
        error: refusal,
      });
      setStatus({ phase: 'stuck', outcome, operationId, lastError: refusal });
      retryRequested = false;
      await condition(() => retryRequested);
      setStatus({ phase: 'notifying', outcome, operationId });
    }
  }
  setStatus({ phase: 'done', outcome, operationId });
  return { outcome, notification: method, operationId };
}

/**
 * The provider calls a command takes. validate reads the authorization; revalidate reads it and, when it
 * has expired, asks the provider for a new one (the multi-call coordination MIB leaves to the integration);
 * capture, refund and cancel are one idempotent call each.
 */
async function carryOut(input: PaymentCommandInput, workflowId: string): Promise<ProviderResult> {
  const { command, provider, transactionId, amountMinor, currency } = input;
  if (command === 'validate' || command === 'revalidate') {
    const state = await inspectAuthorization({ provider, transactionId, amountMinor, currency });
    if (command === 'validate' || state.validity !== 'expired') return verdict(state);
  }
  return executeProviderCommand({
    provider,
    command,
    transactionId,
    amountMinor,
    currency,
    idempotencyKey: workflowId,
    workflowId,
  });
}

/** A read authorization as the command's result: valid settles a validate or revalidate, else it fails. */
function verdict(state: AuthorizationState): ProviderResult {
  const authorization = {
    transactionId: state.transactionId,
    status: state.status,
    ...(state.expiresAt ? { expiresAt: state.expiresAt } : {}),
  };
  return state.validity === 'valid'
    ? { outcome: 'settled', status: state.status, authorization }
    : { outcome: 'declined', status: state.status, reason: state.reason ?? `authorization ${state.status}` };
}

/** The message of MIB's refusal, or undefined when the error is something else. */
function mibRefusal(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  return cause instanceof ApplicationFailure && cause.type === NON_RETRYABLE.mibRejected
    ? cause.message
    : undefined;
}
