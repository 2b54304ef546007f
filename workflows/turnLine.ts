import { HandlerUnfinishedPolicy } from '@temporalio/common';
import {
  condition,
  getExternalWorkflowHandle,
  proxyLocalActivities,
  setHandler,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { TurnHolderActivities } from '../activities/turnHolder';
import type { CommandState } from './commandState';
import { turnFreeSignal, turnWantedSignal } from './turnMessages';

/**
 * A waiting command looks again after 30 s, doubling up to 5 minutes, although it was promised word of the
 * turn's end: the word is lost when the holding command is ended by hand while its act goes on.
 */
export const TURN_RECHECK_MS = 30_000;
export const TURN_RECHECK_MAX_MS = 5 * 60_000;

const { findTurnHolder } = proxyLocalActivities<TurnHolderActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/**
 * A command's place in its payment's line. The turn itself stays the workflow id — at most one act runs —
 * and the line only says who starts the next act, and when: a command that finds the turn taken asks who holds
 * it (`findTurnHolder`) and tells that command it waits (`turnWanted`); the holder, once its act has ended —
 * it hears of every end, also a failure or a termination — tells the first in its line (`turnFree`), with the
 * rest of the line, which that one carries on. So a waiting command starts its act within a workflow task or
 * two of the previous act's end, in arrival order. Word that comes too late is passed on to whoever the turn
 * went to; word lost (a holder ended by hand) is made up for by looking again (TURN_RECHECK_MS).
 */
class TurnLine {
  /** `gone`: cancelled while its act goes on; it can tell nobody when the act ends. */
  place: 'apart' | 'waiting' | 'holding' | 'gone' = 'apart';
  /** The commands waiting after this one, in arrival order. */
  private queue: string[] = [];
  private freed = false;
  /** The command this one handed the turn on to, for commands that ask this one after. */
  private successor: string | undefined;
  /** The last holder found no longer running. */
  private goneHolder: string | undefined;

  constructor(private readonly self: string) {
    // A word still being passed on when the command ends is dropped without a warning: whoever it was for
    // looks again (TURN_RECHECK_MS).
    const options = { unfinishedPolicy: HandlerUnfinishedPolicy.ABANDON };
    setHandler(turnWantedSignal, (ids) => this.wanted(ids), options);
    setHandler(turnFreeSignal, (rest) => this.free(rest), options);
  }

  /**
   * This command's act has ended (or it will not act): the first in line takes the turn; who asks meanwhile
   * goes after it.
   */
  async release(): Promise<void> {
    await this.handOn(this.takeQueue());
    this.place = 'apart';
    const late = this.takeQueue();
    if (late.length > 0) await this.wanted(late);
  }

  /** Waits until the turn's holder says its act ended, or `recheckMs`; then the caller tries again. */
  async waitBehind(turnId: string, recheckMs: number): Promise<void> {
    this.freed = false;
    const act = await findTurnHolder(turnId).catch(() => null);
    // No act runs: it has just ended. Try again at once.
    if (act === undefined) return;
    const holder = act?.holder;
    if (holder !== undefined && holder !== this.self) {
      const queue = this.takeQueue();
      if (!(await tell(holder, turnWantedSignal, [this.self, ...queue]))) {
        this.join(queue);
        // The holder has ended since: most likely after its act, so the turn is free. Once per holder, since
        // one ended by hand leaves its act running.
        if (holder !== this.goneHolder) {
          this.goneHolder = holder;
          return;
        }
      } else {
        // The holder has the word now. If the same act still runs, it has it before the act's end, so it
        // will pass the turn on; otherwise the act ended meanwhile, and the holder may have ended too, before
        // reading it: try again at once.
        const still = await findTurnHolder(turnId).catch(() => null);
        if (still?.run !== act?.run) return;
      }
    }
    await condition(() => this.freed, recheckMs);
  }

  private takeQueue(): string[] {
    const queue = this.queue;
    this.queue = [];
    return queue;
  }

  /** Tells the first of `ids` still running that the turn is free, with the rest of them. */
  private async handOn(ids: readonly string[]): Promise<void> {
    for (let index = 0; index < ids.length; index += 1) {
      if (await tell(ids[index]!, turnFreeSignal, ids.slice(index + 1))) {
        this.successor = ids[index];
        return;
      }
    }
  }

  private join(ids: readonly string[]): void {
    for (const id of ids) if (id !== this.self && !this.queue.includes(id)) this.queue.push(id);
  }

  private async wanted(ids: readonly string[]): Promise<void> {
    if (this.place === 'waiting' || this.place === 'holding') return this.join(ids);
    if (this.place === 'gone') return;
    // This command's act has ended: they go after the command it handed the turn to, or take it now.
    if (this.successor !== undefined && (await tell(this.successor, turnWantedSignal, ids))) return;
    await this.handOn(ids);
  }

  private async free(rest: readonly string[]): Promise<void> {
    if (this.place === 'waiting') {
      this.freed = true;
      this.queue = [
        ...rest.filter((id) => id !== this.self),
        ...this.queue.filter((id) => !rest.includes(id)),
      ];
    } else if (this.place === 'holding') this.join(rest);
    // Word this command no longer waits for (it took the turn by looking again): the line goes on.
    else if (this.place === 'apart') await this.handOn(rest);
  }
}

/** Signals a command workflow; false if it no longer runs. */
async function tell(
  workflowId: string,
  signal: SignalDefinition<[readonly string[]]>,
  ids: readonly string[],
): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(workflowId).signal(signal, ids);
    return true;
  } catch {
    return false;
  }
}

const lines = new WeakMap<CommandState, TurnLine>();

/** The command's line, made (with its handlers) the first time it takes a turn. */
export function lineOf(state: CommandState, workflowId: string): TurnLine {
  let line = lines.get(state);
  if (!line) {
    line = new TurnLine(workflowId);
    lines.set(state, line);
  }
  return line;
}
