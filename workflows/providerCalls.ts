import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE } from '../domain/failures';
import { LOCAL_ATTEMPT_TIMEOUT_MS } from '../domain/providerTiming';
import type { AuthorizePaymentInput } from '../activities';
import type { AuthorizationResult, AuthorizationState, ProviderResult } from '../providers/types';
import type { PaymentCommandInput } from '../domain/paymentCommand';

// Transient failures (network, 5xx, 429, timeouts) retry with capped exponential backoff; the provider's
// idempotency key makes each retry safe, and close to the end of the provider's memory of the key the activity
// asks the provider before sending again. What retrying cannot mend stops the retries, and so does a money call
// that has failed for WORKER_PROVIDER_RETRY_LIMIT (the activity then fails as ProviderRetriesExhausted).
export const PROVIDER_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  // The activities heartbeat every second: a worker that dies mid-call is noticed within 10 s.
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: [NON_RETRYABLE.providerRejected, NON_RETRYABLE.providerRetriesExhausted],
  },
};

/** The provider activities as regular activities: durable retries, visible while they retry. */
export const remote = proxyActivities<Activities>(PROVIDER_OPTIONS);

/**
 * One attempt inside the workflow task; a failure that retrying can mend goes on as a regular activity. Its
 * timeout is above every provider client's (domain/providerTiming): the attempt never gives up on a request
 * that is still in flight, which the regular activity's first attempt would then meet at the provider.
 */
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: LOCAL_ATTEMPT_TIMEOUT_MS,
  retry: { maximumAttempts: 1 },
});

/**
 * Whether a failed call is beyond retrying: refused for good, or the workflow itself is being cancelled. A
 * local activity fails with its own error; a regular one wraps it in an ActivityFailure.
 */
function beyondRetrying(error: unknown): boolean {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof CancelledFailure) return true;
  return (
    cause instanceof ApplicationFailure &&
    (cause.nonRetryable || cause.type === NON_RETRYABLE.providerRejected)
  );
}

/**
 * Calls an activity first as a local activity — run by the worker inside the workflow task, so the common
 * answer in milliseconds costs no activity task and no further workflow task — and, only when that attempt
 * fails with something retrying can mend, as the regular activity `then`: durable retries for as long as an
 * outage lasts, listed with its attempts and last failure in the Web UI and `GET /payments/:id`. Every
 * attempt carries the same idempotency key. (Not for the outcome report: a signal arriving during a local
 * activity loses its result, and the report would go out twice.)
 */
async function localFirst<I, O>(
  first: (input: I) => Promise<O>,
  then: (input: I) => Promise<O>,
  input: I,
): Promise<O> {
  try {
    return await first(input);
  } catch (error) {
    if (beyondRetrying(error)) throw error;
    return then(input);
  }
}

/**
 * The calls a command makes at the provider, each local first; `beforeRetrying` runs once a local attempt has
 * failed and before the regular activity takes over (an order starts the command there, so that an act that
 * retries for hours has its command to show it).
 */
export function providerCallsRetryingAfter(beforeRetrying: () => Promise<void>): ProviderCalls {
  const then =
    <I, O>(call: (input: I) => Promise<O>) =>
    async (input: I) => {
      await beforeRetrying();
      return call(input);
    };
  return {
    inspectAuthorization: (query) =>
      localFirst(local.inspectAuthorization, then(remote.inspectAuthorization), query),
    executeProviderCommand: (command) =>
      localFirst(local.executeProviderCommand, then(remote.executeProviderCommand), command),
    authorizePayment: (request: AuthorizePaymentInput) =>
      localFirst(local.authorizePayment, then(remote.authorizePayment), request),
  };
}

/** The calls a command makes at the provider, each local first. */
export const providerCalls: ProviderCalls = providerCallsRetryingAfter(async () => undefined);

type Call<K extends keyof Activities> = (...args: Parameters<Activities[K]>) => ReturnType<Activities[K]>;
export interface ProviderCalls {
  readonly inspectAuthorization: Call<'inspectAuthorization'>;
  readonly executeProviderCommand: Call<'executeProviderCommand'>;
  readonly authorizePayment: Call<'authorizePayment'>;
}

/**
 * The provider calls a command takes. validate reads the authorization; revalidate reads it and, when it
 * has expired, asks the provider for a new one (the multi-call coordination MIB leaves to the integration);
 * capture, refund and cancel are one idempotent call each. `since`: when the command may first have reached
 * the provider (the command workflow's start), so that a late attempt asks the provider before sending again.
 */
export async function carryOut(
  input: PaymentCommandInput,
  workflowId: string,
  calls: ProviderCalls,
  since: number = workflowInfo().startTime.getTime(),
): Promise<ProviderResult> {
  const { command, provider, transactionId, amountMinor, currency } = input;
  if (command === 'authorize') {
    const request = { ...authorizationRequestOf(input, workflowId), since, askedAt: new Date().getTime() };
    return authorizationOutcome(await calls.authorizePayment(request));
  }
  if (command === 'validate' || command === 'revalidate') {
    const state = await calls.inspectAuthorization({ provider, transactionId, amountMinor, currency });
    if (command === 'validate' || state.validity !== 'expired') return verdict(state);
  }
  return calls.executeProviderCommand({
    provider,
    command,
    transactionId,
    amountMinor,
    currency,
    idempotencyKey: workflowId,
    workflowId,
    // Held by every attempt: the local one, the regular activity's retries, and (from the command's start) a
    // command sent again after an unknown outcome.
    since,
    askedAt: new Date().getTime(),
  });
}

/**
 * What an `authorize` asks of the provider: the command's money and checkout, its workflow id as the idempotency
 * key (stable across attempts and acts again) and on the provider's object (webhooks lead back to it).
 */
export function authorizationRequestOf(
  input: PaymentCommandInput,
  workflowId: string,
): AuthorizePaymentInput {
  const { checkout } = input;
  if (!checkout) throw ApplicationFailure.nonRetryable('an authorize command carries no checkout');
  return {
    provider: input.provider,
    amountMinor: input.amountMinor,
    currency: input.currency,
    idempotencyKey: workflowId,
    workflowId,
    orderReference: checkout.orderReference,
    mode: checkout.mode,
    ...(checkout.expiresAt ? { expiresAt: checkout.expiresAt } : {}),
    ...(checkout.paymentMethod ? { paymentMethod: checkout.paymentMethod } : {}),
    ...(checkout.returnUrl ? { returnUrl: checkout.returnUrl } : {}),
  };
}

/**
 * An authorization's answer as an `authorize` command's result: the authorization is the operation (webhooks
 * name it), and the authorization the order's later commands act on once settled.
 */
export function authorizationOutcome(answer: AuthorizationResult): ProviderResult {
  const { outcome, transactionId, status, reason, expiresAt, session, redirectUrl } = answer;
  return {
    outcome,
    status,
    ...(transactionId ? { operationId: transactionId } : {}),
    ...(reason ? { reason } : {}),
    ...(transactionId && outcome !== 'declined'
      ? { authorization: { transactionId, status, ...(expiresAt ? { expiresAt } : {}) } }
      : {}),
    ...(session ? { session } : {}),
    ...(redirectUrl ? { redirectUrl } : {}),
  };
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
