import { defineQuery, defineUpdate } from '@temporalio/workflow';

/**
 * A mailbox: messages a door's shop fetches and acknowledges (Spryker's message bus hands out events this way).
 * The messages of the mailbox workflow (workflows/mailbox.ts), defined once for the workflow and the doors.
 */

export interface MailboxMessage {
  /** Stable: the same message posted again (a retried report) is taken once. */
  readonly id: string;
  /** What the door hands out, opaque to the mailbox. */
  readonly content: unknown;
}

export interface MailboxPost {
  readonly messages: readonly MailboxMessage[];
  /** Replaces what the door keeps in the mailbox of what it announced (e.g. payment methods), when given. */
  readonly announced?: Readonly<Record<string, string>>;
}

/** Adds messages not already waiting or acknowledged; refused while the mailbox is full (the poster retries). */
export const postUpdate = defineUpdate<number, [MailboxPost]>('post');

/** Removes the messages acknowledged; answers how many of them were waiting. */
export const acknowledgeUpdate = defineUpdate<number, [readonly string[]]>('acknowledge');

/** The oldest waiting messages, at most `limit`: the same ones again until they are acknowledged. */
export const waitingQuery = defineQuery<readonly MailboxMessage[], [number]>('waiting');

/** What the door last announced through the mailbox (MailboxPost.announced). */
export const announcedQuery = defineQuery<Readonly<Record<string, string>>>('announced');
