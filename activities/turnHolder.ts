import { WorkflowNotFoundError, type Client } from '@temporalio/client';

/**
 * Who holds a payment's turn (workflows/turn.ts): a command that finds the turn taken asks for the command
 * workflow that started it, and asks that one to tell it when the turn ends. A workflow cannot read another's
 * description, so this is an activity; the worker's own client does it.
 */
export function turnHolderActivities(temporal: Client) {
  return {
    /**
     * The workflow id of the command whose act runs under `turnId`; `undefined` when no act runs under it (it
     * has just ended: the turn is free), `null` when one runs that no command workflow started.
     */
    async findTurnHolder(turnId: string): Promise<string | null | undefined> {
      try {
        const { status, parentExecution } = await temporal.workflow.getHandle(turnId).describe();
        if (status.name !== 'RUNNING') return undefined;
        return parentExecution?.workflowId ?? null;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
    },
  };
}

export type TurnHolderActivities = ReturnType<typeof turnHolderActivities>;
