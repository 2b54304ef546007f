import type { Client } from '@temporalio/client';
import type { GatewaySimulator } from '../sim/gateway/server';
import type { MibSimulator } from '../sim/mib/server';
import { sendMibCommand } from '../sim/mib/sendCommand';
import type { DeityShop } from './deityConsumer';
import type { ProviderLog } from './providerLog';
import { drive, Progress, type Pace } from './load';
import {
  ACTIVITIES_PER_COMMAND,
  authorizationFor,
  benchCommand,
  type BenchCommand,
  type MixEntry,
} from './mix';
import { memoryOf, megabytes, type BenchProcess, type MemorySampler, type Usage } from './processes';
import type { SprykerShop } from './sprykerConsumer';
import { percentiles, round, type Percentiles } from './stats';

/**
 * The benchmark's three kinds of measurement: Settle carrying commands from POST /mib to MIB's notification,
 * the bare-Temporal baseline with the same number of workflows and activities, and many payments waiting at
 * once for their webhook.
 */

export interface BenchContext {
  readonly runId: string;
  readonly apiUrl: string;
  readonly intakeSecret: string;
  readonly gatewayUrl: string;
  readonly gatewayApiKey: string;
  readonly gateway: GatewaySimulator;
  /** When the gateway received and answered each operation (the contended run's measure). */
  readonly providerLog: ProviderLog;
  readonly mib: MibSimulator;
  /** The Spryker shop the benchmark plays: its bus client and its payment-events consumer. */
  readonly spryker: SprykerShop;
  /** The Deity shop: its client and its queue's consumer; absent when the run has no broker. */
  readonly deity?: DeityShop;
  readonly temporal: Client;
  /** The Temporal server's Prometheus metrics, where its visibility writes are counted; none on a server not ours. */
  readonly metricsUrl?: string;
  readonly settleQueue: string;
  readonly baselineQueue: string;
  /** Settle's worker processes. */
  readonly workers: readonly BenchProcess[];
  readonly memory: MemorySampler;
  readonly progress: boolean;
  /** How long to wait for the last notification after progress stopped. */
  readonly stallTimeoutMs: number;
}

export interface SettleRun {
  readonly commands: number;
  readonly accepted: number;
  /** Commands POST /mib did not accept (anything but 200). */
  readonly refused: number;
  readonly notified: number;
  /** Accepted commands whose notification never came. */
  readonly lost: number;
  /** Notifications MIB received more than once (by notification id or by payment). */
  readonly duplicated: number;
  /** Notifications other than the command's success notification. */
  readonly unexpected: number;
  readonly seconds: number;
  /** Commands per second, from the first request to the last notification. */
  readonly throughput: number;
  /** From the first request to the last answer. */
  readonly sendSeconds: number;
  /** When the last notification arrived (epoch ms). */
  readonly finishedAt: number;
  /** POST /mib answered (the acknowledgement). */
  readonly ackMs: Percentiles;
  /** POST /mib sent → MIB received the notification. */
  readonly notifyMs: Percentiles;
  /** Peak resident memory of the worker and the API during the run (MB). */
  readonly peakRssMb: Record<string, number>;
  /** CPU time per process during the run (s): where the cores went. */
  readonly cpuSeconds: Record<string, number>;
}

/** Each run's latency samples (ack and notification, or start and close), kept out of the report for merging. */
const samples = new WeakMap<object, [number[], number[]]>();

const sumOf = <T>(runs: readonly T[], f: (run: T) => number) =>
  runs.reduce((total, run) => total + f(run), 0);

function mergeRecords(records: readonly Record<string, number>[], f: (values: number[]) => number) {
  const names = [...new Set(records.flatMap((record) => Object.keys(record)))];
  return Object.fromEntries(
    names.map((name) => [name, round(f(records.map((record) => record[name] ?? 0)), 2)]),
  );
}

function pooled(runs: readonly object[], which: 0 | 1): number[] {
  return runs.flatMap((run) => samples.get(run)?.[which] ?? []);
}

