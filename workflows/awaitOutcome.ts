import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { Activities, FetchProviderStatusInput } from '../activities';
import { PAGE_EXPIRED_REASON } from '../domain/checkout';
import type { PaymentCommandInput } from '../domain/paymentCommand';
import { pollDelayMs } from '../domain/settlement';
import type { AuthorizationResult, ProviderResult } from '../providers/types';
import { now, type CarriedState, type CommandState } from './commandState';
import { continueAsNewWhenDue } from './continueAsNew';
import { waitShowingPhase } from './phaseShown';
import { authorizationOutcome, authorizationRequestOf, remote } from './providerCalls';
import { takeTurn } from './turn';

/**
 * Waits for the command's final result — the provider's webhook, a status request on the polling schedule,
 * or an operator — for as many days as settlement takes, from the provider's answer `answer`; an unknown outcome
 * is sent again by `actAgain` (the payment's turn, or the command's order). Past the
 * deadline the payment is stuck, and still waits. A long wait continues as new (`continueAs`, the workflow
 * itself) with the state carried over.
 */
export async function awaitOutcome(
  state: CommandState,
  answer: ProviderResult,
  continueAs: (carried: CarriedState) => Promise<never>,
  actAgain: () => Promise<ProviderResult> = () => takeTurn(state),
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
    const expiry = pageExpiryAt(state);
    const wakeAt = Math.min(nextCheckAt ?? Infinity, stuckReason ? Infinity : deadlineAt, expiry ?? Infinity);
    const woken = () =>
      state.decided() !== undefined || state.facts.recheckRequested || workflowInfo().continueAsNewSuggested;
    await waitShowingPhase(state, woken, wakeAt);
    if (state.decided()) continue;
    if (expiry !== undefined && now() >= expiry) {
      latest = await checkPageExpiry(state, latest);
      if (state.decided()) continue;
    }
    if (!state.facts.stuckReason && now() >= deadlineAt) {
      state.markStuck('no outcome from the provider by the deadline');
    }
    const due = nextCheckAt !== undefined && now() >= nextCheckAt;
    if (state.facts.recheckRequested || due) {
      state.askingAgain(due);
      latest = await askAgain(state, latest, actAgain);
      state.answered(latest);
    }
    // A resolution or webhook that arrived during the status request is acted on before continuing.
    if (state.decided()) continue;
    // The next run starts with the search attributes this one shows: they show its phase, however short.
    const continued = () => {
      state.showPhase();
      return continueAs(state.carried(latest));
    };
    await continueAsNewWhenDue(continued, {
      limit: policy.historyEventsBeforeContinue,
    });
  }
}

/**
 * Asks the provider again about a pending or unknown command. With a status API: its answer; no record of
 * an unknown command means it never arrived, so the command goes out again (same idempotency key). Without
 * one, an unknown command goes out again, which the idempotency key turns into a question.
 */
async function askAgain(
  state: CommandState,
  previous: ProviderResult,
  actAgain: () => Promise<ProviderResult>,
): Promise<ProviderResult> {
  const { input } = state;
  if (!input.settlement.statusApi) {
    if (previous.outcome !== 'unknown') {
      state.note('the provider has no status API; waiting for its webhook');
      return previous;
    }
    state.note('outcome unknown; sending the command again with the same idempotency key');
    return actAgain();
  }
  state.statusChecked();
  const answer = await outcomeAtProvider(input, previous.operationId, remote);
  if (!answer) {
    if (previous.outcome === 'unknown') {
      state.note('the provider has no record of the command; sending it again with the same idempotency key');
      return actAgain();
    }
    state.failed(`the provider has no record of operation ${previous.operationId ?? '(none)'}`);
    return previous;
  }
  state.note(`status check: ${answer.status} (${answer.outcome})`);
  return answer;
}

/** When an `authorize` on a payment page is next to look whether the customer paid in time; else undefined. */
function pageExpiryAt({ input, facts }: CommandState): number | undefined {
  const { checkout } = input;
  if (checkout?.mode !== 'page' || !checkout.expiresAt || facts.pageExpiryChecked) return undefined;
  return Date.parse(checkout.expiresAt);
}

/**
 * The payment page has expired: the provider is asked once. A customer who never completed it (no
 * authorization, or one still awaiting the customer) never will: the provider's session is closed and the
 * authorize is declined. Otherwise the command goes on waiting (polled, stuck at its deadline). A provider
 * that cannot be asked is waited for.
 */
async function checkPageExpiry(state: CommandState, latest: ProviderResult): Promise<ProviderResult> {
  state.pageExpiryChecked();
  if (!state.input.settlement.statusApi) {
    state.note('the payment page expired; the provider cannot be asked: waiting for its webhook');
    return latest;
  }
  state.statusChecked();
  const request = authorizationRequestOf(state.input, workflowInfo().workflowId);
  let found = await remote.findAuthorization(request);
  let closed: AuthorizationResult | undefined;
  if (found && awaitsCustomer(found)) {
    // Closed at the provider before the decline, so that the customer cannot pay after it. What it holds then
    // decides: a customer who paid (or submitted) just then is kept; anything else is the page's expiry.
    closed = await remote.closeCheckoutSession(request);
    if (closed && closed.outcome !== 'declined' && !awaitsCustomer(closed)) found = closed;
  }
  if (!found || awaitsCustomer(found)) {
    const expired: ProviderResult = {
      outcome: 'declined',
      status: 'expired',
      reason: PAGE_EXPIRED_REASON,
      ...(latest.operationId ? { operationId: latest.operationId } : {}),
    };
    state.note(
      `the payment page expired: ${found ? `still ${found.status}` : 'no authorization at the provider'}` +
        (closed ? `; its session at the provider is now ${closed.status}` : ''),
    );
    state.answered(expired);
    return expired;
  }
  const answer = authorizationOutcome(found);
  state.note(
    `the payment page expired; the provider has the authorization ${answer.status} (${answer.outcome})`,
  );
  state.answered(answer);
  return answer;
}

/** An authorization still waiting for the customer on the page (nothing submitted yet). */
const awaitsCustomer = (found: AuthorizationResult) =>
  found.outcome === 'pending' && found.awaitingCustomer !== false;

/** The calls that ask a provider what became of a command. */
type OutcomeCalls = Pick<Activities, 'fetchProviderStatus' | 'findAuthorization'>;

/**
 * Asks the provider what became of the command: an `authorize` by the authorization it made (found by the
 * workflow id on it), any other command by its operation. Undefined: the provider has no record of it.
 */
export async function outcomeAtProvider(
  input: PaymentCommandInput,
  operationId: string | undefined,
  calls: OutcomeCalls,
): Promise<ProviderResult | undefined> {
  if (input.command === 'authorize') {
    const found = await calls.findAuthorization(authorizationRequestOf(input, workflowInfo().workflowId));
    return found && authorizationOutcome(found);
  }
  return calls.fetchProviderStatus(statusQueryOf(input, operationId));
}

/** What a status request asks the provider: the operation, where there is one, else the idempotency key. */
export function statusQueryOf(
  input: PaymentCommandInput,
  operationId: string | undefined,
): FetchProviderStatusInput {
  const { command } = input;
  // A validate only reads the authorization: its answer is always final, never asked for again. An authorize
  // is asked about by its authorization (outcomeAtProvider).
  if (command === 'validate' || command === 'authorize')
    throw ApplicationFailure.nonRetryable(`a status request has no operation to ask about for a ${command}`);
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
