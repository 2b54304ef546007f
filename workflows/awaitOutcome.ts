import { ApplicationFailure, condition, workflowInfo } from '@temporalio/workflow';
import type { FetchProviderStatusInput } from '../activities';
import type { PaymentCommandInput } from '../domain/paymentCommand';
import { pollDelayMs } from '../domain/settlement';
import type { ProviderResult } from '../providers/types';
import { now, type CarriedState, type CommandState } from './commandState';
import { continueAsNewWhenDue } from './continueAsNew';
import { remote } from './providerCalls';
import { takeTurn } from './turn';

/**
 * Waits for the command's final result — the provider's webhook, a status request on the polling schedule,
 * or an operator — for as many days as settlement takes, from the provider's answer `answer`. Past the
 * deadline the payment is stuck, and still waits. A long wait continues as new (`continueAs`, the workflow
 * itself) with the state carried over.
 */
export async function awaitOutcome(
  state: CommandState,
  answer: ProviderResult,
  continueAs: (carried: CarriedState) => Promise<never>,
): Promise<ProviderResult> {
  const policy = state.input.settlement;
  let latest = answer;
  for (;;) {
    const decided = state.decided();
    if (decided) return decided;
    // Pending at a webhook-only provider: only the webhook, an operator or the deadline wakes the wait.
    const delay =
      policy.statusApi || latest.outcome === 'unknown'
        ? pollDelayMs(policy, state.facts.pollIndex)
        : undefined;
    state.waiting(delay === undefined ? undefined : now() + delay);
    const { nextCheckAt, stuckReason, deadlineAt } = state.facts;
    const wakeAt = Math.min(nextCheckAt ?? Infinity, stuckReason ? Infinity : deadlineAt);
    const woken = () =>
      state.decided() !== undefined || state.facts.recheckRequested || workflowInfo().continueAsNewSuggested;
    if (wakeAt === Infinity) await condition(woken);
    else await condition(woken, Math.max(wakeAt - now(), 1));
    if (state.decided()) continue;
    if (!state.facts.stuckReason && now() >= deadlineAt) {
      state.markStuck('no outcome from the provider by the deadline');
    }
    const due = nextCheckAt !== undefined && now() >= nextCheckAt;
    if (state.facts.recheckRequested || due) {
      state.askingAgain(due);
      latest = await askAgain(state, latest);
      state.answered(latest);
    }
    // A resolution or webhook that arrived during the status request is acted on before continuing.
    if (state.decided()) continue;
    await continueAsNewWhenDue(() => continueAs(state.carried(latest)), {
      limit: policy.historyEventsBeforeContinue,
    });
  }
}

/**
 * Asks the provider again about a pending or unknown command. With a status API: its answer; no record of
 * an unknown command means it never arrived, so the command goes out again (same idempotency key). Without
 * one, an unknown command goes out again, which the idempotency key turns into a question.
 */
async function askAgain(state: CommandState, previous: ProviderResult): Promise<ProviderResult> {
  const { input } = state;
  if (!input.settlement.statusApi) {
    if (previous.outcome !== 'unknown') {
      state.note('the provider has no status API; waiting for its webhook');
      return previous;
    }
    state.note('outcome unknown; sending the command again with the same idempotency key');
    return takeTurn(state);
  }
  const query = statusQueryOf(input, previous.operationId);
  state.statusChecked();
  const answer = await remote.fetchProviderStatus(query);
  if (!answer) {
    if (previous.outcome === 'unknown') {
      state.note('the provider has no record of the command; sending it again with the same idempotency key');
      return takeTurn(state);
    }
    state.failed(`the provider has no record of operation ${previous.operationId ?? '(none)'}`);
    return previous;
  }
  state.note(`status check: ${answer.status} (${answer.outcome})`);
  return answer;
}

/** What a status request asks the provider: the operation, where there is one, else the idempotency key. */
export function statusQueryOf(
  input: PaymentCommandInput,
  operationId: string | undefined,
): FetchProviderStatusInput {
  const { command } = input;
  // A validate only reads the authorization: its answer is always final, never asked for again.
  if (command === 'validate') throw ApplicationFailure.nonRetryable('a validate has no provider action');
  const { workflowId } = workflowInfo();
  return {
    provider: input.provider,
    command,
    transactionId: input.transactionId,
    amountMinor: input.amountMinor,
    currency: input.currency,
    idempotencyKey: workflowId,
    workflowId,
    operationId,
  };
}
