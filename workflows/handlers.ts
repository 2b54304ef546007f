import { setHandler } from '@temporalio/workflow';
import type { CommandState } from './commandState';
import {
  providerEventSignal,
  recheckSignal,
  resolveUpdate,
  retryNotificationSignal,
  statusQuery,
  type Resolution,
} from './messages';

/** Wires the workflow's messages (workflows/messages.ts) to its state. */
export function handleMessages(state: CommandState): void {
  setHandler(providerEventSignal, (event) => state.receive(event));
  setHandler(statusQuery, () => state.status());
  setHandler(recheckSignal, () => {
    state.recheckRequested = true;
    state.note('asked to recheck the provider');
  });
  setHandler(retryNotificationSignal, () => {
    state.retryRequested = true;
  });
  setHandler(
    resolveUpdate,
    (request) => {
      state.resolution = { ...request, at: new Date().toISOString() };
      state.note(`resolved as ${request.outcome} by ${request.operator}: ${request.reason}`, true);
      return state.status();
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
  if (state.resolution) throw new Error('the payment was already resolved by an operator');
  if (state.outcome) {
    throw new Error(
      `the outcome is already known (${state.outcome}); a refused notification is delivered again with retryNotification`,
    );
  }
  // Before the provider's answer the command is still going to act: resolving it would race the call.
  if (state.result === undefined || state.acting) {
    throw new Error(
      'the command has not had its provider answer yet (a call is in flight or due); wait for it or fix the provider first',
    );
  }
}
