import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChart } from './chart';
import type { BaselineRun, SettleRun, WaitingRun } from './phases';
import type { Census } from './census';
import type { ContendedRun } from './contended';
import type { Engine } from './engines';
import type { ShopRun } from './shopRun';
import type { RestartRun } from './restart';
import type { Percentiles } from './stats';
import type { ServerCounts } from './serverCounts';
import type { WorkPerCommand } from './work';

/** The benchmark's results: one JSON document, its Markdown tables and the chart, in one folder. */

export interface LevelResult {
  readonly concurrency: number;
  readonly settle: SettleRun;
  readonly baseline: BaselineRun;
  /** Settle's commands/s ÷ the baseline's workflows/s. */
  readonly ratio: number;
  /** The Spryker door in rounds beside MIB's (absent when the run sent no Spryker commands). */
  readonly spryker?: ShopRun;
  /** The Deity door in rounds after Spryker's (absent when the run sent no Deity commands). */
  readonly deity?: ShopRun;
}

/** A steady-rate run: Settle's commands and, at the same offered rate, bare workflow starts. */
export interface PacedRun {
  readonly rate: number;
  readonly settle: SettleRun;
  /** Bare starts of the baseline's workflow at the same rate, each timed (absent in older reports). */
  readonly baseline?: BaselineRun;
  /** The rate with headroom: half the saturation the concurrency levels measured. */
  readonly headroom?: boolean;
  /** The rate as a fraction of `saturation`, the most commands per second a concurrency level carried. */
  readonly saturationFraction?: number;
  readonly saturation?: number;
}

/** The bare baseline beside the baseline with a turn (its first activity in a child workflow). */
export interface TurnCost {
  readonly bare: BaselineRun;
  readonly withTurn: BaselineRun;
}

export interface Target {
  readonly target: string;
  readonly value: string;
  readonly met: boolean;
}

export interface BenchReport {
  /** The Temporal engine measured (engines.ts). */
  readonly engine: Engine;
  /** Settle's worker processes, and the baseline's. */
  readonly workers: number;
  readonly generatedAt: string;
  readonly machine: Record<string, string | number>;
  /** 1, 5 and 15-minute load averages: the machine is shared, and this says how busy it was. */
  readonly loadAverage: { readonly before: number[]; readonly after: number[] };
  readonly settings: Record<string, unknown>;
  readonly levels: readonly LevelResult[];
  /** Steady-rate runs, one per rate. */
  readonly paced: readonly PacedRun[];
  readonly turnCost?: TurnCost;
  /** Commands contending for their payment's turn (contended.ts). */
  readonly contended?: ContendedRun;
  readonly restarts?: RestartRun;
  readonly waiting?: WaitingRun;
  /** The server's work per command of each door, from the histories of a small batch (census.ts). */
  readonly census?: Census;
  /** Over every run, warm-up included, counted again at the end (late duplicates too). */
  readonly totals: {
    readonly commands: number;
    readonly lost: number;
    readonly duplicated: number;
    readonly unexpected: number;
    readonly refused: number;
    readonly webhookRedeliveries: number;
    readonly providerCallsRepeated: number;
  };
  /** The Spryker door over every run: orders placed, commands sent, and their events at the shop. */
  readonly sprykerTotals: {
    readonly orders: number;
    readonly commands: number;
    readonly lost: number;
    readonly duplicated: number;
    readonly unexpected: number;
    readonly refused: number;
    /** Fetches and acknowledgements of payment-events not answered 200 (the shop retries them). */
    readonly fetchFailures: number;
  };
  /** The Deity door over every run: orders validated, commands sent, and their events at the shop. */
  readonly deityTotals: {
    readonly orders: number;
    readonly commands: number;
    readonly lost: number;
    /** A second event of one status for one order, under another messageId. */
    readonly duplicated: number;
    /** Messages whose messageId came before (a retried publish, a redelivery): dropped, no duplicate. */
    readonly redelivered: number;
    /** Messages on the profile's queue that were no PAYMENT_STATUS_UPDATED event. */
    readonly unparseable: number;
    readonly unexpected: number;
    readonly refused: number;
  };
  readonly targets: readonly Target[];
}

/** CPU of the Temporal engine (the server, and PostgreSQL on the cluster) per command or workflow, in ms. */
export function engineMsPer(cpuSeconds: Record<string, number>, count: number): number {
  const seconds = (cpuSeconds['Temporal server'] ?? 0) + (cpuSeconds.PostgreSQL ?? 0);
  return count > 0 ? (seconds * 1000) / count : 0;
}