/** A merged run keeps its rounds' samples, so that it can be merged again (a level of Spryker's steps). */
function withSamples<T extends object>(
  runs: readonly object[],
  merged: (ack: number[], done: number[]) => T,
): T {
  const [ack, done] = [pooled(runs, 0), pooled(runs, 1)];
  const result = merged(ack, done);
  samples.set(result, [ack, done]);
  return result;
}

/**
 * Rounds of one measurement as one: counts and times add up, latencies are pooled. Alternating short rounds
 * of Settle and of the baseline spreads the load of a shared machine over both.
 */
export function mergeSettleRuns(runs: readonly SettleRun[]): SettleRun {
  const seconds = sumOf(runs, (run) => run.seconds);
  const notified = sumOf(runs, (run) => run.notified);
  return withSamples(runs, (ack, done) => ({
    commands: sumOf(runs, (run) => run.commands),
    accepted: sumOf(runs, (run) => run.accepted),
    refused: sumOf(runs, (run) => run.refused),
    notified,
    lost: sumOf(runs, (run) => run.lost),
    duplicated: sumOf(runs, (run) => run.duplicated),
    unexpected: sumOf(runs, (run) => run.unexpected),
    seconds: round(seconds, 2),
    throughput: round(notified / seconds),
    sendSeconds: round(
      sumOf(runs, (run) => run.sendSeconds),
      2,
    ),
    finishedAt: Math.max(...runs.map((run) => run.finishedAt)),
    ackMs: percentiles(ack),
    notifyMs: percentiles(done),
    peakRssMb: mergeRecords(
      runs.map((run) => run.peakRssMb),
      (values) => Math.max(...values),
    ),
    cpuSeconds: mergeRecords(
      runs.map((run) => run.cpuSeconds),
      (values) => values.reduce((a, b) => a + b, 0),
    ),
  }));
}

export function mergeBaselineRuns(runs: readonly BaselineRun[]): BaselineRun {
  const seconds = sumOf(runs, (run) => run.seconds);
  const completed = sumOf(runs, (run) => run.completed);
  return withSamples(runs, (ack, done) => ({
    workflows: sumOf(runs, (run) => run.workflows),
    completed,
    seconds: round(seconds, 2),
    throughput: round(completed / seconds),
    startMs: percentiles(ack),
    completeMs: percentiles(done),
    cpuSeconds: mergeRecords(
      runs.map((run) => run.cpuSeconds),
      (values) => values.reduce((a, b) => a + b, 0),
    ),
  }));
}

/** One request of a run: when it went out, when it was answered and when its completion arrived. */
export interface Timed {
  sentAt: number;
  ackMs?: number;
  accepted: boolean;
  notifiedAt?: number;
}

interface Sent extends Timed {
  readonly command: BenchCommand;
  method?: string;
}

/** Reads MIB's notifications as they come, matching each to its command by payment reference. */
class NotificationTracker {
  private cursor: number;
  notified = 0;
  duplicated = 0;
  unexpected = 0;

  constructor(
    private readonly mib: MibSimulator,
    private readonly byReference: ReadonlyMap<string, Sent>,
  ) {
    this.cursor = mib.notifications.length;
  }

  scan(): void {
    const { notifications } = this.mib;
    for (; this.cursor < notifications.length; this.cursor += 1) {
      const notification = notifications[this.cursor]!;
      const reference = (notification.params as { payment?: { reference?: string } }).payment?.reference;
      const sent = reference === undefined ? undefined : this.byReference.get(reference);
      if (!sent) continue;
      if (sent.notifiedAt !== undefined || notification.duplicate) {
        this.duplicated += 1;
        continue;
      }
      sent.notifiedAt = Date.parse(notification.receivedAt);
      sent.method = notification.method;
      this.notified += 1;
      if (notification.method !== sent.command.expected) this.unexpected += 1;
    }
  }
}

/** Sets up each command's authorization at the gateway, 32 at a time (not measured). */
async function setUpAuthorizations(ctx: BenchContext, commands: readonly BenchCommand[]) {
  await drive(commands.length, { concurrency: 32 }, async (index) => {
    const response = await fetch(`${ctx.gatewayUrl}/v1/authorizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.gatewayApiKey}` },
      body: JSON.stringify(authorizationFor(commands[index]!)),
    });
    if (!response.ok) throw new Error(`gateway refused a setup authorization: ${await response.text()}`);
  });
}

