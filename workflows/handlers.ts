import { ActivityFailure, ApplicationFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ProviderResult } from '../providers/types';
import { outcomeAtProvider } from './awaitOutcome';
import type { CommandState } from './commandState';
import {
  providerEventSignal,
  recheckSignal,
  resolveUpdate,
  retryNotificationSignal,
  statusQuery,
  type Resolution,
} from './messages';

// The check before a resolution answers the operator waiting on it: a few attempts, not an outage's worth.
const asking = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
});

/** Wires the workflow's messages (workflows/messages.ts) to its state. */
export function handleMessages(state: CommandState): void {
  setHandler(providerEventSignal, (event) => state.receive(event));
  setHandler(statusQuery, () => state.status());
  setHandler(recheckSignal, () => state.recheckRequested());
  setHandler(retryNotificationSignal, () => state.reportRetryRequested());
  setHandler(
    resolveUpdate,
    async (request) => {
      state.checkingResolution(true);
      try {
        if (request.outcome === 'declined') await checkNotSettled(state, request);
        state.resolved(request);
        return state.status();
      } finally {
        state.checkingResolution(false);
      }
    },
    { validator: (request) => refuseResolution(request, state) },
  );
}

/** Why an operator may not resolve the payment now; nothing when they may. */
function refuseResolution(request: Resolution, state: CommandState): void {
  if (request.outcome !== 'settled' && request.outcome !== 'declined') {
    throw new Error('outcome must be "settled" or "declined"');
  }
  if (!request.reason?.trim()) throw new Error('a reason is required');
  if (!request.operator?.trim()) throw new Error('the operator must be named');
  const { resolution, resolving, outcome, acting, result, awaitingOperator } = state.facts;
  if (resolution) throw new Error('the payment was already resolved by an operator');
  if (resolving) throw new Error('another resolution is being checked with the provider; wait for it');
  if (outcome) {
    throw new Error(
      `the outcome is already known (${outcome}); a refused notification is delivered again with retryNotification`,
    );
  }
  // Before the provider's answer the command is still going to act: resolving it would race the call. After
  // a failed act (stuck, awaiting an operator) nothing is in flight.
  if (acting || (result === undefined && !awaitingOperator)) {
    throw new Error(
      'the command has not had its provider answer yet (a call is in flight or due); wait for it or fix the provider first',
    );
  }
}

/**
 * Before an operator declines a command, a provider with a status API is asked once more: declining what the
 * provider settled, or may still settle, invites the OMS to issue the command again and move the money twice.
 * Settled: refused, and the payment takes the provider's answer (and reports it). Still pending, or the
 * provider cannot be asked: refused unless the operator forces it, knowing better. Declined, or no record of
 * the command at the provider (it never acted): the resolution stands.
 */
async function checkNotSettled(state: CommandState, request: Resolution): Promise<void> {
  const { input } = state;
  if (!input.settlement.statusApi || input.command === 'validate') return;
  let answer: ProviderResult | undefined;
  try {
    answer = await outcomeAtProvider(input, state.facts.result?.operationId, asking);
  } catch (error) {
    const failure = error instanceof ActivityFailure && error.cause ? error.cause : error;
    const why = failure instanceof Error ? failure.message : String(failure);
    state.note(`status check before resolving failed: ${why}`);
    if (request.force) return;
    throw refusal(
      `the provider could not be asked whether it settled the ${input.command} (${why}); try again, or resolve as declined with force if you know it did not`,
    );
  }
  state.note(
    answer
      ? `status check before resolving: ${answer.status} (${answer.outcome})`
      : 'status check before resolving: no record at the provider',
  );
  if (state.decided())
    throw refusal('the outcome became known while the provider was asked; see the timeline');
  if (answer?.outcome === 'settled') {
    state.answered(answer);
    throw refusal(
      `the provider says the ${input.command} settled (status ${answer.status}): the payment reports it as settled instead`,
    );
  }
  if ((answer?.outcome === 'pending' || answer?.outcome === 'unknown') && !request.force) {
    throw refusal(
      `the provider still has the ${input.command} ${answer.outcome} (status ${answer.status}) and may yet settle it; resolve as declined with force only if you know it will not`,
    );
  }
}

/** A refusal the operator reads: the update fails with it, the workflow goes on. */
const refusal = (message: string) =>
  ApplicationFailure.create({ message, nonRetryable: true, type: 'ResolveRefused' });
