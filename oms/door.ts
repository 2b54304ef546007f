import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import type { Logger } from '../config/logger';
import type { Section } from '../config/setting';
import type { DoorWorkerContext, DoorWorkerPart, WorkerDoor } from '../worker/doors';
import type { SettlementPolicies } from '../domain/settlement';
import type { RouteSet } from '../http/contract';
import type { ProviderRegistry } from '../providers/registry';

/**
 * A front door (oms/<door>/) is a plug-in: one declaration says everything it brings — its settings, its
 * routes, its part of the worker (a reporter that turns a command's outcome into the door's own message, its
 * activities), its command-line commands and the type of its reply context. The API, the worker, the
 * configuration and the command line take each door from the list in oms/index.ts and name none; the door's
 * workflows go into the worker's bundle through oms/workflows.ts.
 */

export type { AuthorizationReportRequest, Reporter, ReportRequest } from '../activities/reporter';
export type { DoorWorkerContext, DoorWorkerPart } from '../worker/doors';

/** The core's services a door's routes start commands with. */
export interface CoreServices {
  readonly temporal: Client;
  readonly taskQueue: string;
  readonly providers: ProviderRegistry;
  readonly logger: Logger;
  /** How long each command may take to settle and how its outcome is asked for. */
  readonly settlement: SettlementPolicies;
}

/** What the command line hands a door's commands: how to load their settings, as every command does. */
export interface DoorCliKit<Config = unknown> {
  /** Temporal's settings and the door's own, from the environment and the parameters file. */
  loadConfig(): Config & { readonly TEMPORAL_TASK_QUEUE: string };
  /** A client of Settle's Temporal, with its data converter. */
  connectTemporal(config: Config): Promise<{ readonly client: Client; close(): Promise<void> }>;
}

/**
 * A front door: one entry of oms/index.ts. `Context` is what it keeps of a command to answer it (its reply
 * context), `Config` the settings it reads, `Deps` what its routes need beside the core's services.
 */
export interface FrontDoor<Context = unknown, Config = unknown, Deps = unknown> extends WorkerDoor<
  Context,
  Config
> {
  /** Its section of the configuration (config/catalogue.ts lists it; docs/configuration.md shows it). */
  readonly settings?: Section;
  /** What its routes need of its settings, computed once when the API starts. */
  dependencies?(config: Config): Deps;
  /** Its routes, declared once for Express and the OpenAPI document (http/contract.ts). */
  routes?(services: CoreServices & Deps): RouteSet;
  /** Its part of the worker. */
  worker(context: DoorWorkerContext<Config>): DoorWorkerPart<Context>;
  /** Its `settle <command>` commands. */
  commands?(kit: DoorCliKit<Config>): readonly Command[];
}
