import type { DroppedMessage } from './dropMessages';

/**
 * The record of a message the bus accepted and dropped (drops.ts): it ends at once with the drop as its result,
 * so that an operator finds it in the Web UI (WorkflowType = "sprykerDroppedMessageWorkflow") with its reason.
 */
export async function sprykerDroppedMessageWorkflow(drop: DroppedMessage): Promise<DroppedMessage> {
  return drop;
}
