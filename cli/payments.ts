import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import {
  listPayments,
  recheckPayment,
  resolvePayment,
  retryNotification,
  showPayment,
} from '../api/paymentOperations';
import {
  LIST_LIMIT,
  paymentListFilterSchema,
  phaseSchema,
  resolutionSchema,
  type PaymentDetails,
  type PaymentList,
} from '../api/paymentSchemas';
import { loadConfig } from '../config';
import { PAYMENT_COMMANDS } from '../domain/commands';
import { minorUnitDigits } from '../domain/money';
import { EXIT, UsageError, parseOptionsAndArguments, type Command } from './command';
import { connectTemporal } from './temporal';

/**
 * `settle payments …`: the operator API's `/payments` from a terminal, straight on Temporal with the same
 * operations (api/paymentOperations.ts) and the same checks of filters and resolutions.
 */

const USAGE = `Usage: settle payments <list | show | resolve | recheck | retry-notification> …

  settle payments list [--stuck | --phase <phase>] [--command <command>] [--provider <provider>]
                       [--outcome settled|declined] [--reference <reference>] [--order <order id>]
                       [--open | --closed] [--limit <n>] [--json]
      payments from Temporal visibility (a moment behind), at most --limit (default ${LIST_LIMIT.default})
  settle payments show <workflow id> [--json]
      phase, outcome, attempts, last error, provider references, calls in progress and the timeline
  settle payments resolve <workflow id> --outcome settled|declined --reason "<why>" --operator <name>
      decide the outcome the provider never reported; MIB then gets the matching notification
  settle payments recheck <workflow id>
      ask the provider now instead of at the next scheduled check
  settle payments retry-notification <workflow id>
      deliver again a notification MIB refused, once its cause is fixed
  -h, --help    this text

Phases: ${phaseSchema.options.join(', ')}. Commands: ${PAYMENT_COMMANDS.join(', ')}.
Exit code 1 when the payment is not found or the request is refused (the message says why).`;

type Options = Parameters<typeof parseOptionsAndArguments>[1];

export const paymentsCommand: Command = {
  summary: 'list, show and resolve payments; recheck one at the provider',
  usage: USAGE,
  async run(args) {
    const [subcommand, ...rest] = args;
    switch (subcommand) {
      case 'list':
        return list(rest);
      case 'show':
        return show(rest);
      case 'resolve':
        return resolve(rest);
      case 'recheck':
        return signal(rest, recheckPayment, 'asked the provider again');
      case 'retry-notification':
        return signal(rest, retryNotification, 'asked the workflow to deliver the notification again');
      case '-h':
      case '--help':
        return help();
      case undefined:
        throw new UsageError('no subcommand given');
      default:
        throw new UsageError(`unknown subcommand "${subcommand}"`);
    }
  },
};

function help(): number {
  console.log(USAGE);
  return EXIT.ok;
}

/** The options, and the workflow id when the subcommand takes one; a wrong count is a usage error. */
function commandLine<O extends Options>(args: string[], options: O, takesWorkflowId: boolean) {
  const { values, positionals } = parseOptionsAndArguments(args, options);
  if (!(values as { help?: boolean }).help) {
    if (takesWorkflowId && positionals.length === 0) throw new UsageError('the workflow id is missing');
    const extra = positionals[takesWorkflowId ? 1 : 0];
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  }
  return { values, workflowId: positionals[0]! };
}

/** The input as the schema parses it; a refusal names the option, e.g. `--phase: Invalid option: …`. */
function valid<S extends z.ZodType>(schema: S, input: unknown, optionOf: Record<string, string> = {}) {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data as z.output<S>;
  const lines = parsed.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? '');
    return `--${optionOf[field] ?? field}: ${issue.message}`;
  });
  throw new UsageError(lines.join('\n'));
}

async function withTemporal(work: (client: Client) => Promise<number>): Promise<number> {
  const temporal = await connectTemporal(loadConfig());
  try {
    return await work(temporal.client);
  } finally {
    await temporal.close();
  }
}

const string = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;

async function list(args: string[]): Promise<number> {
  const { values } = commandLine(
    args,
    {
      stuck: flag,
      phase: string,
      command: string,
      provider: string,
      outcome: string,
      reference: string,
      order: string,
      open: flag,
      closed: flag,
      limit: string,
      json: flag,
    },
    false,
  );
  if (values.help) return help();
  if (values.stuck && values.phase !== undefined && values.phase !== 'stuck')
    throw new UsageError(`--stuck and --phase ${values.phase} contradict each other`);
  if (values.open && values.closed) throw new UsageError('--open and --closed exclude each other');
  const filter = valid(
    paymentListFilterSchema,
    {
      phase: values.stuck ? 'stuck' : values.phase,
      command: values.command,
      provider: values.provider,
      outcome: values.outcome,
      reference: values.reference,
      orderId: values.order,
      status: values.open ? 'open' : values.closed ? 'closed' : undefined,
      limit: values.limit,
    },
    { orderId: 'order', status: 'open/--closed' },
  );
  return withTemporal(async (client) => {
    const found = await listPayments(client, filter);
    console.log(values.json ? JSON.stringify(found, null, 2) : paymentTable(found));
    return EXIT.ok;
  });
}

