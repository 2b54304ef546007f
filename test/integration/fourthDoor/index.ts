import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { ValuesOf } from '../../../config/setting';
import type { FrontDoor } from '../../../oms/door';
import { createMemoActivities, heardReports } from './activities';
import { memoCommand } from './cli';
import { MEMO_DOOR, memoRoutes, type MemoDependencies, type MemoReplyContext } from './routes';
import { memoSettings } from './settings';
import { receiptWorkflowId } from './workflows/receiptMessages';

/**
 * A fourth front door, written only in a test: its settings, routes, worker part (a reporter that starts
 * the door's own workflow, and that workflow's activity), a command, and the type of its reply context.
 */
export const memoDoor: FrontDoor<
  MemoReplyContext,
  ValuesOf<typeof memoSettings.settings>,
  MemoDependencies
> = {
  name: MEMO_DOOR,
  workflows: require.resolve('./workflows'),
  settings: memoSettings,
  dependencies: (config) => ({ memoToken: config.MEMO_TOKEN }),
  routes: memoRoutes,
  worker: ({ temporal, taskQueue }) => ({
    reporter: {
      async report(request) {
        const { context, result } = request;
        heardReports.push(request);
        // One receipt per ticket: a retried report finds it started.
        await temporal.workflow
          .start('memoReceiptWorkflow', {
            workflowId: receiptWorkflowId(context.ticket),
            taskQueue,
            args: [{ ticket: context.ticket, outcome: result.outcome }],
          })
          .catch((error: unknown) => {
            if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          });
        return `memo:${result.outcome}`;
      },
    },
    activities: createMemoActivities(),
  }),
  commands: (kit) => [memoCommand(kit)],
};