const span = (values: readonly number[]) => {
  const low = Math.min(...values).toFixed(2);
  const high = Math.max(...values).toFixed(2);
  return low === high ? low : `${low}–${high}`;
};

export function targetsOf(report: Omit<BenchReport, 'targets'>): Target[] {
  const targets: Target[] = [];
  const { levels } = report;
  if (levels.length > 0) {
    const cpu = levels.map(({ concurrency, settle, baseline }) => {
      const command = engineMsPer(settle.cpuSeconds, settle.commands);
      const workflow = engineMsPer(baseline.cpuSeconds, baseline.workflows);
      return { concurrency, command, workflow, ratio: workflow > 0 ? command / workflow : Infinity };
    });
    targets.push({
      target:
        "MIB: Temporal engine CPU per command ≤ 1.4 × the baseline's per workflow, at every concurrency level",
      value: `${span(cpu.map((level) => level.ratio))} by level (${cpu.map((level) => `${level.command.toFixed(1)} vs ${level.workflow.toFixed(1)} ms at ${level.concurrency}`).join(', ')})`,
      met: cpu.every((level) => level.ratio <= 1.4),
    });
    targets.push({
      target: "MIB: Settle's throughput ≥ 0.7 × the baseline's, at every concurrency level",
      value: `${span(levels.map((level) => level.ratio))} by level`,
      met: levels.every((level) => level.ratio >= 0.7),
    });
    for (const door of [
      { key: 'spryker', name: 'Spryker' },
      { key: 'deity', name: 'Deity' },
    ] as const) {
      const measured = levels.filter((level) => level[door.key]);
      if (measured.length === 0) continue;
      const ratios = measured.map((level) => {
        const { commands } = level[door.key]!;
        const mib = engineMsPer(level.settle.cpuSeconds, level.settle.commands);
        const ours = engineMsPer(commands.cpuSeconds, commands.commands);
        return { concurrency: level.concurrency, ours, mib, ratio: mib > 0 ? ours / mib : Infinity };
      });
      targets.push({
        target: `${door.name}: Temporal engine CPU per command ≤ 1.4 × a MIB command's, at every concurrency level`,
        value: `${span(ratios.map((level) => level.ratio))} by level (${ratios.map((level) => `${level.ours.toFixed(1)} vs ${level.mib.toFixed(1)} ms at ${level.concurrency}`).join(', ')})`,
        met: ratios.every((level) => level.ratio <= 1.4),
      });
    }
  }
  const headroom = report.paced.find((run) => run.headroom);
  if (headroom) {
    const { settle, baseline, rate } = headroom;
    if (baseline) {
      const ratio = settle.ackMs.p99 / baseline.startMs.p99;
      targets.push({
        target: `API acknowledgement p99 ≤ 1.5 × a bare start p99 at half the saturation (${rate} commands/s)`,
        value: `${ratio.toFixed(2)} (${settle.ackMs.p99} vs ${baseline.startMs.p99} ms)`,
        met: ratio <= 1.5,
      });
    }
    const webhookDelayMs = Number(report.settings.webhookDelayMs);
    targets.push({
      target: `command → notification p50 ≤ the webhook's delay + 150 ms (${webhookDelayMs + 150} ms) at half the saturation`,
      value: `${settle.notifyMs.p50} ms (p99 ${settle.notifyMs.p99} ms)`,
      met: settle.notifyMs.p50 <= webhookDelayMs + 150,
    });
  }
  const { lost, duplicated } = report.totals;
  targets.push({
    target: '0 lost, 0 duplicated notifications at every load',
    value: `${lost} lost, ${duplicated} duplicated`,
    met: lost === 0 && duplicated === 0,
  });
  const spryker = report.sprykerTotals;
  if (spryker.orders > 0)
    targets.push({
      target: '0 lost, 0 duplicated Spryker events at every load',
      value: `${spryker.lost} lost, ${spryker.duplicated} duplicated`,
      met: spryker.lost === 0 && spryker.duplicated === 0,
    });
  const deity = report.deityTotals;
  if (deity.orders > 0)
    targets.push({
      target: '0 lost, 0 duplicated Deity events at every load',
      value: `${deity.lost} lost, ${deity.duplicated} duplicated (${deity.redelivered} redeliveries dropped by messageId)`,
      met: deity.lost === 0 && deity.duplicated === 0,
    });
  if (report.waiting) {
    const { worker, waiting } = report.waiting;
    targets.push({
      target: `worker RSS ≤ 400 MB throughout the ${waiting}-waiting phase, intake peak included`,
      value: `${worker.rssWhileWaitingMb} MB waiting, ${worker.peakRssMb} MB peak`,
      met: Math.max(worker.rssWhileWaitingMb, worker.peakRssMb) <= 400,
    });
  }
  if (report.contended) {
    const { waitAfterFirstMs, measured, pairs, outOfOrder } = report.contended;
    targets.push({
      target:
        "contended: the second command's act starts ≤ 1 s (p99) after the first's ends, in arrival order",
      value: `${waitAfterFirstMs.p99} ms p99, ${waitAfterFirstMs.p50} ms p50 (${measured} of ${pairs} pairs measured, ${outOfOrder} out of arrival order)`,
      met: measured === pairs && outOfOrder === 0 && waitAfterFirstMs.p99 <= 1000,
    });
  }
  if (report.restarts) {
    const slowest = Math.max(...report.restarts.pollMs);
    targets.push({
      target: 'a restarted worker polls again within 3 s',
      value: `${report.restarts.pollMs.join(', ')} ms over ${report.restarts.restarts} restarts`,
      met: slowest <= 3000,
    });
  }
  return targets;
}

