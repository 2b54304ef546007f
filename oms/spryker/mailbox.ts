import { WorkflowNotFoundError, WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import {
  acknowledgeUpdate,
  announcedQuery,
  postUpdate,
  waitingQuery,
  type MailboxPost,
} from '../../workflows/mailboxMessages';
import type { BusMessage } from './messages';

/** The mailbox workflow type, by name: the API needs not load workflow code. */
const MAILBOX_WORKFLOW = 'mailboxWorkflow';

export interface MailboxAccess {
  readonly temporal: Client;
  readonly taskQueue: string;
}

/** Posts messages to a mailbox, starting it on the first post; resolves once Temporal holds them. */
export async function postToMailbox({ temporal, taskQueue }: MailboxAccess, id: string, post: MailboxPost) {
  return temporal.workflow.executeUpdateWithStart(postUpdate, {
    args: [post],
    startWorkflowOperation: new WithStartWorkflowOperation(MAILBOX_WORKFLOW, {
      workflowId: id,
      taskQueue,
      args: [],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      staticSummary: `messages waiting for ${id.split(':').slice(2).join(' · ')}`,
    }),
  });
}

/** The oldest messages waiting in a mailbox; none when it was never posted to. */
export async function waitingMessages(temporal: Client, id: string, limit: number): Promise<BusMessage[]> {
  try {
    const waiting = await temporal.workflow.getHandle(id).query(waitingQuery, limit);
    return waiting.map((message) => message.content as BusMessage);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return [];
    throw error;
  }
}

/** Acknowledges messages; answers how many were waiting (0 for a mailbox never posted to). */
export async function acknowledgeMessages(
  temporal: Client,
  id: string,
  ids: readonly string[],
): Promise<number> {
  try {
    return await temporal.workflow.getHandle(id).executeUpdate(acknowledgeUpdate, { args: [ids] });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 0;
    throw error;
  }
}

/** What the door last announced through a mailbox; nothing for a mailbox never posted to. */
export async function announcedThrough(
  temporal: Client,
  id: string,
): Promise<Readonly<Record<string, string>>> {
  try {
    return await temporal.workflow.getHandle(id).query(announcedQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return {};
    throw error;
  }
}
