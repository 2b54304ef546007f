import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  CancelledFailure,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  metricMeter,
  ParentClosePolicy,
  patched,
  setHandler,
  sleep,
  startChild,
  TerminatedFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { type PaymentCommand, type ProviderAction } from '../domain/commands';
import { notificationMethod } from '../oms/mib/methods';
import { NON_RETRYABLE } from '../domain/failures';
import { isFinal, type FinalOutcome, type Phase } from '../domain/outcome';
import { pollDelayMs, type SettlementPolicy } from '../domain/settlement';
import { paymentLockId } from '../domain/workflowId';
import type { Payment } from '../oms/mib/payment';
import type { ProviderEvent, ProviderResult } from '../providers/types';
import {
  lockGrantedSignal,
  providerEventSignal,
  recheckSignal,
  resolveUpdate,
  retryNotificationSignal,
  statusQuery,
  type PaymentCommandStatus,
  type Resolution,
  type TimelineEntry,
} from './messages';
import { paymentActWorkflow } from './paymentAct';
import { releaseLockSignal } from './paymentLock';
import { carryOut, notifyMib, providerCalls, remote } from './providerCalls';
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
  /** Absent in commands accepted before settlement policies existed: they wait for the webhook alone. */
  readonly settlement?: SettlementPolicy;
}

export interface PaymentCommandResult {
  readonly outcome: FinalOutcome;
  readonly notification: string;
  readonly operationId?: string;
}

/** What a continued run takes over from the run before it (continue-as-new while waiting). */
export interface CarriedState {
  readonly result: ProviderResult;
  readonly pollIndex: number;
  readonly deadlineAt: number;
  readonly stuckReason?: string;
  readonly attempts: PaymentCommandStatus['attempts'];
  readonly lastError?: string;
  readonly timeline: readonly TimelineEntry[];
  readonly events: readonly ProviderEvent[];
  readonly seenEventIds: readonly string[];
  /** An operator's recheck that arrived as the run continued as new. */
  readonly recheckRequested?: boolean;
}

/** Commands started before the payment lock, polling and deadlines replay on the old path. */
export const SETTLEMENT_PATCH = 'settlement-polling-deadlines-lock';
/**
 * Commands started before it took its turn through the act workflow (and before its calls went local first)
 * replay with the lock workflow of the settlement patch.
 */
export const ACT_ALONE_PATCH = 'act-alone-local-first';
/** A waiting payment continues as new past this many history events, well inside Temporal's limits. */
export const HISTORY_EVENTS_BEFORE_CONTINUE = 2_000;
const TIMELINE_LIMIT = 200;
/** How long a command waits for its turn before it asks the payment's lock again. */
const LOCK_REQUEST_REPEAT = '10 minutes';
/** While another command of the payment acts, a command looks again after 1 s, doubling up to this. */
const TURN_CHECK_MAX_MS = 10 * 60_000;
/** Workflow time in ms: deterministic, replayed from the history. */
const now = () => new Date().getTime();
const EVENT_IDS_KEPT = 100;

const { fetchProviderStatus, requestPaymentLock } = remote;

/** Counts stuck payments; created where it is used, since this module is also imported outside workflows. */
const stuckPayments = () =>
  metricMeter.createCounter(
    'settle_payments_stuck',
    'payments',
    'Payment commands that became stuck: no outcome by the deadline, or MIB refused the notification',
  );

/**
 * One MIB payment command, from the provider call to the notification: take the payment's lock, check or
 * act at the provider, then wait for the outcome — the provider's webhook, a status request on the polling
 * schedule, or an operator — for as many days as settlement takes, and notify MIB. Past the command's
 * deadline, or when MIB refuses the notification, the payment is `stuck`: visible, counted, logged, and
 * still waiting. An unknown outcome is never taken as a failure: Settle asks the provider again.
 */
