import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ProviderResult } from '../providers/types';
import type { CommandState } from './commandState';
import { actAgainSignal, actAnsweredSignal, type ActAnswer } from './orderPaymentMessages';

/**
 * A command of an order acts at the provider through its order (workflows/orderPayment.ts), which runs its
 * commands' acts one at a time in the order they came: no turn of its own to take or wait for. The order acts
 * for the command as it admits it, and usually starts the command with that act's answer (`answered`); when
 * the act needs retries, the order starts the command first and signals the answer. A second act (an unknown
 * outcome, an operator's recheck after a failed act) is asked of the order. Each act is numbered by the
 * command's provider calls, so that a late answer to an earlier act is never taken for the current one.
 */
export class OrderTurn {
  private readonly answers = new Map<number, ActAnswer>();
  /** The order acts on admission for the run that it starts; a revived run asks, as for every later act. */
  private admissionAct: boolean;

  constructor(
    private readonly state: CommandState,
    private readonly orderWorkflowId: string,
    revived: boolean,
    answered?: ActAnswer,
  ) {
    this.admissionAct = !revived;
    if (answered) this.answers.set(answered.act, answered);
    setHandler(actAnsweredSignal, (answer) => {
      if (answer.act >= this.state.facts.attempts.provider) this.answers.set(answer.act, answer);
    });
  }

  /**
   * The act's answer, from the order. Its failure is thrown as the act's (the command is then stuck until an
   * operator rechecks or resolves it). An operator's recheck while the answer is awaited asks the order again:
   * an order that lost the act (ended by hand) then fails the command visibly instead of leaving it waiting.
   */
  async act(): Promise<ProviderResult> {
    const { state } = this;
    state.callingProvider();
    const act = state.facts.attempts.provider;
    if (this.admissionAct && act === 1) this.admissionAct = false;
    else await this.ask(act);
    state.turnTaken();
    try {
      for (;;) {
        await condition(() => this.answers.has(act) || state.facts.recheckRequested);
        const answer = this.answers.get(act);
        if (answer) {
          this.answers.delete(act);
          return resultOf(answer);
        }
        state.askingAgain(false);
        await this.ask(act);
      }
    } finally {
      state.turnEnded();
    }
  }

  private async ask(act: number): Promise<void> {
    const { input } = this.state;
    const { workflowId, startTime } = workflowInfo();
    try {
      await getExternalWorkflowHandle(this.orderWorkflowId).signal(actAgainSignal, {
        workflowId,
        input,
        act,
        since: startTime.getTime(),
      });
    } catch (error) {
      throw ApplicationFailure.nonRetryable(
        `the order's workflow ${this.orderWorkflowId} could not be asked to act (${String(error)})`,
        'OrderUnreachable',
      );
    }
  }
}

function resultOf({ result, failure }: ActAnswer): ProviderResult {
  if (result) return result;
  throw ApplicationFailure.create({
    message: failure?.message ?? 'the order answered the act with neither a result nor a failure',
    type: failure?.type ?? 'ActFailed',
    nonRetryable: true,
  });
}
