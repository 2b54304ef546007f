import { condition } from '@temporalio/workflow';
import { now, type CommandState } from './commandState';

/**
 * Waits for `done` until `until` at the latest (true: done). A phase the search attributes do not show yet is
 * upserted once it has lasted (CommandRecord.showPhaseAt), and the wait goes on: one that ends sooner costs
 * no visibility write, and no timer beyond the one the wait needs anyway (the shorter one replaces it).
 */
export async function waitShowingPhase(
  state: CommandState,
  done: () => boolean,
  until: number,
): Promise<boolean> {
  const showAt = state.showPhaseAt();
  if (showAt < until) {
    if (await condition(done, Math.max(showAt - now(), 1))) return true;
    state.showPhase();
  }
  if (until === Infinity) {
    await condition(done);
    return true;
  }
  return condition(done, Math.max(until - now(), 1));
}
