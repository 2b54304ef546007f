import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { paymentLockId } from '../domain/workflowId';
import { acquireLockSignal, type PaymentLockState } from '../workflows/paymentLock';

/**
 * The side of the payment lock a workflow cannot do itself: start the lock workflow if it is not running
 * while signalling it (signal-with-start), and ask whether a lock holder still runs.
 */
export function createPaymentLockActivities(temporal: Client) {
  return {
    /** Puts the command in the payment's queue; the lock signals `paymentLockGranted` when it is its turn. */
    async requestPaymentLock({ reference, requester }: { reference: string; requester: string }) {
      const initial: PaymentLockState = { queue: [] };
      await temporal.workflow.signalWithStart('paymentLockWorkflow', {
        workflowId: paymentLockId(reference),
        taskQueue: Context.current().info.taskQueue,
        args: [initial],
        signal: acquireLockSignal,
        signalArgs: [{ requester }],
      });
    },

    async isWorkflowRunning({ workflowId }: { workflowId: string }): Promise<boolean> {
      try {
        const { status } = await temporal.workflow.getHandle(workflowId).describe();
        return status.name === 'RUNNING';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },
  };
}