const triple = (p: Percentiles) => `${p.p50} / ${p.p95} / ${p.p99}`;

/** CPU time per command (or workflow) in ms, by process: "worker 21.0, Temporal server 44.1, …". */
export const cpuPerCommand = (cpu: Record<string, number>, count: number) =>
  Object.entries(cpu)
    .filter(([, seconds]) => seconds > 0.005)
    .map(([name, seconds]) => `${name} ${((seconds * 1000) / count).toFixed(1)}`)
    .join(', ');

/** Peak resident memory by process (MB): "worker 180, api 95, Temporal server 140, PostgreSQL 60". */
export const memoryByProcess = (peakRssMb: Record<string, number>) =>
  Object.entries(peakRssMb)
    .map(([name, mb]) => `${name} ${Math.round(mb)}`)
    .join(', ') || '?';

const workersOf = (count: number) => `${count} worker${count === 1 ? '' : 's'}`;

/** "cluster, 2 workers": one measurement of a run. */
export const variantOf = (report: Pick<BenchReport, 'engine' | 'workers'>) =>
  `${report.engine}, ${workersOf(report.workers)}`;

export function markdownOf(report: BenchReport): string {
  const { machine, loadAverage, settings } = report;
  const lines = [
    `# Settle benchmark (${variantOf(report)}), ${report.generatedAt}`,
    '',
    `One run of \`npm run bench\` on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGb} GB), ${machine.os}, Node ${machine.node}; Temporal: ${machine.temporal}; ${workersOf(report.workers)} for Settle and as many for the baseline.`,
    `Load average (1/5/15 min) before ${loadAverage.before.join(' / ')}, after ${loadAverage.after.join(' / ')}: the machine is shared, so the figures are noisy.`,
    `Mix: ${settings.mixDescription}. Gateway webhooks after ${settings.webhookDelayMs} ms. Log level ${settings.logLevel}.${settings.nodeOptions ? ` The API and the workers run compiled with \`NODE_OPTIONS=${String(settings.nodeOptions)}\`, as the image sets.` : ''}${settings.workerEnvTried ? ` Workers tried with ${String(settings.workerEnvTried)}.` : ''}`,
    '',
    '## Throughput and latency against concurrency',
    '',
    `${settings.commands} commands per level (Settle) and as many workflows with ${settings.activitiesPerCommand} no-op activities each (baseline), in ${settings.rounds} alternating rounds each. Throughput counts from the first request to the last notification (Settle) or the last workflow's close (baseline). Latencies in ms, p50 / p95 / p99.`,
    '',
    "The concurrency bounds the requests awaiting their acknowledgement, not the commands Settle is still carrying: the command → notification time here includes the backlog the harness itself builds (commands accepted faster than they finish), so it is no latency of Settle's. Latency is measured at steady rates below the saturation ([Latency at fractions of the saturation](#latency-at-fractions-of-the-saturation)).",
    '',
    '| concurrency | Settle commands/s | baseline workflows/s | ratio | API ack | command → notification, backlog included | baseline start | baseline start → close | peak RSS (MB) by process | lost | duplicated |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
    ...report.levels
      .map(({ concurrency, settle, baseline, ratio }) =>
        [
          concurrency,
          settle.throughput,
          baseline.throughput,
          ratio.toFixed(2),
          triple(settle.ackMs),
          triple(settle.notifyMs),
          triple(baseline.startMs),
          triple(baseline.completeMs),
          memoryByProcess(settle.peakRssMb),
          settle.lost,
          settle.duplicated,
        ].join(' | '),
      )
      .map((row) => `| ${row} |`),
  ];
  if (report.levels.length > 0) {
    lines.push(
      '',
      '## Where the CPU goes',
      '',
      'CPU time per command (Settle) or workflow (baseline) in ms, by process, from /proc: what holds throughput back. PostgreSQL counts every one of its processes (the postmaster, its backends and background workers).',
      '',
      '| concurrency | Settle | baseline |',
      '| ---: | --- | --- |',
      ...report.levels.map(
        ({ concurrency, settle, baseline }) =>
          `| ${concurrency} | ${cpuPerCommand(settle.cpuSeconds, settle.commands)} | ${cpuPerCommand(baseline.cpuSeconds, baseline.workflows)} |`,
      ),
    );
  }
  lines.push(...doorsMarkdown(report), ...censusMarkdown(report), ...fractionsMarkdown(report));
  if (report.paced.length > 0) {
    lines.push(
      '',
      '## At a steady rate',
      '',
      `Commands sent at a fixed pace for ${settings.pacedSeconds} s each, whatever the answers take (open loop, as MIB forwards what the OMS produces). Where the machine cannot carry the rate, the backlog grows and so does every latency.`,
      '',
      'Before each, as many bare workflow starts at the same rate (the baseline\'s, started with the client and timed): what the acknowledgement is compared with. The rate marked "half saturation" is half the most the concurrency levels carried.',
      '',
      '| offered commands/s | commands | carried commands/s | API ack p50 / p95 / p99 / max | bare start p50 / p95 / p99 / max | ack p99 ÷ start p99 | command → notification p50 / p95 / p99 | Temporal engine CPU (ms/command) | peak RSS (MB) by process | lost | duplicated |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
      ...report.paced.map(
        ({ rate, settle, baseline, headroom: half }) =>
          `| ${rate}${half ? ' (half saturation)' : ''} | ${settle.commands} | ${settle.throughput} | ${triple(settle.ackMs)} / ${settle.ackMs.max} | ${baseline ? `${triple(baseline.startMs)} / ${baseline.startMs.max}` : '–'} | ${baseline ? (settle.ackMs.p99 / baseline.startMs.p99).toFixed(2) : '–'} | ${triple(settle.notifyMs)} | ${engineMsPer(settle.cpuSeconds, settle.commands).toFixed(1)} | ${memoryByProcess(settle.peakRssMb)} | ${settle.lost} | ${settle.duplicated} |`,
      ),
    );
  }
  lines.push(...turnCostMarkdown(report), ...contendedMarkdown(report), ...restartMarkdown(report));
  if (report.waiting) {
    const { waiting, payments, intake, worker, settleSeconds, settledPerSecond } = report.waiting;
    lines.push(
      '',
      `## ${payments} payments waiting for their webhook`,
      '',
      '| what | value |',
      '| --- | ---: |',
      `| payments waiting in \`awaiting_settlement\` at once | ${waiting} |`,
      `| intake: POST /mib answered (commands/s), ack p50 / p95 / p99 ms | ${(intake.accepted / intake.sendSeconds).toFixed(1)}, ${triple(intake.ackMs)} |`,
      `| worker RSS while they wait (the largest worker) | ${worker.rssWhileWaitingMb} MB |`,
      ...(worker.heapWhileWaitingMb
        ? [
            `| V8 heap of the (first) worker while they wait: used / held | ${worker.heapWhileWaitingMb.used} / ${worker.heapWhileWaitingMb.total} MB |`,
          ]
        : []),
      `| worker peak RSS (intake, waiting and settling) | ${worker.peakRssMb} MB |`,
      `| peak RSS by process (MB) | ${memoryByProcess(intake.peakRssMb)} |`,
      `| workflows in the workers' caches while waiting / after settling (cache size ${worker.maxCachedWorkflows}) | ${worker.cachedWorkflowsWhileWaiting} / ${worker.cachedWorkflowsAfter} |`,
      `| all webhooks released → every notification at MIB | ${settleSeconds} s (${settledPerSecond} payments/s) |`,
      `| lost / duplicated | ${intake.lost} / ${intake.duplicated} |`,
    );
  }
  const { totals } = report;
  lines.push(
    '',
    '## Targets',
    '',
    '| target | reached | met |',
    '| --- | --- | :---: |',
    ...report.targets.map((t) => `| ${t.target} | ${t.value} | ${t.met ? 'yes' : '**no**'} |`),
    '',
    ...(report.sprykerTotals.orders > 0
      ? [
          `Spryker, every run together: ${report.sprykerTotals.orders} orders and ${report.sprykerTotals.commands} commands, ${report.sprykerTotals.refused} refused, ${report.sprykerTotals.lost} lost, ${report.sprykerTotals.duplicated} duplicated, ${report.sprykerTotals.unexpected} with another event than expected; ${report.sprykerTotals.fetchFailures} fetches or acknowledgements of payment-events not answered at once.`,
          '',
        ]
      : []),
    ...(report.deityTotals.orders > 0
      ? [
          `Deity, every run together: ${report.deityTotals.orders} orders and ${report.deityTotals.commands} commands, ${report.deityTotals.refused} refused, ${report.deityTotals.lost} lost, ${report.deityTotals.duplicated} duplicated, ${report.deityTotals.unexpected} with another status than expected; ${report.deityTotals.redelivered} messages dropped by their messageId (a retried publish or a redelivery), ${report.deityTotals.unparseable} not a status event.`,
          '',
        ]
      : []),
    `Every run together: ${totals.commands} commands, ${totals.refused} refused, ${totals.lost} lost, ${totals.duplicated} duplicated, ${totals.unexpected} with another notification than expected; ${totals.webhookRedeliveries} webhooks not acknowledged at once (redelivered by the gateway), ${totals.providerCallsRepeated} provider calls repeated by an activity retry.`,
    '',
  );
  return lines.join('\n');
}

