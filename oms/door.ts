import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import type { Logger } from '../config/logger';
import type { Section } from '../config/setting';
import type { PaymentCommand } from '../domain/commands';
import type { OrderAuthorization, OrderPaymentOpening } from '../domain/orderPayment';
import type { OutcomeReport } from '../domain/outcome';
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

export interface ReportRequest<Context = unknown> {
  /** One per command run, stable across retries: the door's message id derives from it. */
  readonly reportId: string;
  readonly command: PaymentCommand;
  /** What the door kept of the command when it accepted it (ReplyContext.context). */
  readonly context: Context;
  readonly result: OutcomeReport;
}

/** How an order's authorization at checkout went, for doors whose shops authorize through Settle. */
export interface AuthorizationReportRequest<Context = unknown> {
  readonly reportId: string;
  readonly context: Context;
  readonly opening: OrderPaymentOpening;
  readonly authorization: OrderAuthorization;
}

export interface Reporter<Context = unknown> {
  /**
   * Delivers the outcome; resolves with what was reported, in the door's words, once its OMS has it. Throws
   * ReportRefusedError (domain/failures) when the OMS refuses the report itself; any other error is retried.
   */
  report(request: ReportRequest<Context>): Promise<string>;
  /** For doors that authorize at checkout (workflows/orderPayment.ts): the same rules as report(). */
  reportAuthorization?(request: AuthorizationReportRequest<Context>): Promise<string>;
}

/** The settlement policy of each command at a provider with or without a status API (config/). */

/** The core's services a door's routes start commands with. */
export interface CoreServices {
  readonly temporal: Client;
  readonly taskQueue: string;
  readonly providers: ProviderRegistry;
  readonly logger: Logger;
  /** How long each command may take to settle and how its outcome is asked for. */
  readonly settlement: SettlementPolicies;
}

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
export interface FrontDoor<Context = unknown, Config = unknown, Deps = unknown> {
  /** Its name in a command's reply context (ReplyContext.door) and in the SettleDoor search attribute. */
  readonly name: string;
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
