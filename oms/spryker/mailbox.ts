import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  acknowledgeUpdate,
  announcedQuery,
  fullnessQuery,
  postSignal,
  waitingQuery,
  type MailboxPost,
} from './workflows/mailboxMessages';
import type { BusMessage } from './messages';

/** The mailbox workflow type, by name: the API needs not load workflow code. */
const MAILBOX_WORKFLOW = 'mailboxWorkflow';

export interface MailboxAccess {
  readonly temporal: Client;
  readonly taskQueue: string;
}

/** A mailbox past its capacity: the shop has not acknowledged for a long while. Retried by the caller. */
export class MailboxFullError extends Error {
  override readonly name = 'MailboxFullError';
}

/**
 * Posts messages to a mailbox, starting it on the first post; resolves once Temporal holds them. Throws
 * MailboxFullError, posting nothing, while the mailbox is full.
 */
export async function postToMailbox({ temporal, taskQueue }: MailboxAccess, id: string, post: MailboxPost) {
  if (!roomRecently(id)) await checkRoom(temporal, id);
  await temporal.workflow.signalWithStart(MAILBOX_WORKFLOW, {
    workflowId: id,
    taskQueue,
    args: [],
    signal: postSignal,
    signalArgs: [post],
    staticSummary: `messages waiting for ${id.split(':').slice(2).join(' · ')}`,
  });
}

/**
 * How long a mailbox found with room is taken to have room still: a query waits for the mailbox's workflow
 * task, so asking before every post would queue the posts behind each other. The capacity's headroom to
 * Temporal's payload limit absorbs what arrives meanwhile.
 */
const ROOM_KNOWN_MS = 5000;
const roomSeen = new Map<string, number>();

function roomRecently(id: string): boolean {
  const seen = roomSeen.get(id);
  return seen !== undefined && Date.now() - seen < ROOM_KNOWN_MS;
}

/** Throws MailboxFullError while the mailbox is full; a mailbox never posted to has room. */
async function checkRoom(temporal: Client, id: string): Promise<void> {
  const fullness = await temporal.workflow
    .getHandle(id)
    .query(fullnessQuery)
    .catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    });
  if (fullness?.full) {
    roomSeen.delete(id);
    throw new MailboxFullError(
      `the mailbox ${id} is full: ${fullness.waiting} messages wait to be acknowledged`,
    );
  }
  if (roomSeen.size > 10_000) roomSeen.clear();
  roomSeen.set(id, Date.now());
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
