import type { Client } from '@temporalio/client';
import { Help, Option, type Command } from 'commander';
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
import { USES, loadConfig } from '../config';
import type { Section } from '../config/setting';
import { PAYMENT_COMMANDS } from '../domain/commands';
import { formatMoney } from '../domain/money';
import { EXIT, UsageError, declareUsage, runs, settleCommand } from './command';
import { connectTemporal } from '../config/temporalConnection';

/**
 * `settle payments …`: the operator API's `/payments` from a terminal, straight on Temporal with the same
 * operations (api/paymentOperations.ts) and the same checks of filters and resolutions.
 */
export function paymentsCommand(doors: readonly Section[] = []): Command {
  // The parameters file may hold the doors' keys, which this command knows but does not load.
  const temporal: Connect = () =>
    connectTemporal(loadConfig(undefined, { owners: USES['settle payments'], doors }));
  const group = settleCommand('payments', 'list, show and resolve payments; recheck one at the provider')
    .configureHelp({
      // Each subcommand with its whole usage line, its description beneath.
      subcommandTerm: (sub) => `settle payments ${sub.name()} ${sub.usage()}`,
      formatItem: (term, _width, description, helper) =>
        term.startsWith('settle ')
          ? `  ${term}\n      ${description}`
          : Help.prototype.formatItem.call(helper, term, term.length, description, helper),
    })
    .helpCommand(false)
    .addHelpText(
      'after',
      `\nPhases: ${phaseSchema.options.join(', ')}. Commands: ${PAYMENT_COMMANDS.join(', ')}.\n` +
        'Exit code 1 when the payment is not found or the request is refused (the message says why).',
    );
  for (const sub of [
    listCommand(temporal),
    showCommand(temporal),
    resolveCommand(temporal),
    signalCommand(
      temporal,
      'recheck',
      'ask the provider now instead of at the next scheduled check; a command stuck on a failed act, or ' +
        'ended without an outcome, acts again with the same idempotency key',
      recheckPayment,
      'asked the provider again',
    ),
    signalCommand(
      temporal,
      'retry-notification',
      'deliver again a notification MIB refused, once its cause is fixed',
      retryNotification,
      'asked the workflow to deliver the notification again',
    ),
  ])
    group.addCommand(sub);
  return declareUsage(group);
}

function listCommand(temporal: Connect): Command {
  const command = settleCommand(
    'list',
    `payments from Temporal visibility (a moment behind), at most --limit (default ${LIST_LIMIT.default})`,
  )
    .option('--stuck', 'only stuck payments (--phase stuck)')
    .option('--phase <phase>', `only payments in this phase: ${phaseSchema.options.join(', ')}`)
    .option('--command <command>', `only this command: ${PAYMENT_COMMANDS.join(', ')}`)
    .option('--provider <provider>', 'only payments at this provider')
    .addOption(new Option('--outcome <settled|declined>', 'only payments with this outcome'))
    .option('--reference <reference>', "only the payments of this reference (the payment's)")
    .option('--order <order id>', 'only the payments of this order')
    .option('--open', 'only running workflows')
    .option('--closed', 'only ended workflows')
    .option('--limit <n>', `at most this many (at most ${LIST_LIMIT.max})`)
    .option('--json', 'as JSON, as GET /payments answers');
  declareUsage(command, {
    alternatives: [
      ['stuck', 'phase'],
      ['open', 'closed'],
    ],
  });
  return runs(command, async (options: ListOptions) => {
    if (options.stuck && options.phase !== undefined && options.phase !== 'stuck')
      throw new UsageError(`--stuck and --phase ${options.phase} contradict each other`, command);
    if (options.open && options.closed)
      throw new UsageError('--open and --closed exclude each other', command);
    const filter = valid(
      command,
      paymentListFilterSchema,
      {
        phase: options.stuck ? 'stuck' : options.phase,
        command: options.command,
        provider: options.provider,
        outcome: options.outcome,
        reference: options.reference,
        orderId: options.order,
        status: options.open ? 'open' : options.closed ? 'closed' : undefined,
        limit: options.limit,
      },
      { orderId: 'order', status: 'open/--closed' },
    );
    return withTemporal(temporal, async (client) => {
      const found = await listPayments(client, filter);
      console.log(options.json ? JSON.stringify(found, null, 2) : paymentTable(found));
      return EXIT.ok;
    });
  });
}

interface ListOptions {
  readonly stuck?: boolean;
  readonly phase?: string;
  readonly command?: string;
  readonly provider?: string;
  readonly outcome?: string;
  readonly reference?: string;
  readonly order?: string;
  readonly open?: boolean;
  readonly closed?: boolean;
  readonly limit?: string;
  readonly json?: boolean;
}

