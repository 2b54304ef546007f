import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * A mailbox: messages a door's shop fetches and acknowledges (Spryker's message bus hands out events this way).
 * The messages of the mailbox workflow (mailbox.ts beside this file), defined once for the workflow and the doors.
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

/**
 * Adds messages not already waiting or acknowledged. A signal, not an update: a signal is durable once
 * Temporal accepts it, a workflow takes any number of them at once (updates: 10 in flight), and none is lost
 * while the mailbox continues as new. Posters look at `fullness` first and wait while the mailbox is full.
 */
export const postSignal = defineSignal<[MailboxPost]>('post');

export interface MailboxFullness {
  readonly waiting: number;
  /** The waiting messages' size as JSON, in characters. */
  readonly size: number;
  /** Past its capacity: a poster waits until the shop acknowledges. */
  readonly full: boolean;
}

export const fullnessQuery = defineQuery<MailboxFullness>('fullness');

/** Removes the messages acknowledged; answers how many of them were waiting. */
export const acknowledgeUpdate = defineUpdate<number, [readonly string[]]>('acknowledge');

/** The oldest waiting messages, at most `limit`: the same ones again until they are acknowledged. */
export const waitingQuery = defineQuery<readonly MailboxMessage[], [number]>('waiting');

/** What the door last announced through the mailbox (MailboxPost.announced). */
export const announcedQuery = defineQuery<Readonly<Record<string, string>>>('announced');
