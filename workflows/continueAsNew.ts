import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';

/** A long-lived workflow continues as new past this many history events, well inside Temporal's limits. */
export const HISTORY_EVENTS_BEFORE_CONTINUE = 2_000;

/** Temporal suggests continuing as new, or the history has grown past `limit` events. */
export function continueAsNewDue(limit = HISTORY_EVENTS_BEFORE_CONTINUE): boolean {
  const { continueAsNewSuggested, historyLength } = workflowInfo();
  return continueAsNewSuggested || historyLength > limit;
}

export interface ContinueOptions {
  /** History events before continuing (HISTORY_EVENTS_BEFORE_CONTINUE unless given). */
  readonly limit?: number;
  /** Work of the run's own, besides its message handlers, that must be out before the run hands over. */
  readonly settled?: () => boolean;
}

/**
 * Continues as new when it is due, else returns at once: once every message handler has finished (and the
 * run's own work has settled), `next` starts the next run with the state it carries — read only then, so
 * that nothing a handler changed is left behind — and throws Temporal's ContinueAsNew.
 */
export async function continueAsNewWhenDue(
  next: () => Promise<never>,
  { limit, settled }: ContinueOptions = {},
): Promise<void> {
  if (!continueAsNewDue(limit)) return;
  await condition(() => allHandlersFinished() && (settled?.() ?? true));
  await next();
}