export interface SettleRunOptions {
  readonly phase: string;
  readonly count: number;
  readonly pace: Pace;
  /** Every command this one (the waiting payments), instead of the mix; their authorizations need no setup. */
  readonly only?: MixEntry;
  /** Called once every command was answered, before waiting for the notifications. */
  readonly afterSending?: () => Promise<void>;
}

/** Sends the commands through POST /mib and waits until MIB has every notification (or progress stalls). */
export async function runSettle(ctx: BenchContext, options: SettleRunOptions): Promise<SettleRun> {
  const { phase, count, pace, only } = options;
  const commands = Array.from({ length: count }, (_, index) =>
    benchCommand(`${ctx.runId}-${phase}`, index, only),
  );
  if (!only) await setUpAuthorizations(ctx, commands);
  const sent: Sent[] = commands.map((command) => ({ command, sentAt: 0, accepted: false }));
  const tracker = new NotificationTracker(ctx.mib, new Map(sent.map((one) => [one.command.reference, one])));
  const progress = new Progress(`settle ${phase}`, count, ctx.progress);
  let answered = 0;
  const poll = setInterval(() => {
    tracker.scan();
    progress.update(answered, tracker.notified);
  }, 100);
  ctx.memory.take();
  try {
    await drive(count, pace, async (index) => {
      const one = sent[index]!;
      one.sentAt = Date.now();
      const started = performance.now();
      const answer = await sendMibCommand(ctx.apiUrl, one.command.message, {
        secret: ctx.intakeSecret,
      }).catch(() => undefined);
      one.ackMs = performance.now() - started;
      one.accepted = answer?.status === 200;
      answered += 1;
    });
    await options.afterSending?.();
    await untilNotified(ctx, tracker, sent);
  } finally {
    clearInterval(poll);
  }
  tracker.scan();
  const result = summarize(sent, tracker, ctx.memory.take());
  progress.finish(
    `${result.throughput} commands/s, ack p99 ${result.ackMs.p99} ms, lost ${result.lost}, duplicated ${result.duplicated}`,
  );
  return result;
}

/**
 * A run's figures from its requests: counts, throughput from the first request to the last completion, and
 * latencies (kept for merging rounds).
 */
export function summarize(
  sent: readonly Timed[],
  counts: { readonly notified: number; readonly duplicated: number; readonly unexpected: number },
  usage: Usage,
): SettleRun {
  const accepted = sent.filter((one) => one.accepted);
  const firstSent = Math.min(...sent.map((one) => one.sentAt));
  const lastAnswered = Math.max(...sent.map((one) => one.sentAt + (one.ackMs ?? 0)));
  const lastNotified = Math.max(...sent.map((one) => one.notifiedAt ?? 0));
  // A run none of whose completions came (all lost) lasted until its last answer at least.
  const seconds = (Math.max(lastNotified, lastAnswered) - firstSent) / 1000;
  const ackMs = sent.map((one) => one.ackMs ?? 0);
  const notifyMs = sent
    .filter((one) => one.notifiedAt !== undefined)
    .map((one) => one.notifiedAt! - one.sentAt);
  const result: SettleRun = {
    commands: sent.length,
    accepted: accepted.length,
    refused: sent.length - accepted.length,
    notified: counts.notified,
    lost: accepted.filter((one) => one.notifiedAt === undefined).length,
    duplicated: counts.duplicated,
    unexpected: counts.unexpected,
    seconds: round(seconds, 2),
    throughput: round(counts.notified / seconds),
    sendSeconds: round((lastAnswered - firstSent) / 1000, 2),
    finishedAt: lastNotified,
    ackMs: percentiles(ackMs),
    notifyMs: percentiles(notifyMs),
    ...usage,
  };
  samples.set(result, [ackMs, notifyMs]);
  return result;
}

