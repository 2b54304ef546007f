import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE } from '../domain/failures';
import type { OutcomeReport } from '../domain/outcome';
import type { ProviderResult } from '../providers/types';
import type { CommandState } from './commandState';
import { OMS_RETRY } from './retryPolicies';

// The OMS must hear the outcome however long it is down.
const { reportOutcome } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: OMS_RETRY,
});

export interface PaymentCommandResult {
  readonly outcome: OutcomeReport['outcome'];
  /** What the front door reported, in its words (for MIB, the notification method). */
  readonly reported: string;
  readonly operationId?: string;
}

/**
 * Reports the final result through the command's front door. An OMS refusing the report (not merely
 * unreachable) is not mended by retrying: the payment waits, visibly stuck, until an operator has fixed the
 * cause and signals retryNotification. Nothing is dropped.
 */
export async function report(state: CommandState, result: ProviderResult): Promise<PaymentCommandResult> {
  const { input } = state;
  const outcome: OutcomeReport['outcome'] = result.outcome === 'settled' ? 'settled' : 'declined';
  state.outcome = outcome;
  state.stuckReason = undefined;
  state.nextCheckAt = undefined;
  state.setPhase('notifying');
  const { workflowId, firstExecutionRunId } = workflowInfo();
  const request = {
    // Stable across retries, so the OMS can drop a redelivery; a check sent again later runs again under the
    // same workflow id (another first run id), and its new answer must not look like a duplicate.
    reportId: `${workflowId}:${firstExecutionRunId}`,
    command: input.command,
    reply: input.reply,
    result: {
      provider: input.provider,
      outcome,
      operationId: result.operationId,
      status: result.status,
      reason: result.reason,
      ...(result.authorization ? { authorization: result.authorization } : {}),
    },
  };
  for (;;) {
    try {
      state.attempts.notifications += 1;
      const reported = await reportOutcome(request);
      state.note(`reported through ${input.reply.door}: ${reported}`, true);
      state.setPhase('done');
      return { outcome, reported, operationId: result.operationId };
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === undefined) throw error;
      state.lastError = refusal;
      state.markStuck(refusal);
      state.retryRequested = false;
      await condition(() => state.retryRequested);
      state.stuckReason = undefined;
      state.note('operator asked to deliver the report again');
      state.setPhase('notifying');
    }
  }
}

/** The message of the OMS's refusal, or undefined when the error is something else. */
function refusalOf(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  return cause instanceof ApplicationFailure && cause.type === NON_RETRYABLE.reportRefused
    ? cause.message
    : undefined;
}
