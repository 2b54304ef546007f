import type { PaymentCommand } from '../domain/commands';
import type { OutcomeReport } from '../domain/outcome';

/**
 * What the core asks of a front door once a command has an outcome: its reporter turns the outcome into the
 * door's own message. `Context` is what the door kept of the command.
 */

export interface ReportRequest<Context = unknown> {
  /** One per command run, stable across retries: the door's message id derives from it. */
  readonly reportId: string;
  readonly command: PaymentCommand;
  /** What the door kept of the command when it accepted it (ReplyContext.context). */
  readonly context: Context;
  readonly result: OutcomeReport;
}

export interface Reporter<Context = unknown> {
  /**
   * Delivers the outcome; resolves with what was reported, in the door's words, once its OMS has it. Throws
   * ReportRefusedError (domain/failures) when the OMS refuses the report itself; any other error is retried.
   */
  report(request: ReportRequest<Context>): Promise<string>;
}

/** The settlement policy of each command at a provider with or without a status API (config/). */