/** Resolves once MIB has a notification of every command it accepted, or when none came for the stall time. */
export function untilNotified(
  ctx: BenchContext,
  tracker: { scan(): void; readonly notified: number },
  sent: readonly { readonly accepted: boolean }[],
): Promise<void> {
  const accepted = sent.filter((one) => one.accepted).length;
  return waitForProgress(
    () => {
      tracker.scan();
      return tracker.notified;
    },
    accepted,
    ctx.stallTimeoutMs,
  );
}

/** Resolves once `read()` reaches `target` (after `refresh`, if given), or when it has not moved for `stallMs`. */
export async function waitForProgress(
  read: () => number,
  target: number,
  stallMs: number,
  refresh?: () => Promise<void>,
  intervalMs = 50,
): Promise<void> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    await refresh?.();
    const now = read();
    if (now >= target) return;
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      return;
    }
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}

export interface BaselineRun {
  readonly workflows: number;
  readonly completed: number;
  readonly seconds: number;
  /** Workflows per second, from the first start request to the last workflow's close. */
  readonly throughput: number;
  /** The start request answered. */
  readonly startMs: Percentiles;
  /** Start → close, by the server's clock. */
  readonly completeMs: Percentiles;
  /** CPU time per process during the run (s). */
  readonly cpuSeconds: Record<string, number>;
}

/**
 * The same number of workflows, each with ACTIVITIES_PER_COMMAND no-op activities, started with the client;
 * `workflowType` names the variant (bench/baseline/workflows.ts).
 */
export async function runBaseline(
  ctx: BenchContext,
  phase: string,
  count: number,
  pace: Pace,
  workflowType: 'baselineWorkflow' | 'baselineTurnWorkflow' = 'baselineWorkflow',
): Promise<BaselineRun> {
  const prefix = `${ctx.runId}-${phase}-`;
  // The turn variant's children share the prefix; only the workflows started here count.
  const query = `WorkflowId STARTS_WITH "${prefix}" AND WorkflowType = "${workflowType}" AND ExecutionStatus = "Completed"`;
  const startMs: number[] = [];
  let firstStart = Infinity;
  const progress = new Progress(`baseline ${phase}`, count, ctx.progress);
  let completed = 0;
  ctx.memory.take();
  await drive(count, pace, async (index) => {
    firstStart = Math.min(firstStart, Date.now());
    const started = performance.now();
    await ctx.temporal.workflow.start(workflowType, {
      workflowId: `${prefix}${index}`,
      taskQueue: ctx.baselineQueue,
      args: [ACTIVITIES_PER_COMMAND],
    });
    startMs.push(performance.now() - started);
    progress.update(startMs.length, completed);
  });
  // Visibility answers a count cheaply; polled 4 times a second, it adds little to the server's load.
  await waitForProgress(
    () => completed,
    count,
    ctx.stallTimeoutMs,
    async () => {
      completed = (await ctx.temporal.workflow.count(query)).count;
      progress.update(count, completed);
    },
    250,
  );
  let lastClose = 0;
  const completeMs: number[] = [];
  for await (const execution of ctx.temporal.workflow.list({ query })) {
    const closed = execution.closeTime?.getTime() ?? 0;
    lastClose = Math.max(lastClose, closed);
    completeMs.push(closed - execution.startTime.getTime());
  }
  const seconds = (lastClose - firstStart) / 1000;
  const result: BaselineRun = {
    workflows: count,
    completed: completeMs.length,
    seconds: round(seconds, 2),
    throughput: round(completeMs.length / seconds),
    startMs: percentiles(startMs),
    completeMs: percentiles(completeMs),
    cpuSeconds: ctx.memory.take().cpuSeconds,
  };
  samples.set(result, [startMs, completeMs]);
  progress.finish(`${result.throughput} workflows/s, start p99 ${result.startMs.p99} ms`);
  return result;
}

export interface WaitingRun {
  readonly payments: number;
  /** Payments the worker had parked in `awaiting_settlement` at once. */
  readonly waiting: number;
  readonly intake: SettleRun;
  /** Resident memory of the largest worker; the caches of all of them together. */
  readonly worker: {
    readonly rssWhileWaitingMb: number;
    readonly peakRssMb: number;
    readonly cachedWorkflowsWhileWaiting: number;
    readonly cachedWorkflowsAfter: number;
    readonly maxCachedWorkflows: number;
    /** The first worker's V8 heap while they wait (MB): used, and held from the system. */
    readonly heapWhileWaitingMb?: { readonly used: number; readonly total: number };
  };
  /** From releasing every webhook to MIB having every notification. */
  readonly settleSeconds: number;
  readonly settledPerSecond: number;
}

