import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  CancellationScope,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { paymentTurnId } from '../domain/workflowId';
import type { ProviderResult } from '../providers/types';
import type { CommandState } from './commandState';
import { paymentTurnWorkflow } from './paymentTurn';
import { waitShowingPhase } from './phaseShown';
import { carryOut, providerCalls } from './providerCalls';
import { lineOf, TURN_RECHECK_MAX_MS, TURN_RECHECK_MS } from './turnLine';

/**
 * Acts at the provider in the payment's turn, the child `payment-turn:<reference>` (paymentTurn.ts), which
 * only one command of the payment can run at a time; while another one has it, waits in line (TurnLine). A
 * validate only reads the authorization: it needs no turn. A child that fails, or is ended by hand, fails this
 * call: the command is then stuck until an operator rechecks (acts again, with the same idempotency key) or
 * resolves it (paymentCommand.ts) — it never acts again by itself.
 */
export async function takeTurn(state: CommandState): Promise<ProviderResult> {
  const { input } = state;
  const { workflowId } = workflowInfo();
  state.callingProvider();
  if (input.command === 'validate') return carryOut(input, workflowId, providerCalls);
  const line = lineOf(state, workflowId);
  const turnId = paymentTurnId(input.reference);
  line.place = 'waiting';
  for (let waits = 0; ; waits += 1) {
    let turn;
    try {
      turn = await startChild(paymentTurnWorkflow, {
        workflowId: turnId,
        args: [input, workflowId, workflowInfo().startTime.getTime()],
        // The child goes on, holding the payment's turn, even if this workflow is cancelled or ended by
        // hand: its provider call may be moving money.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
        // Those waiting after this command are not left waiting for it.
        await CancellationScope.nonCancellable(() => line.release());
        throw error;
      }
      if (waits === 0) state.note("waiting for the payment's other command to finish at the provider");
      await line.waitBehind(turnId, Math.min(TURN_RECHECK_MS * 2 ** waits, TURN_RECHECK_MAX_MS));
      continue;
    }
    line.place = 'holding';
    state.turnTaken();
    let ended = true;
    try {
      return await turn.result();
    } catch (error) {
      // A command cancelled mid-act stops waiting for its act, which goes on holding the turn: the line
      // then learns of its end by looking again.
      ended = !CancellationScope.current().consideredCancelled;
      throw error;
    } finally {
      state.turnEnded();
      if (ended) await CancellationScope.nonCancellable(() => line.release());
      else line.place = 'gone';
    }
  }
}

/** A deadline other than the command's own, and what the payment is stuck for past it. */
export interface Deadline {
  readonly at: number;
  readonly reason: string;
}

/**
 * Waits for `work`; past the deadline (the command's, unless another is given) the payment shows as stuck
 * while the work goes on.
 */
export async function beforeDeadline<T>(
  state: CommandState,
  work: Promise<T>,
  deadline?: Deadline,
): Promise<T> {
  let finished = false;
  const tracked = work.finally(() => {
    finished = true;
  });
  // Its failure reaches the caller through the promise returned below, not as an unhandled rejection while
  // the deadline is watched (a cancelled command fails its turn's promise at once).
  tracked.catch(() => undefined);
  if (!(await waitShowingPhase(state, () => finished, deadline?.at ?? state.facts.deadlineAt))) {
    state.markStuck(
      deadline?.reason ??
        (state.facts.acting
          ? 'the provider call has not finished by the deadline'
          : "still waiting for the payment's other command to finish at the provider by the deadline"),
    );
  }
  return tracked;
}
