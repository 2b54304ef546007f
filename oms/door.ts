import type { Client } from '@temporalio/client';
import type { ConfigOf } from '../config';
import type { Logger } from '../config/logger';
import type { PaymentCommand } from '../domain/commands';
import type { OrderAuthorization, OrderPaymentOpening } from '../domain/orderPayment';
import type { OutcomeReport } from '../domain/outcome';

/**
 * What every front door (oms/<door>/) gives the core: a reporter that turns a command's outcome into the
 * door's own message. The door's intake and routes stand beside it in its folder.
 */

export interface ReportRequest {
  /** One per command run, stable across retries: the door's message id derives from it. */
  readonly reportId: string;
  readonly command: PaymentCommand;
  /** What the door kept of the command when it accepted it (ReplyContext.context). */
  readonly context: unknown;
  readonly result: OutcomeReport;
}

/** How an order's authorization at checkout went, for doors whose shops authorize through Settle. */
export interface AuthorizationReportRequest {
  readonly reportId: string;
  readonly context: unknown;
  readonly opening: OrderPaymentOpening;
  readonly authorization: OrderAuthorization;
}

export interface Reporter {
  /**
   * Delivers the outcome; resolves with what was reported, in the door's words, once its OMS has it. Throws
   * ReportRefusedError (domain/failures) when the OMS refuses the report itself; any other error is retried.
   */
  report(request: ReportRequest): Promise<string>;
  /** For doors that authorize at checkout (workflows/orderPayment.ts): the same rules as report(). */
  reportAuthorization?(request: AuthorizationReportRequest): Promise<string>;
}

/** What the worker hands a door to build its part: its settings, and a Temporal client for doors that need one. */
export interface DoorWorkerContext {
  readonly config: ConfigOf<'mib' | 'spryker' | 'deity'>;
  readonly temporal: Client;
  readonly taskQueue: string;
  readonly logger: Logger;
}

/** What a door adds to the worker: its reporter and any activities of its own. */
export interface DoorWorkerPart {
  readonly reporter: Reporter;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- activities take and return the door's own types
  readonly activities?: Readonly<Record<string, (...args: any[]) => Promise<unknown>>>;
}

/** A front door: one entry of oms/index.ts. */
export interface FrontDoor {
  /** Its name in a command's reply context (ReplyContext.door) and in the SettleDoor search attribute. */
  readonly name: string;
  worker(context: DoorWorkerContext): DoorWorkerPart;
}
