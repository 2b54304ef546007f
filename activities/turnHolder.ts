import { WorkflowNotFoundError, type Client } from '@temporalio/client';

/**
 * Who holds a payment's turn (workflows/turn.ts): a command that finds the turn taken asks for the command
 * workflow that started it, and asks that one to tell it when the turn ends. A workflow cannot read another's
 * description, so this is an activity; the worker's own client does it.
 */
export function turnHolderActivities(temporal: Client) {
  return {
    /**
     * The act running under `turnId`: its run, and the workflow id of the command that started it (none when no
     * command workflow did); `undefined` when no act runs under it (it has just ended: the turn is free).
     */
    async findTurnHolder(turnId: string): Promise<TurnHolder | undefined> {
      try {
        const { status, runId, parentExecution } = await temporal.workflow.getHandle(turnId).describe();
        if (status.name !== 'RUNNING') return undefined;
        const holder = parentExecution?.workflowId;
        return { run: runId, ...(holder ? { holder } : {}) };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
    },
  };
}

/** A running act of a payment's turn and the command holding it. */
export interface TurnHolder {
  readonly run: string;
  readonly holder?: string;
}

export type TurnHolderActivities = ReturnType<typeof turnHolderActivities>;