const pair = (p: Percentiles) => `${p.p50} / ${p.p99}`;

/** The turn's own cost in bare Temporal, beside a Settle command's at the nearest level. */
function turnCostMarkdown(report: BenchReport): string[] {
  if (!report.turnCost) return [];
  const { bare, withTurn } = report.turnCost;
  const level = report.levels.find((one) => one.concurrency === 10) ?? report.levels[0];
  const row = (what: string, count: number, cpu: Record<string, number>, throughput: number) =>
    `| ${what} | ${throughput} | ${engineMsPer(cpu, count).toFixed(1)} | ${cpuPerCommand(cpu, count)} |`;
  return [
    '',
    "## What the payment's turn costs",
    '',
    `${bare.workflows} workflows of the bare baseline and as many with a turn (the first of the ${report.settings.activitiesPerCommand} no-op activities inside a child workflow under an id of its own, the way a command takes its payment's turn), in 2 alternating rounds at concurrency 10.`,
    '',
    '| workflow | per second | Temporal engine CPU (ms per workflow) | CPU by process (ms per workflow) |',
    '| --- | ---: | ---: | --- |',
    row('bare baseline', bare.workflows, bare.cpuSeconds, bare.throughput),
    row('baseline with a turn', withTurn.workflows, withTurn.cpuSeconds, withTurn.throughput),
    ...(level
      ? [
          row(
            `Settle command (MIB mix, concurrency ${level.concurrency})`,
            level.settle.commands,
            level.settle.cpuSeconds,
            level.settle.throughput,
          ),
        ]
      : []),
  ];
}