interface WorkerStatus {
  readonly numCachedWorkflows: number;
  readonly maxCachedWorkflows: number;
  readonly heapUsed?: number;
  readonly heapTotal?: number;
}

/** The workers' caches together: workflows cached, and room for as many. */
async function statusOf(workers: readonly BenchProcess[]): Promise<WorkerStatus> {
  const each = await Promise.all(workers.map((worker) => worker.ask<WorkerStatus>('status')));
  return {
    numCachedWorkflows: sumOf(each, (status) => status.numCachedWorkflows),
    maxCachedWorkflows: sumOf(each, (status) => status.maxCachedWorkflows),
    heapUsed: each[0]?.heapUsed,
    heapTotal: each[0]?.heapTotal,
  };
}

/** The largest peak among Settle's workers ("worker", or "worker 1", "worker 2", …). */
export function workerPeakMb(peakRssMb: Readonly<Record<string, number>>): number {
  return Math.max(
    0,
    ...Object.entries(peakRssMb).flatMap(([name, mb]) => (/^worker\b/.test(name) ? [mb] : [])),
  );
}

/**
 * `count` captures whose webhooks the gateway holds: all of them wait in `awaiting_settlement` at once.
 * Then the webhooks go out together and the run measures how long settling all of them takes.
 */
export async function runWaiting(ctx: BenchContext, count: number, concurrency: number): Promise<WaitingRun> {
  const phase = 'waiting';
  ctx.gateway.control.holdWebhooks = true;
  let waiting = 0;
  let atRest: { rss: number; status: WorkerStatus } | undefined;
  let releasedAt = 0;
  const awaitingQuery = `TaskQueue = "${ctx.settleQueue}" AND SettlePhase = "awaiting_settlement"`;
  const intake = await runSettle(ctx, {
    phase,
    count,
    pace: { concurrency },
    only: { command: 'capture', settlement: 'pending' },
    afterSending: async () => {
      // Every workflow has made its capture and is waiting for its webhook.
      const progress = new Progress('waiting for every payment to wait', count, ctx.progress);
      await waitForProgress(
        () => {
          progress.update(count, ctx.gateway.heldCount());
          return ctx.gateway.heldCount();
        },
        count,
        ctx.stallTimeoutMs,
      );
      for (let tries = 0; tries < 600; tries += 1) {
        waiting = (await ctx.temporal.workflow.count(awaitingQuery)).count;
        if (waiting >= ctx.gateway.heldCount()) break;
        await new Promise((done) => setTimeout(done, 500));
      }
      progress.finish(`${waiting} payments waiting`);
      const rss = ctx.workers.map((worker) => memoryOf(worker.child.pid!)?.rss ?? 0);
      atRest = { rss: Math.max(...rss), status: await statusOf(ctx.workers) };
      await fetch(`${ctx.gatewayUrl}/_control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ holdWebhooks: false }),
      });
      releasedAt = Date.now();
    },
  });
  const after = await statusOf(ctx.workers);
  const settleSeconds = round((intake.finishedAt - releasedAt) / 1000, 2);
  return {
    payments: count,
    waiting,
    intake,
    worker: {
      rssWhileWaitingMb: megabytes(atRest?.rss ?? 0),
      peakRssMb: workerPeakMb(intake.peakRssMb),
      cachedWorkflowsWhileWaiting: atRest?.status.numCachedWorkflows ?? 0,
      cachedWorkflowsAfter: after.numCachedWorkflows,
      maxCachedWorkflows: after.maxCachedWorkflows,
      ...(atRest?.status.heapTotal
        ? {
            heapWhileWaitingMb: {
              used: megabytes(atRest.status.heapUsed ?? 0),
              total: megabytes(atRest.status.heapTotal),
            },
          }
        : {}),
    },
    settleSeconds,
    settledPerSecond: round(intake.notified / settleSeconds),
  };
}
