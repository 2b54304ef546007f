import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import type { Logger } from '../config/logger';
import type { Section } from '../config/setting';
import type { DoorWorkerContext, DoorWorkerPart, WorkerDoor } from '../worker/doors';
import type { CheckoutPageSettings } from '../domain/checkout';
import type { SettlementPolicies } from '../domain/settlement';
import type { RouteSet } from '../http/contract';
import type { ProviderRegistry } from '../providers/registry';

/**
 * A front door (oms/<door>/) is a plug-in: one declaration says everything it brings — its settings, its
 * routes, its part of the worker (a reporter that turns a command's outcome into the door's own message, its
 * activities), its command-line commands and the type of its reply context. The API, the worker, the
 * configuration and the command line take each door from the list in oms/index.ts and name none; the door's
 * workflows (WorkerDoor.workflows) go into the worker's bundle beside the core's.
 */

export type { Reporter, ReportRequest } from '../activities/reporter';
export type { DoorWorkerContext, DoorWorkerPart } from '../worker/doors';

/** The core's services a door's routes start commands with. */
export interface CoreServices {
  readonly temporal: Client;
  readonly taskQueue: string;
  readonly providers: ProviderRegistry;
  readonly logger: Logger;
  /** How long each command may take to settle and how its outcome is asked for. */
  readonly settlement: SettlementPolicies;
  /** The hosted payment page's settings; absent where Settle serves none (page checkouts are refused). */
  readonly checkoutPage?: CheckoutPageSettings;
}

/** What the command line hands a door's commands: how to load their settings, as every command does. */
export interface DoorCliKit<Config = unknown> {
  /** Temporal's settings and the door's own, from the environment and the parameters file. */
  loadConfig(): Config & { readonly TEMPORAL_TASK_QUEUE: string };
  /** A client of Settle's Temporal, with its data converter. */
  connectTemporal(config: Config): Promise<{ readonly client: Client; close(): Promise<void> }>;
}

/** One registration with an OMS, as `settle register` runs it now and its schedule repeats it. */
export interface Registration {
  /** The workflow, by its type name: the command line does not load workflow code. */
  readonly workflowType: string;
  readonly workflowId: string;
  readonly scheduleId: string;
  readonly args: unknown[];
  readonly summary: string;
  readonly every: string;
  readonly taskQueue: string;
  /** The door's answer, in words. */
  describe(result: unknown): string;
}

/**
 * What `settle register --door <door>` does for a door: it loads Temporal's settings and the door's own
 * section (FrontDoor.settings), and runs the registration they describe.
 */
export interface DoorRegistration<Config = unknown> {
  /** The OMS as the command's help names it: `MIB`. */
  readonly oms: string;
  /** What it registers, in the command's summary: `MIB's endpoint`. */
  readonly registers: string;
  /** What the command does, in its help: `registers Settle's payment endpoint with MIB (…)`. */
  readonly about: string;
  /** Its Temporal Schedule, and the setting that says how often it runs (both named in the help). */
  readonly scheduleId: string;
  readonly everySetting: string;
  /** The registration the settings describe; a ConfigError names a setting it needs and misses. */
  of(config: Config & { readonly TEMPORAL_TASK_QUEUE: string }): Registration;
}

/** What a door runs in the API process beside its routes (a queue consumer); closed as the API stops. */
export interface DoorApiPart {
  close(): Promise<void>;
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
  /**
   * What it runs in the API process beside its routes, started once the API listens (messages a shop sends
   * through a broker rather than over HTTP); undefined when its settings leave nothing to run.
   */
  api?(services: CoreServices & Deps, config: Config): DoorApiPart | undefined;
  /** Its part of the worker. */
  worker(context: DoorWorkerContext<Config>): DoorWorkerPart<Context>;
  /** How `settle register --door <name>` registers Settle with its OMS, if it has anything to register. */
  readonly registration?: DoorRegistration<Config>;
  /** Its `settle <command>` commands. */
  commands?(kit: DoorCliKit<Config>): readonly Command[];
}