function restartMarkdown(report: BenchReport): string[] {
  if (!report.restarts) return [];
  const { restarts, pollMs, caughtUpMs, commands } = report.restarts;
  return [
    '',
    '## A worker killed and started again',
    '',
    `${restarts} times: every worker SIGKILLed; ${commands.commands / restarts} MIB commands accepted by the API while none ran; then one worker process started as deployed (compiled, prebuilt workflow bundle).`,
    '',
    '| restart | spawned → polling (ms) | spawned → every waiting command notified (ms) |',
    '| ---: | ---: | ---: |',
    ...pollMs.map((ms, index) => `| ${index + 1} | ${ms} | ${caughtUpMs[index]} |`),
  ];
}
const perCommand = (cpu: Record<string, number>, count: number) => cpuPerCommand(cpu, count) || '–';

/** A door with orders as the report names it: its title, what its shop does, its checkout and event. */
interface DoorLabels {
  readonly key: 'spryker' | 'deity';
  readonly name: string;
  readonly about: string;
  readonly checkout: string;
  readonly authorized: string;
}

function doorLabels(settings: Record<string, unknown>): DoorLabels[] {
  const text = (key: string) => String(settings[key]);
  return [
    {
      key: 'spryker',
      name: 'Spryker',
      about: `${text('sprykerCommands')} Spryker commands per level (${text('sprykerMixDescription')}), in rounds after MIB's, on orders placed at checkout (initialize-payment) just before; one tenant, \`${text('sprykerTenant')}\`. A Spryker command is done when its event reaches the shop (fetched from payment-events, then acknowledged; the shop fetches again at once while messages come, else after ${text('sprykerFetchIdleMs')} ms); a MIB command when MIB has its notification.`,
      checkout: 'checkout',
      authorized: 'PaymentAuthorized',
    },
    {
      key: 'deity',
      name: 'Deity',
      about: `${text('deityCommands')} Deity commands per level (${text('deityMixDescription')}), in rounds after Spryker's, on orders placed with validate just before; one profile, \`${text('deityProfile')}\`. A Deity command (an order update) is done when its PAYMENT_STATUS_UPDATED event reaches the shop's consumer of the profile's queue on RabbitMQ (manual acknowledgement, prefetch ${text('deityPrefetch')}, each messageId once).`,
      checkout: 'validate',
      authorized: 'authorized',
    },
  ];
}

