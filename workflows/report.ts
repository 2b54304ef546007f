import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { OutcomeReport } from '../domain/outcome';
import type { ProviderResult } from '../providers/types';
import { now, type CommandState } from './commandState';
import { OMS_RETRY } from './retryPolicies';
import { beforeDeadline } from './turn';

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
 * Reports the final result through the command's front door. The OMS unreachable is retried for as long
 * as it takes; past the report deadline (SettlementPolicy.reportDeadlineMs) the payment shows as stuck
 * while the retries go on. An OMS refusing the report (not merely unreachable), or any other failure of it,
 * is not mended by retrying: it fails this call, and the payment waits, stuck, until an operator has fixed
 * the cause and signals retryNotification (paymentCommand.ts). Nothing is dropped.
 */
export async function report(state: CommandState, result: ProviderResult): Promise<PaymentCommandResult> {
  const { input } = state;
  const outcome: OutcomeReport['outcome'] = result.outcome === 'settled' ? 'settled' : 'declined';
  state.reporting(outcome);
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
  const { reportDeadlineMs } = input.settlement;
  const reported = await beforeDeadline(state, reportOutcome(request), {
    at: reportDeadlineMs === undefined ? Infinity : now() + reportDeadlineMs,
    reason: `the OMS (${input.reply.door}) has not accepted the outcome report by the report deadline; still retrying`,
  });
  state.reported(reported);
  return { outcome, reported, operationId: result.operationId };
}
