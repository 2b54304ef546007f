import type { Client } from '@temporalio/client';
import type { Reporter } from '../activities/reporter';
import type { Logger } from '../config/logger';

/**
 * A front door as the worker sees it: a name and a part to add (a door's declaration holds the rest). The
 * process's entry hands the worker its doors; the worker names none.
 */

/** What the worker hands a door to build its part: its settings, and a Temporal client for doors that need one. */
export interface DoorWorkerContext<Config = unknown> {
  /** The loaded configuration, the door's own section included. */
  readonly config: Config;
  readonly temporal: Client;
  readonly taskQueue: string;
  readonly logger: Logger;
}

/** What a door adds to the worker: its reporter, any activities of its own, and what to close after it stops. */
export interface DoorWorkerPart<Context = unknown> {
  readonly reporter: Reporter<Context>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- activities take and return the door's own types
  readonly activities?: Readonly<Record<string, (...args: any[]) => Promise<unknown>>>;
  /** Called once the worker has stopped: connections the door opened (a broker's) are closed here. */
  close?(): Promise<void>;
}

/** What the worker takes of each front door. */
export interface WorkerDoor<Context = unknown, Config = unknown> {
  /** Its name in a command's reply context (ReplyContext.door) and in the SettleFacets search attribute (door:<name>). */
  readonly name: string;
  /**
   * The module that exports its workflows (`require.resolve('./workflows')`), if it has any: the worker's
   * bundle takes them beside the core's. A path, not an import: workflow code is bundled, never loaded here.
   */
  readonly workflows?: string;
  worker(context: DoorWorkerContext<Config>): DoorWorkerPart<Context>;
}