/** Each door with orders beside MIB at each level, or why it did not run. */
function doorsMarkdown(report: BenchReport): string[] {
  const lines: string[] = [];
  for (const door of doorLabels(report.settings)) {
    const levels = report.levels.filter((level) => level[door.key]);
    const skipped = report.settings[`${door.key}Skipped`];
    if (levels.length === 0) {
      if (typeof skipped === 'string')
        lines.push('', `## The ${door.name} door beside MIB`, '', `Skipped: ${skipped}.`);
      continue;
    }
    const { name, checkout: c } = door;
    lines.push(
      '',
      `## The ${name} door beside MIB`,
      '',
      `${door.about} As at the concurrency levels, the times to the notification and to the event include the backlog the harness builds. Latencies in ms, p50 / p99.`,
      '',
      `| concurrency | MIB commands/s | ${name} commands/s | MIB ack | ${name} ack | MIB command → notification | ${name} command → event | ${c}s/s | ${c} answered | ${c} → ${door.authorized} | ${name} lost | ${name} duplicated |`,
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...levels.map((level) => {
        const { commands, checkout } = level[door.key]!;
        return `| ${[
          level.concurrency,
          level.settle.throughput,
          commands.throughput,
          pair(level.settle.ackMs),
          pair(commands.ackMs),
          pair(level.settle.notifyMs),
          pair(commands.notifyMs),
          checkout.throughput,
          pair(checkout.ackMs),
          pair(checkout.notifyMs),
          commands.lost + checkout.lost,
          commands.duplicated + checkout.duplicated,
        ].join(' | ')} |`;
      }),
      '',
      `CPU time in ms per MIB command, per ${name} command (capture or refund) and per ${name} ${c}, by process:`,
      '',
      `| concurrency | MIB command | ${name} command | ${name} ${c} |`,
      '| ---: | --- | --- | --- |',
      ...levels.map((level) => {
        const { commands, checkout } = level[door.key]!;
        return `| ${level.concurrency} | ${perCommand(level.settle.cpuSeconds, level.settle.commands)} | ${perCommand(commands.cpuSeconds, commands.commands)} | ${perCommand(checkout.cpuSeconds, checkout.commands)} |`;
      }),
    );
  }
  return lines;
}

