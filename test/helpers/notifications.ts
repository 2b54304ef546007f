import type { Stack } from '../../scripts/stack';

/** Waits for the workflow's result, then answers the one notification MIB received from its latest run. */
export async function notificationOf(stack: Stack, workflowId: string) {
  const handle = stack.temporal.workflow.getHandle(workflowId);
  await handle.result();
  const { runId } = await handle.describe();
  const received = stack.mib.sim.notifications.filter((n) =>
    String(n.id).startsWith(`${workflowId}:${runId}:`),
  );
  expect(received).toHaveLength(1);
  return { runId, notification: received[0]! };
}