async function show(args: string[]): Promise<number> {
  const { values, workflowId } = commandLine(args, { json: flag }, true);
  if (values.help) return help();
  return withTemporal(async (client) => {
    const payment = await showPayment(client, workflowId);
    console.log(values.json ? JSON.stringify(payment, null, 2) : describePayment(payment));
    return EXIT.ok;
  });
}

async function resolve(args: string[]): Promise<number> {
  const { values, workflowId } = commandLine(
    args,
    { outcome: string, reason: string, operator: string },
    true,
  );
  if (values.help) return help();
  const resolution = valid(resolutionSchema, {
    outcome: values.outcome,
    reason: values.reason,
    operator: values.operator,
  });
  return withTemporal(async (client) => {
    await resolvePayment(client, workflowId, resolution);
    console.log(
      `resolved ${workflowId} as ${resolution.outcome} (by ${resolution.operator}); ` +
        `the notification to MIB follows: settle payments show ${workflowId}`,
    );
    return EXIT.ok;
  });
}

async function signal(
  args: string[],
  send: (client: Client, workflowId: string) => Promise<void>,
  done: string,
): Promise<number> {
  const { values, workflowId } = commandLine(args, {}, true);
  if (values.help) return help();
  return withTemporal(async (client) => {
    await send(client, workflowId);
    console.log(`${done}; the timeline shows what follows: settle payments show ${workflowId}`);
    return EXIT.ok;
  });
}

/** Seconds are enough for a person. */
const time = (iso: string | undefined) => (iso ?? '').replace(/\.\d{3}Z$/, 'Z');

function paymentTable({ payments, more, query }: PaymentList): string {
  if (payments.length === 0) return `no payments match ${query}`;
  const header = ['PHASE', 'OUTCOME', 'COMMAND', 'PROVIDER', 'STATUS', 'STARTED', 'WORKFLOW ID'];
  const rows = payments.map((p) => [
    p.phase ?? '-',
    p.outcome ?? '-',
    p.command ?? '-',
    p.provider ?? '-',
    p.status,
    time(p.startTime),
    p.workflowId,
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  const footer = more
    ? `the first ${payments.length}; more match (narrow the filter or raise --limit)`
    : `${payments.length} payment${payments.length === 1 ? '' : 's'}`;
  return [line(header), ...rows.map(line), footer].join('\n');
}

function describePayment(p: PaymentDetails): string {
  const { execution } = p;
  const since = execution.closeTime
    ? `, ended ${time(execution.closeTime)}`
    : ` since ${time(execution.startTime)}`;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const fields: [string, string | undefined][] = [
    ['reference', p.reference],
    ['command', `${p.command} ${amount(p.amountMinor, p.currency)} at ${p.provider}`],
    ['phase', p.stuckReason ? `${p.phase}: ${p.stuckReason}` : p.phase],
    ['outcome', p.outcome ?? 'not known yet'],
    [
      'resolution',
      p.resolution &&
        `${p.resolution.outcome} by ${p.resolution.operator} at ${time(p.resolution.at)}: ${p.resolution.reason}`,
    ],
    ['authorization', p.newTransactionId ? `${p.transactionId} → ${p.newTransactionId}` : p.transactionId],
    ['operation', p.operationId],
    [
      'attempts',
      `${plural(p.attempts.provider, 'provider call')}, ${plural(p.attempts.statusChecks, 'status check')}, ` +
        plural(p.attempts.notifications, 'notification'),
    ],
    ['last error', p.lastError],
    ['deadline', p.outcome ? undefined : time(p.deadline)],
    ['next check', p.nextCheckAt && time(p.nextCheckAt)],
    ...p.pendingActivities.map((a): [string, string] => [
      'in progress',
      `${a.activity} (${a.state}), attempt ${a.attempt}` +
        (a.lastFailure ? `; last failure: ${a.lastFailure}` : '') +
        (a.nextAttemptAt ? `; next attempt ${time(a.nextAttemptAt)}` : ''),
    ]),
  ];
  return [
    `${p.workflowId}  (${execution.status}${since}, run ${execution.runId})`,
    ...fields
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `  ${name.padEnd(15)}${value}`),
    'timeline',
    ...p.timeline.map((entry) => `  ${time(entry.at)}  ${entry.what}`),
  ].join('\n');
}

/** 4990 EUR → "49.90 EUR", exactly (no floating point). */
function amount(minor: number, currency: string): string {
  const digits = minorUnitDigits(currency) ?? 0;
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const major = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return `${minor < 0 ? '-' : ''}${major} ${currency}`;
}
