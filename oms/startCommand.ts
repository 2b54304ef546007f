import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Logger } from '../config/logger';
import { CHECK_COMMANDS, type PaymentCommand } from '../domain/commands';
import { concurrencyLimit } from '../domain/concurrency';
import { countAdmitted } from '../http/metrics';
import { PAYMENT_COMMAND_WORKFLOW, type PaymentCommandInput } from '../domain/paymentCommand';
import { commandVisibility, type CommandPlace } from '../workflows/commandVisibility';

export interface CommandStarter {
  readonly temporal: Client;
  readonly taskQueue: string;
  readonly logger: Logger;
}

export interface StartOptions extends CommandPlace {
  /** Derived from what decides the money (domain/workflowId.ts): a redelivery maps to the same id. */
  readonly workflowId: string;
}

/** How deep a door's reply context may nest: far beyond any payment model, far below what breaks a codec. */
export const MAX_NESTING = 32;

/** The largest command input Settle starts (JSON bytes), well within Temporal's default payload limit (2 MB). */
export const MAX_INPUT_BYTES = 512 * 1024;

/** How many workflow starts one API process has in flight at once; more wait their turn. */
export const MAX_CONCURRENT_STARTS = 16;

/**
 * A command that can never start, whatever the number of deliveries: the door answers its OMS that the
 * command is invalid (naming `path`, a dotted path in the door's reply context), never that it may retry.
 */
export class UnstartableCommandError extends Error {
  override readonly name = 'UnstartableCommandError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Starts a front door's payment command as its workflow — or finds it already started, for a redelivered
 * command. Resolves `started` or `redelivered`. A command nested deeper than MAX_NESTING or larger than
 * MAX_INPUT_BYTES throws UnstartableCommandError before Temporal is asked; any other failure is logged and
 * thrown, and the door answers its OMS that it may deliver the command again. The workflow starts with its search attributes and the
 * Web UI's summary and details, so an operator sees what it is about from its first moment.
 */
export async function startPaymentCommand(
  { temporal, taskQueue, logger }: CommandStarter,
  input: PaymentCommandInput,
  { workflowId, ...place }: StartOptions,
): Promise<'started' | 'redelivered'> {
  const { command, reference } = input;
  checkStartable(input);
  try {
    await startSlots.run(() =>
      temporal.workflow.start(PAYMENT_COMMAND_WORKFLOW, {
        workflowId,
        taskQueue,
        args: [input],
        ...startPolicy(command),
        ...commandVisibility(input, place, Date.now()),
      }),
    );
    logger.info('payment command accepted', { workflowId, reference, command, door: input.reply.door });
    countAdmitted(input.reply.door, command);
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      countAdmitted(input.reply.door, command);
      logger.info('payment command redelivered; already accepted', { workflowId, reference });
      return 'redelivered';
    }
    const { message, cause } = error as Error;
    logger.error('could not start the payment workflow', {
      workflowId,
      reference,
      error: message,
      cause: cause instanceof Error ? cause.message : undefined,
    });
    throw error;
  }
}

/**
 * A redelivered capture, refund or cancel must not act twice, even after its workflow finished. A validate
 * or revalidate only checks (a revalidate's new authorization carries the same idempotency key): a
 * redelivery while it runs joins the running check; the same check sent again later (pre-orders are
 * revalidated again days on) runs again and is answered again.
 */
function startPolicy(command: PaymentCommand) {
  return CHECK_COMMANDS.has(command)
    ? {
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      }
    : { workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE };
}

/** Throws UnstartableCommandError when the input is nested too deep or too large for Temporal. */
export function checkStartable(input: PaymentCommandInput): void {
  const deep = tooDeep(input.reply.context, 0);
  if (deep) {
    throw new UnstartableCommandError(deep.join('.'), `nested deeper than ${MAX_NESTING} levels`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(input));
  if (bytes > MAX_INPUT_BYTES) {
    const { context } = input.reply;
    const [largest] = Object.entries(typeof context === 'object' && context !== null ? context : {})
      .map(([key, value]) => [key, JSON.stringify(value)?.length ?? 0] as const)
      .sort(([, a], [, b]) => b - a);
    throw new UnstartableCommandError(
      largest?.[0] ?? '',
      `the command is ${bytes} bytes as JSON, more than the ${MAX_INPUT_BYTES} Settle starts`,
    );
  }
}

/** The path to the first value nested deeper than MAX_NESTING (an object or array is one level), if any. */
function tooDeep(value: unknown, depth: number): (string | number)[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_NESTING) return [];
  for (const [key, child] of Object.entries(value)) {
    const below = tooDeep(child, depth + 1);
    if (below) return [Array.isArray(value) ? Number(key) : key, ...below];
  }
  return undefined;
}

const startSlots = concurrencyLimit(MAX_CONCURRENT_STARTS);
