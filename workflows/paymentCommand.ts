import { continueAsNew } from '@temporalio/workflow';
import type { PaymentCommandInput } from '../domain/paymentCommand';
import { awaitOutcome } from './awaitOutcome';
import { CommandState, type CarriedState } from './commandState';
import { handleMessages } from './handlers';
import { report, type PaymentCommandResult } from './report';
import { actInTurn, beforeDeadline } from './turn';

export type { CarriedState } from './commandState';
export type { PaymentCommandResult } from './report';

/**
 * One payment command from any front door, from the provider call to the report: act at the provider in
 * the payment's turn, wait for the outcome — the provider's webhook, a status request on the polling
 * schedule, or an operator — for as many days as settlement takes, and report it through the door. Past the
 * deadline, or when the OMS refuses the report, the payment is `stuck`: visible, counted, logged, and still
 * waiting. An unknown outcome is never taken as a failure: Settle asks the provider again.
 */
export async function paymentCommandWorkflow(
  input: PaymentCommandInput,
  carried?: CarriedState,
): Promise<PaymentCommandResult> {
  const state = new CommandState(input, carried);
  handleMessages(state);
  if (!carried) {
    state.result = await beforeDeadline(state, actInTurn(state));
    state.note(`provider answered ${state.result.status} (${state.result.outcome})`, true);
  }
  const result = await awaitOutcome(state, (next) =>
    continueAsNew<typeof paymentCommandWorkflow>(input, next),
  );
  return report(state, result);
}
