import { condition, continueAsNew, setHandler } from '@temporalio/workflow';
import { continueAsNewDue, continueAsNewWhenDue } from '../../../workflows/continueAsNew';
import {
  acknowledgeUpdate,
  announcedQuery,
  fullnessQuery,
  postSignal,
  waitingQuery,
  type MailboxMessage,
} from './mailboxMessages';

/**
 * How much may wait unacknowledged (JSON characters): what a continued run carries must stay well inside
 * Temporal's 2 MB payload limit. Past it the mailbox says it is full, and the reports wait and retry until the
 * shop catches up; posts already on their way still go in, which the headroom to 2 MB absorbs.
 */
export const MAILBOX_CAPACITY_CHARS = 1_000_000;

/** Acknowledged ids remembered, so that a report retried after its message was acknowledged adds nothing. */
const ACKNOWLEDGED_KEPT = 5000;

export interface MailboxState {
  readonly waiting: readonly MailboxMessage[];
  readonly acknowledged: readonly string[];
  readonly announced: Readonly<Record<string, string>>;
}

/**
 * The messages one shop fetches from one channel, held until it acknowledges them: durable, in order, each
 * once. Runs for as long as the shop is served, continuing as new when its history grows.
 */
export async function mailboxWorkflow(carried?: MailboxState): Promise<void> {
  const waiting = new Map((carried?.waiting ?? []).map((message) => [message.id, message]));
  const acknowledged = new Set(carried?.acknowledged ?? []);
  let announced = carried?.announced ?? {};
  let size = [...waiting.values()].reduce((sum, message) => sum + sizeOf(message), 0);

  setHandler(postSignal, ({ messages, announced: next }) => {
    for (const message of messages) {
      if (waiting.has(message.id) || acknowledged.has(message.id)) continue;
      waiting.set(message.id, message);
      size += sizeOf(message);
    }
    if (next) announced = next;
  });

  setHandler(acknowledgeUpdate, (ids) => {
    let removed = 0;
    for (const id of ids) {
      const message = waiting.get(id);
      if (message) {
        waiting.delete(id);
        size -= sizeOf(message);
        removed += 1;
      }
      acknowledged.add(id);
    }
    for (const id of acknowledged) {
      if (acknowledged.size <= ACKNOWLEDGED_KEPT) break;
      acknowledged.delete(id);
    }
    return removed;
  });

  setHandler(waitingQuery, (limit) => [...waiting.values()].slice(0, Math.max(0, limit)));
  setHandler(announcedQuery, () => announced);
  setHandler(fullnessQuery, () => ({ waiting: waiting.size, size, full: size > MAILBOX_CAPACITY_CHARS }));

  await condition(() => continueAsNewDue());
  await continueAsNewWhenDue(() =>
    continueAsNew<typeof mailboxWorkflow>({
      waiting: [...waiting.values()],
      acknowledged: [...acknowledged],
      announced,
    }),
  );
}

const sizeOf = (message: MailboxMessage) => JSON.stringify(message).length;