/** Commands that waited for their payment's turn. */
function contendedMarkdown(report: BenchReport): string[] {
  const { contended } = report;
  if (!contended) return [];
  const { run, waitAfterFirstMs, secondToProviderMs } = contended;
  return [
    '',
    "## Commands contending for their payment's turn",
    '',
    `${contended.payments} payments, a capture each at ${contended.rate} per second, and one in ten (${contended.pairs}) a second command ${contended.secondAfterMs} ms after its capture was sent, alternately a refund of a capture settled at once and a cancellation of the rest after a capture settled by webhook. The second must wait until the capture has acted at the provider. Times from the gateway's own log of each operation (received, answered): the provider call is a local activity, whose history records no start. Latencies in ms.`,
    '',
    '| what | p50 | p95 | p99 | max |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| the gateway answered the pair's first operation → it received the other | ${waitAfterFirstMs.p50} | ${waitAfterFirstMs.p95} | ${waitAfterFirstMs.p99} | ${waitAfterFirstMs.max} |`,
    `| the payment's first turn workflow closed → its second started (${contended.turnPairs} pairs, from the histories) | ${contended.turnGapMs.p50} | ${contended.turnGapMs.p95} | ${contended.turnGapMs.p99} | ${contended.turnGapMs.max} |`,
    `| the second command sent → its call at the gateway | ${secondToProviderMs.p50} | ${secondToProviderMs.p95} | ${secondToProviderMs.p99} | ${secondToProviderMs.max} |`,
    `| command → notification, every command of the run | ${run.notifyMs.p50} | ${run.notifyMs.p95} | ${run.notifyMs.p99} | ${run.notifyMs.max} |`,
    '',
    `${contended.measured} of ${contended.pairs} pairs measured. **${contended.outOfOrder} of ${contended.pairs} pairs acted out of arrival order** (the second command reached the gateway before the capture; the gateway then refuses the capture after a cancellation, or the refund before its capture). ${run.commands} commands: ${contended.failed} failed (MIB was told so), ${run.lost} lost, ${run.duplicated} duplicated, ${run.unexpected} notifications of no command sent.`,
  ];
}

/** Latency at steady rates set as fractions of the saturation the levels measured. */
function fractionsMarkdown(report: BenchReport): string[] {
  const runs = report.paced.filter((run) => run.saturationFraction !== undefined);
  if (runs.length === 0) return [];
  return [
    '',
    '## Latency at fractions of the saturation',
    '',
    `Commands sent at a steady rate (open loop) for ${String(report.settings.pacedSeconds)} s, at fractions of the saturation (${runs[0]!.saturation} commands/s, the most any concurrency level carried); before each, as many bare baseline starts at the same rate. Command → notification runs from POST /mib sent to MIB's notification received; half the mix waits for a webhook ${String(report.settings.webhookDelayMs)} ms after the provider's answer. Latencies in ms.`,
    '',
    '| share of saturation | offered commands/s | carried commands/s | command → notification p50 / p99 | API ack p50 / p99 | bare start p50 / p99 | ack p99 ÷ bare start p99 | lost |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs
      .map(({ rate, settle, baseline, saturationFraction }) =>
        [
          `${Math.round(saturationFraction! * 100)} %`,
          rate,
          settle.throughput,
          pair(settle.notifyMs),
          pair(settle.ackMs),
          baseline ? pair(baseline.startMs) : '–',
          baseline ? (settle.ackMs.p99 / baseline.startMs.p99).toFixed(2) : '–',
          settle.lost,
        ].join(' | '),
      )
      .map((row) => `| ${row} |`),
  ];
}