export async function paymentCommandWorkflow(
  input: PaymentCommandInput,
  carried?: CarriedState,
): Promise<PaymentCommandResult> {
  const { workflowId, firstExecutionRunId, startTime } = workflowInfo();
  // Each patch costs a marker and an upsert of TemporalChangeVersion: a new command records only the newest.
  const alone = patched(ACT_ALONE_PATCH);
  const current = alone || patched(SETTLEMENT_PATCH);
  const policy: SettlementPolicy = input.settlement ?? {
    pollScheduleMs: [],
    statusApi: false,
    deadlineMs: Infinity,
  };
  const { statusApi } = policy;

  // --- State, shown by the `status` query ---
  let phase: Phase = 'executing';
  let outcome: FinalOutcome | undefined = undefined;
  let result: ProviderResult | undefined = carried?.result;
  let stuckReason = carried?.stuckReason;
  let lastError = carried?.lastError;
  let resolution: (Resolution & { at: string }) | undefined;
  let nextCheckAt: number | undefined;
  let lockHeld = false;
  const deadlineAt = carried?.deadlineAt ?? startTime.getTime() + policy.deadlineMs;
  const attempts = { provider: 0, statusChecks: 0, notifications: 0, ...carried?.attempts };
  const timeline: TimelineEntry[] = [...(carried?.timeline ?? [])];
  const note = (what: string) => {
    timeline.push({ at: new Date().toISOString(), what });
    if (timeline.length > TIMELINE_LIMIT) timeline.splice(0, timeline.length - TIMELINE_LIMIT);
  };
  let shownOutcome: FinalOutcome | undefined;
  /** Upserts the search attributes only when they change: a poll cycle adds no history for them. */
  const setPhase = (next: Phase) => {
    if (next === phase && outcome === shownOutcome) return;
    phase = next;
    shownOutcome = outcome;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.phase, value: next },
      ...(outcome ? [{ key: SEARCH_ATTRIBUTES.outcome, value: outcome }] : []),
    ]);
  };
  const markStuck = (reason: string) => {
    stuckReason = reason;
    note(`stuck: ${reason}`);
    log.error('payment is stuck', { reason, reference: input.payment.reference, command: input.command });
    stuckPayments().add(1, { command: input.command, provider: input.provider });
    setPhase('stuck');
  };
  const status = (): PaymentCommandStatus => ({
    workflowId,
    reference: input.payment.reference,
    command: input.command,
    provider: input.provider,
    amountMinor: input.amountMinor,
    currency: input.currency,
    phase,
    outcome,
    transactionId: input.transactionId,
    newTransactionId:
      result?.authorization && result.authorization.transactionId !== input.transactionId
        ? result.authorization.transactionId
        : undefined,
    operationId: result?.operationId,
    attempts: { ...attempts },
    lastError,
    stuckReason,
    deadline: new Date(Math.min(deadlineAt, 8.64e15)).toISOString(),
    nextCheckAt: nextCheckAt === undefined ? undefined : new Date(nextCheckAt).toISOString(),
    resolution,
    timeline: [...timeline],
  });

  // --- Messages ---
  // Webhooks may arrive before the provider call returns: keep each operation's first final event; a
  // redelivered event (same id) or a later event of the same operation changes nothing.
  const eventsByOperation = new Map((carried?.events ?? []).map((event) => [event.operationId, event]));
  const seenEventIds = new Set(carried?.seenEventIds ?? []);
  setHandler(providerEventSignal, (event) => {
    if (seenEventIds.has(event.eventId)) return;
    seenEventIds.add(event.eventId);
    if (eventsByOperation.has(event.operationId)) return;
    eventsByOperation.set(event.operationId, event);
    note(`webhook ${event.eventId}: operation ${event.operationId} ${event.status}`);
  });
  setHandler(statusQuery, status);
  let recheckRequested = carried?.recheckRequested ?? false;
  setHandler(recheckSignal, () => {
    recheckRequested = true;
    note('asked to recheck the provider');
  });
  let retryRequested = false;
  setHandler(retryNotificationSignal, () => {
    retryRequested = true;
  });
  let lockGranted = false;
  setHandler(lockGrantedSignal, () => {
    lockGranted = true;
  });
  setHandler(
    resolveUpdate,
    (request) => {
      resolution = { ...request, at: new Date().toISOString() };
      note(`resolved as ${request.outcome} by ${request.operator}: ${request.reason}`);
      return status();
    },
    {
      validator: (request) =>
        refuseResolution(request, { phase, outcome, resolution, lockHeld, answered: result !== undefined }),
    },
  );

  // --- 1. Act at the provider, alone ---
  const act = async (): Promise<ProviderResult> => {
    if (alone) return actAlone();
    attempts.provider += 1;
    return carryOut(input, workflowId, remote);
  };
  if (!carried) {
    if (alone) {
      result = await beforeDeadline(act());
    } else if (current) {
      const acting = (async () => {
        // Asked again now and then: a lock workflow ended by hand is started anew, and a lock that already
        // has this request ignores it. Without this, a terminated lock would leave the command waiting forever.
        while (!lockGranted) {
          await requestPaymentLock({ reference: input.payment.reference, requester: workflowId });
          await condition(() => lockGranted, LOCK_REQUEST_REPEAT);
        }
        lockHeld = true;
        note('acting at the provider');
        try {
          return await act();
        } finally {
          lockHeld = false;
          await releaseLock(input.payment.reference, workflowId);
        }
      })();
      result = await beforeDeadline(acting);
    } else {
      result = await act();
    }
    note(`provider answered ${result.status} (${result.outcome})`);
  }

  // --- 2. Wait for the outcome ---
  if (carried) setPhase(stuckReason ? 'stuck' : 'awaiting_settlement');
  let pollIndex = carried?.pollIndex ?? 0;
  for (;;) {
    const decided = decide();
    if (decided) {
      result = decided;
      break;
    }
    if (!current) {
      // The first version waited for the webhook alone.
      setPhase('awaiting_settlement');
      await condition(() => decide() !== undefined);
      continue;
    }
    if (!stuckReason) setPhase('awaiting_settlement');
    const unknown = result!.outcome === 'unknown';
    // Pending at a webhook-only provider: only the webhook, an operator or the deadline wakes the wait.
    const delay = statusApi || unknown ? pollDelayMs(policy, pollIndex) : undefined;
    nextCheckAt = delay === undefined ? undefined : now() + delay;
    const wakeAt = Math.min(nextCheckAt ?? Infinity, stuckReason ? Infinity : deadlineAt);
    const suggested = () => workflowInfo().continueAsNewSuggested;
    const woken = () => decide() !== undefined || recheckRequested || suggested();
    if (wakeAt === Infinity) await condition(woken);
    else await condition(woken, Math.max(wakeAt - now(), 1));
    if (decide()) continue;
    if (!stuckReason && now() >= deadlineAt) markStuck('no outcome from the provider by the deadline');
    const due = nextCheckAt !== undefined && now() >= nextCheckAt;
    if (recheckRequested || due) {
      if (due) pollIndex += 1;
      recheckRequested = false;
      nextCheckAt = undefined;
      result = await askAgain(result!);
    }
    const { historyLength, continueAsNewSuggested } = workflowInfo();
    const historyBudget = policy.historyEventsBeforeContinue ?? HISTORY_EVENTS_BEFORE_CONTINUE;
    // A resolution or webhook that arrived during the status request is acted on before continuing.
    if (decide()) continue;
    if (continueAsNewSuggested || historyLength > historyBudget) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof paymentCommandWorkflow>(input, {
        result: result!,
        pollIndex,
        deadlineAt,
        stuckReason,
        attempts,
        lastError,
        timeline,
        events: [...eventsByOperation.values()],
        seenEventIds: [...seenEventIds].slice(-EVENT_IDS_KEPT),
        recheckRequested,
      });
    }
  }

  // --- 3. Tell MIB ---
  outcome = result.outcome === 'settled' ? 'settled' : 'declined';
  stuckReason = undefined;
  nextCheckAt = undefined;
  const method = notificationMethod(input.command, outcome === 'settled');
  const { operationId } = result;
  setPhase('notifying');
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
      attempts.notifications += 1;
      await notifyMib(notification);
      break;
    } catch (error) {
      const refusal = mibRefusal(error);
      if (refusal === undefined) throw error;
      lastError = refusal;
      markStuck(`MIB refused the notification: ${refusal}`);
      retryRequested = false;
      await condition(() => retryRequested);
      stuckReason = undefined;
      note('operator asked to deliver the notification again');
      setPhase('notifying');
    }
  }
  note(`MIB notified: ${method}`);
  setPhase('done');
  return { outcome, notification: method, operationId };

  /** The final result, if one is known: an operator's resolution, the provider's answer or its webhook. */
  function decide(): ProviderResult | undefined {
    if (resolution) {
      return {
        ...result!,
        outcome: resolution.outcome,
        status: `resolved_by_operator`,
        reason: resolution.outcome === 'declined' ? resolution.reason : undefined,
      };
    }
    if (result && isFinal(result.outcome)) return result;
    const event = result?.operationId ? eventsByOperation.get(result.operationId) : undefined;
    return event ? { ...result!, ...event } : undefined;
  }

  /**
   * Acts at the provider in the child `payment-lock:<reference>` (paymentAct.ts), which only one command of
   * the payment can run at a time; while another one runs it, waits and tries again. A validate only reads
   * the authorization: it needs no turn. A child ended by hand leaves the answer unknown: act again, with the
   * same idempotency key.
   */
  async function actAlone(): Promise<ProviderResult> {
    attempts.provider += 1;
    if (input.command === 'validate') return carryOut(input, workflowId, providerCalls);
    for (let waits = 0; ;) {
      let turn;
      try {
        turn = await startChild(paymentActWorkflow, {
          workflowId: paymentLockId(input.payment.reference),
          args: [input, workflowId],
          // The act goes on, and holds the payment's turn, even if this workflow is cancelled or ended by
          // hand: its provider call may be moving money.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          cancellationType: ChildWorkflowCancellationType.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        if (waits === 0) note("waiting for the payment's other command to finish at the provider");
        await sleep(Math.min(1000 * 2 ** waits, TURN_CHECK_MAX_MS));
        waits += 1;
        continue;
      }
      lockHeld = true;
      note('acting at the provider');
      try {
        return await turn.result();
      } catch (error) {
        const cause = error instanceof ChildWorkflowFailure ? error.cause : undefined;
        if (!(cause instanceof TerminatedFailure || cause instanceof CancelledFailure)) throw error;
        note('the act at the provider was ended by hand; acting again with the same idempotency key');
        waits = 0;
      } finally {
        lockHeld = false;
      }
    }
  }

  /** Waits for `work`; past the deadline the payment shows as stuck while the work goes on. */
  async function beforeDeadline<T>(work: Promise<T>): Promise<T> {
    let finished = false;
    const tracked = work.finally(() => {
      finished = true;
    });
    const left = deadlineAt - now();
    if (left !== Infinity && !(await condition(() => finished, Math.max(left, 1)))) {
      markStuck(
        lockHeld
          ? 'the provider call has not finished by the deadline'
          : "still waiting for the payment's other command to finish at the provider by the deadline",
      );
    }
    return tracked;
  }

  /**
   * Asks the provider again about a pending or unknown command. With a status API: its answer; no record of
   * an unknown command means it never arrived, so the command goes out again (same idempotency key). Without
   * one, an unknown command goes out again, which the idempotency key turns into a question.
   */
  async function askAgain(previous: ProviderResult): Promise<ProviderResult> {
    if (!statusApi) {
      if (previous.outcome !== 'unknown') {
        note('the provider has no status API; waiting for its webhook');
        return previous;
      }
      note('outcome unknown; sending the command again with the same idempotency key');
      return act();
    }
    attempts.statusChecks += 1;
    const answer = await fetchProviderStatus({
      provider: input.provider,
      command: providerAction(input.command),
      transactionId: input.transactionId,
      amountMinor: input.amountMinor,
      currency: input.currency,
      idempotencyKey: workflowId,
      workflowId,
      operationId: previous.operationId,
    });
    if (!answer) {
      if (previous.outcome === 'unknown') {
        note('the provider has no record of the command; sending it again with the same idempotency key');
        return act();
      }
      lastError = `the provider has no record of operation ${previous.operationId ?? '(none)'}`;
      note(lastError);
      return previous;
    }
    note(`status check: ${answer.status} (${answer.outcome})`);
    return answer;
  }
}

/** The provider action of a command that is pending or unknown; a validate only reads, so it never is. */
function providerAction(command: PaymentCommand): ProviderAction {
  if (command === 'validate') throw ApplicationFailure.nonRetryable('a validate has no provider action');
  return command;
}

/** Why an operator may not resolve the payment now, or nothing when they may. */
function refuseResolution(
  request: Resolution,
  state: {
    phase: Phase;
    outcome?: FinalOutcome;
    resolution?: Resolution;
    lockHeld: boolean;
    /** Whether the provider has answered the command at all; before that, it is still going to act. */
    answered: boolean;
  },
): void {
  if (request.outcome !== 'settled' && request.outcome !== 'declined') {
    throw new Error('outcome must be "settled" or "declined"');
  }
  if (!request.reason?.trim()) throw new Error('a reason is required');
  if (!request.operator?.trim()) throw new Error('the operator must be named');
  if (state.resolution) throw new Error('the payment was already resolved by an operator');
  if (state.outcome) {
    throw new Error(
      `the outcome is already known (${state.outcome}); a refused notification is delivered again with retryNotification`,
    );
  }
  if (!state.answered || state.lockHeld) {
    throw new Error(
      'the command has not had its provider answer yet (a call is in flight or due); wait for it or fix the provider first',
    );
  }
}

/** Lets the payment's next command act; a lock that has already ended needs no release. */
async function releaseLock(reference: string, requester: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(paymentLockId(reference)).signal(releaseLockSignal, { requester });
  } catch (error) {
    log.warn('could not release the payment lock', { error: (error as Error).message });
  }
}

/** The message of MIB's refusal, or undefined when the error is something else. */
function mibRefusal(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  return cause instanceof ApplicationFailure && cause.type === NON_RETRYABLE.mibRejected
    ? cause.message
    : undefined;
}