function showCommand(temporal: Connect): Command {
  const command = settleCommand(
    'show',
    'phase, outcome, attempts, last error, provider references, calls in progress and the timeline',
  )
    .argument('<workflow id>')
    .option('--json', 'as JSON, as GET /payments/<workflow id> answers');
  declareUsage(command);
  return runs(command, async (workflowId: string, options: { json?: boolean }) =>
    withTemporal(temporal, async (client) => {
      const payment = await showPayment(client, workflowId);
      console.log(options.json ? JSON.stringify(payment, null, 2) : describePayment(payment));
      return EXIT.ok;
    }),
  );
}

function resolveCommand(temporal: Connect): Command {
  const command = settleCommand(
    'resolve',
    'decide the outcome the provider never reported; the OMS then gets the matching report',
  )
    .argument('<workflow id>')
    .addOption(new Option(`--outcome <${resolutionSchema.shape.outcome.options.join('|')}>`, 'the outcome'))
    .option('--reason <why>', 'why, for the record')
    .option('--operator <name>', 'who decides')
    .option(
      '--force',
      'decline although the provider still has the command pending or cannot be asked (never one it settled)',
    );
  // The resolution's schema requires and checks them, so that its refusals read as the API's.
  declareUsage(command, { required: ['outcome', 'reason', 'operator'] });
  return runs(command, async (workflowId: string, options: Record<string, string | true | undefined>) => {
    const resolution = valid(command, resolutionSchema, {
      outcome: options.outcome,
      reason: options.reason,
      operator: options.operator,
      ...(options.force ? { force: true } : {}),
    });
    return withTemporal(temporal, async (client) => {
      await resolvePayment(client, workflowId, resolution);
      console.log(
        `resolved ${workflowId} as ${resolution.outcome} (by ${resolution.operator}); ` +
          `the report to the OMS follows: settle payments show ${workflowId}`,
      );
      return EXIT.ok;
    });
  });
}

function signalCommand(
  temporal: Connect,
  name: string,
  summary: string,
  send: (client: Client, workflowId: string) => Promise<void>,
  done: string,
): Command {
  const command = declareUsage(settleCommand(name, summary).argument('<workflow id>'));
  return runs(command, async (workflowId: string) =>
    withTemporal(temporal, async (client) => {
      await send(client, workflowId);
      console.log(`${done}; the timeline shows what follows: settle payments show ${workflowId}`);
      return EXIT.ok;
    }),
  );
}

/** The input as the schema parses it; a refusal names the option, e.g. `--phase: Invalid option: …`. */
function valid<S extends z.ZodType>(
  command: Command,
  schema: S,
  input: unknown,
  optionOf: Record<string, string> = {},
) {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data as z.output<S>;
  const lines = parsed.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? '');
    return `--${optionOf[field] ?? field}: ${issue.message}`;
  });
  throw new UsageError(lines.join('\n'), command);
}

/** Connects to Settle's Temporal with the command's settings. */
type Connect = () => Promise<{ readonly client: Client; close(): Promise<void> }>;

async function withTemporal(connect: Connect, work: (client: Client) => Promise<number>): Promise<number> {
  const temporal = await connect();
  try {
    return await work(temporal.client);
  } finally {
    await temporal.close();
  }
}

/** Seconds are enough for a person. */
const time = (iso: string | undefined) => (iso ?? '').replace(/\.\d{3}Z$/, 'Z');

function paymentTable({ payments, more, query }: PaymentList): string {
  if (payments.length === 0) return `no payments match ${query}`;
  const header = ['PHASE', 'OUTCOME', 'COMMAND', 'AMOUNT', 'PROVIDER', 'STATUS', 'STARTED', 'WORKFLOW ID'];
  const rows = payments.map((p) => [
    p.phase ?? '-',
    p.outcome ?? '-',
    p.command ?? '-',
    p.amountMinor !== undefined && p.currency
      ? formatMoney({ minor: p.amountMinor, currency: p.currency })
      : '-',
    p.provider ?? '-',
    p.status,
    time(p.startTime),
    p.stuckReason ? `${p.workflowId}  (stuck: ${p.stuckReason})` : p.workflowId,
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
    [
      'command',
      `${p.command} ${formatMoney({ minor: p.amountMinor, currency: p.currency })} at ${p.provider}`,
    ],
    ['phase', p.stuckReason ? `${p.phase}: ${p.stuckReason}` : p.phase],
    ['outcome', p.outcome ?? 'not known yet'],
    [
      'resolution',
      p.resolution &&
        `${p.resolution.outcome}${p.resolution.force ? ' (forced)' : ''} by ${p.resolution.operator} ` +
          `at ${time(p.resolution.at)}: ${p.resolution.reason}`,
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
    ['waiting for', p.waitingFor],
    ['next step', p.nextStep],
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
