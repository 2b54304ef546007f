import type { ParkedMessage } from './parkedMessages';

/**
 * The record of an order update parked from a profile's queue (parked.ts): it ends at once with the record as
 * its result, so that an operator finds it in the Web UI (WorkflowType = "deityParkedMessageWorkflow").
 */
export async function deityParkedMessageWorkflow(parked: ParkedMessage): Promise<ParkedMessage> {
  return parked;
}
