import { CancellationScope, condition, ContinueAsNew, continueAsNew } from '@temporalio/workflow';
import type { PaymentCommandInput } from '../domain/paymentCommand';
import type { ProviderEvent, ProviderResult } from '../providers/types';
import { awaitOutcome } from './awaitOutcome';
import { CommandState, type CarriedState } from './commandState';
import { handleMessages } from './handlers';
import type { RevivedCommand } from './messages';
import type { ActAnswer } from './orderPaymentMessages';
import { OrderTurn } from './orderTurn';
import { report, type PaymentCommandResult } from './report';
import { stuckReasonOf, type Stage, type StuckReason } from './stuckReasons';
import { beforeDeadline, takeTurn } from './turn';

export type { CarriedState } from './commandState';
export type { PaymentCommandResult } from './report';

/** What a cancelled command shows as it ends: the search attribute and the stuck metric still hear of it. */
export const CANCELLED_BEFORE_REPORT =
  'the command workflow was cancelled by hand before it reported an outcome';

/**
 * One payment command from any front door, from the provider call to the report: act at the provider in
 * the payment's turn, wait for the outcome — the provider's webhook, a status request on the polling
 * schedule, or an operator — for as many days as settlement takes, and report it through the door. Past a
 * deadline (the outcome's, the report's), the payment is `stuck`: visible, counted, logged, and still
 * waiting. A failure — the provider refusing the command, the act ended by hand, the OMS refusing the
 * report, anything unexpected — never ends the workflow: the payment is stuck with the failure's message
 * and waits for an operator. An unknown outcome is never taken as a failure: Settle asks the provider again.
 */
export async function paymentCommandWorkflow(
  input: PaymentCommandInput,
  carried?: CarriedState,
  revived?: RevivedCommand,
  /** A command of an order: its first act's answer, when the order acted before starting it. */
  answered?: ActAnswer,
  /** A command of an order: the provider's events that came before it was started (commandEventSignal). */
  events?: readonly ProviderEvent[],
): Promise<PaymentCommandResult> {
  const state = new CommandState(input, carried);
  // A revived run is stuck before its handlers are set: the operator's message that revived it may come in
  // the same workflow task, and its validator runs as the handler is set.
  if (revived) state.awaitOperator(...revivedReason(revived));
  handleMessages(state);
  for (const event of events ?? []) state.receive(event);
  // A command of an order acts through its order; any other takes the payment's turn (turn.ts).
  const orderTurn =
    input.orderWorkflowId === undefined
      ? undefined
      : new OrderTurn(state, input.orderWorkflowId, revived !== undefined, answered);
  const acting = orderTurn ? () => orderTurn.act() : () => takeTurn(state);
  if (revived) await untilOperatorAnswers(state);
  const continueAs = (next: CarriedState) => continueAsNew<typeof paymentCommandWorkflow>(input, next);
  for (;;) {
    try {
      // The outcome is waited for from the provider's answer: the act's, or the one carried over. Resolved
      // by an operator after a failed act, the command has none, and needs none.
      const result =
        state.decided() ??
        (await awaitOutcome(state, state.facts.result ?? (await act(state, acting)), continueAs, acting));
      return await report(state, result);
    } catch (error) {
      if (error instanceof ContinueAsNew) throw error;
      if (CancellationScope.current().consideredCancelled) {
        // Ended by hand: the phase and the metric say so as it ends; the operator's list shows it (api/).
        state.markStuck(CANCELLED_BEFORE_REPORT);
        throw error;
      }
      await waitForOperator(state, stuckReasonOf(error, stageOf(state)));
    }
  }
}

/** Its previous run may or may not have acted: the operator decides, as after a failed act. */
function revivedReason({ endedAs }: RevivedCommand): [reason: string, category: string] {
  return [
    `the previous run of the command workflow ended (${endedAs}) without reporting an outcome`,
    'the command workflow ended by hand without reporting an outcome',
  ];
}

/** The command's act at the provider, in the payment's turn (`acting`): the provider's answer. */
async function act(state: CommandState, acting: () => Promise<ProviderResult>): Promise<ProviderResult> {
  const answer = await beforeDeadline(state, acting());
  state.acted(answer);
  return answer;
}

function stageOf({ facts }: CommandState): Stage {
  if (facts.outcome) return 'report';
  return facts.result ? 'settlement' : 'act';
}

/**
 * Stuck on a failure: nothing moves — above all nothing acts at the provider — until an operator resolves
 * the payment (before its outcome is known), rechecks it (acts again with the same idempotency key, or asks
 * the provider again) or, once the outcome is known, has the report delivered again.
 */
async function waitForOperator(state: CommandState, { reason, category }: StuckReason): Promise<void> {
  state.awaitOperator(reason, category);
  await untilOperatorAnswers(state);
}

async function untilOperatorAnswers(state: CommandState): Promise<void> {
  await condition(() => state.operatorAnswered());
  state.unstuck();
}
