import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';

/**
 * The bare-Temporal baseline: a workflow that runs `activities` activities that do nothing, one after the
 * other, as a Settle payment command runs its provider call and its notification.
 */

export interface BaselineActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '1 minute' });

export async function baselineWorkflow(activities: number): Promise<void> {
  for (let i = 0; i < activities; i += 1) await noop();
}

/**
 * The same with the first activity in a child workflow under an id of its own, the way a Settle command takes
 * its payment's turn (a child whose id only one command of the payment can hold): what the turn costs in bare
 * Temporal.
 */
export async function baselineTurnWorkflow(activities: number): Promise<void> {
  await executeChild(baselineActWorkflow, { workflowId: `${workflowInfo().workflowId}-turn` });
  for (let i = 1; i < activities; i += 1) await noop();
}

export async function baselineActWorkflow(): Promise<void> {
  await noop();
}
