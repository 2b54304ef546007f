import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { PAYMENT_COMMAND_WORKFLOW } from '../domain/paymentCommand';
import type { PaymentCommandInput } from '../domain/paymentCommand';
import type { ProviderEvent } from '../providers/types';
import { commandVisibility, type CommandPlace } from '../workflows/commandVisibility';
import type { ActAnswer } from '../workflows/orderPaymentMessages';
import type { paymentCommandWorkflow } from '../workflows/paymentCommand';

/** A command of an order, as its order starts it (workflows/orderPayment.ts). */
export interface OrderCommandStart {
  readonly workflowId: string;
  readonly input: PaymentCommandInput;
  /** Its first act's answer, when the order acted before starting it. */
  readonly answered?: ActAnswer;
  /** The provider's events that came before it ran. */
  readonly events?: readonly ProviderEvent[];
  readonly place: CommandPlace;
  /** When the order starts it (workflow time): its deadline counts from there. */
  readonly startedAtMs: number;
  readonly taskQueue: string;
}

/**
 * Starts an order's commands from the order's workflow, as a local activity rather than a child workflow: a child
 * costs its parent a workflow task when it starts and another when it closes, and the order needs neither (its
 * commands report their outcome to it). The start is durable all the same — the order's workflow task completes
 * only once it returned — and repeating it is harmless: a command that exists, or existed, is not started again.
 */
export function commandStarterActivities(temporal: Client) {
  return {
    async startOrderCommand(start: OrderCommandStart) {
      const { workflowId, input, place, startedAtMs, taskQueue } = start;
      try {
        await temporal.workflow.start(PAYMENT_COMMAND_WORKFLOW, {
          workflowId,
          taskQueue,
          args: argsOf(start),
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          ...commandVisibility(input, place, startedAtMs),
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    },
  };
}

/**
 * The command workflow's arguments. Those it goes without are left out, or given as undefined, each a payload of
 * its own: inside the activity's input they would have come as null, which the workflow takes for a value.
 */
function argsOf({ input, answered, events }: OrderCommandStart): Parameters<typeof paymentCommandWorkflow> {
  if (events) return [input, undefined, undefined, answered, events];
  return answered ? [input, undefined, undefined, answered] : [input];
}

export type CommandStarterActivities = ReturnType<typeof commandStarterActivities>;