/** The server's work per command of every door (the census). */
function censusMarkdown(report: BenchReport): string[] {
  const { census } = report;
  if (!census) return [];
  const columns: [string, WorkPerCommand][] = [
    ...(census.baseline ? [['bare baseline workflow', census.baseline] as [string, WorkPerCommand]] : []),
    [`MIB command`, census.mib],
  ];
  const batches = [
    `${census.mib.commands} MIB commands`,
    ...(census.baseline ? [`${census.baseline.commands} baseline workflows`] : []),
  ];
  for (const door of doorLabels(report.settings)) {
    const work = census[door.key];
    if (!work) continue;
    columns.push([`${door.name} command`, work.commands], [`${door.name} ${door.checkout}`, work.checkout]);
    batches.push(
      `${work.checkout.commands} ${door.name} orders and ${work.commands.commands} ${door.name} commands`,
    );
  }
  const rows: [string, (work: WorkPerCommand) => number | string][] = [
    ['workflow runs started', (w) => w.workflows],
    ['workflow tasks', (w) => w.workflowTasks],
    ['activity tasks', (w) => w.activityTasks],
    ['local activities', (w) => w.localActivities],
    ['updates accepted', (w) => w.updates],
    ['signals', (w) => w.signals],
    ['search-attribute upserts requested (history events)', (w) => w.searchAttributeUpserts],
    ['visibility writes requested (start, close, each upsert)', (w) => w.visibilityWritesRequested ?? '–'],
    [
      'visibility writes the server performed: total (starts / upserts / closes)',
      (w) => writtenText(w.performed),
    ],
    [
      "search attributes read from the database (cluster metadata), by the server's count",
      (w) => w.performed?.searchAttributeReads ?? '–',
    ],
    ['history events', (w) => w.historyEvents],
    [
      'workflow tasks by workflow',
      (w) =>
        Object.entries(w.byWorkflow)
          .map(([kind, counts]) => `${kind} ${counts.workflowTasks}`)
          .join(', '),
    ],
  ];
  const shopsWritten = doorLabels(report.settings).flatMap((door) => {
    const written = census[door.key]?.performed;
    return written
      ? [
          `${door.name} ${writtenText(written)} per ${door.checkout} or command, ${written.searchAttributeReads} search-attribute reads`,
        ]
      : [];
  });
  return [
    '',
    "## The server's work per command",
    '',
    `From the histories of a census: ${batches.join(', then ')}, 4 in flight while nothing else ran, each door's events counted inside its own time window (the orders' payment workflows and the tenant's mailbox with what the batch made them do).${census.spryker ? ` The Spryker shop fetched payment-events ${census.spryker.fetchesPerRequest} times per checkout or command (a mailbox query each, no history event).` : ''}`,
    '',
    "The visibility writes requested are counted from the histories (a run's start and close, each upsert); the server skips a start or an upsert whose run has closed by the time its visibility task runs, and adds an upsert of its own at a run's first workflow task (the worker's binary checksum, `BinaryChecksums`), which no history event shows. The writes performed are the server's own count (its `visibility_persistence_requests` metric, less errors) over each batch, once its visibility queue had caught up; for the doors with orders over the whole batch (checkouts and commands together), per checkout or command" +
      (shopsWritten.length > 0 ? `: ${shopsWritten.join('; ')}.` : '.'),
    '',
    'Search attributes read from the database: the servers run without the forced refresh, so each service reads them once a minute rather than at every start, upsert and visibility row (several reads per command with it).',
    '',
    `| per | ${columns.map(([name]) => name).join(' | ')} |`,
    `| --- | ${columns.map(() => '---:').join(' | ')} |`,
    ...rows.map(([name, f]) => `| ${name} | ${columns.map(([, work]) => f(work)).join(' | ')} |`),
  ];
}

const writtenText = (written: ServerCounts | undefined) =>
  written ? `${written.total} (${written.starts} / ${written.upserts} / ${written.closes})` : '–';

export function chartOf(report: BenchReport): string {
  const levels = report.levels;
  const point = (f: (level: LevelResult) => number) =>
    levels.map((level) => [level.concurrency, f(level)] as const);
  return lineChart(
    [
      {
        title: 'Throughput',
        yLabel: 'per second',
        series: [
          { name: 'Settle commands/s', color: '#1f6feb', points: point((l) => l.settle.throughput) },
          {
            name: 'baseline workflows/s',
            color: '#888',
            dashed: true,
            points: point((l) => l.baseline.throughput),
          },
        ],
      },
      {
        title: 'API acknowledgement',
        yLabel: 'ms',
        series: [
          { name: 'p50', color: '#f08c00', points: point((l) => l.settle.ackMs.p50) },
          { name: 'p99', color: '#d1242f', points: point((l) => l.settle.ackMs.p99) },
        ],
      },
      {
        title: 'Command → notification, backlog included',
        yLabel: 'ms',
        series: [
          { name: 'p50', color: '#1f6feb', points: point((l) => l.settle.notifyMs.p50) },
          { name: 'p99', color: '#6f42c1', dashed: true, points: point((l) => l.settle.notifyMs.p99) },
        ],
      },
    ],
    'concurrency (requests in flight)',
    `Settle vs bare Temporal, ${variantOf(report)}, ${report.machine.cores} cores, load average ${report.loadAverage.before[0]}, ${report.generatedAt}`,
  );
}

/** Writes results.json, results.md and chart.svg into `folder`; returns their paths. */
export function writeReport(report: BenchReport, folder: string): string[] {
  return writeResultFiles(folder, report, markdownOf(report), chartOf(report));
}

export function writeResultFiles(folder: string, json: unknown, markdown: string, chart: string): string[] {
  mkdirSync(folder, { recursive: true });
  const files: [string, string][] = [
    ['results.json', `${JSON.stringify(json, null, 2)}\n`],
    ['results.md', markdown],
    ['chart.svg', chart],
  ];
  return files.map(([name, content]) => {
    const path = join(folder, name);
    writeFileSync(path, content);
    return path;
  });
}
