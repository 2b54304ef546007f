import { proxyActivities } from '@temporalio/workflow';

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
