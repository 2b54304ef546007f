import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { settleClient } from '../config/temporalConnection';
import { localDefaults } from '../config';
import { freePort, listen, type RunningServer } from '../config/server';
import { createGatewaySimulator } from '../sim/gateway/server';
import { createMibSimulator } from '../sim/mib/server';
import { bundleWorkflows, bundleWorkflowsAt } from '../worker/bundle';
import { ensureSearchAttributes } from '../worker/searchAttributes';
import { createBusClient } from '../sim/spryker/bus';
import { RabbitMqNotInstalledError, startRabbitMq } from '../scripts/rabbitmq';
import { runCensus, type Census } from './census';
import { DeityEventConsumer } from './deityConsumer';
import { DEITY_MIX_DESCRIPTION, DEITY_PROFILE, DEITY_PROFILES } from './deityMix';
import { createDeityShop, runDeity } from './deityShop';
import { ACTIVITIES_PER_COMMAND, MIX } from './mix';
import {
  mergeBaselineRuns,
  mergeSettleRuns,
  runBaseline,
  runSettle,
  runWaiting,
  type BaselineRun,
  type BenchContext,
  type SettleRun,
} from './phases';
import { writeComparison } from './compare';
import { startEngine, type Engine } from './engines';
import {
  childPidsMatching,
  deployedNodeOptions,
  MemorySampler,
  numbered,
  oneProcess,
  processTree,
  PROJECT_ROOT,
  startProcess,
  type BenchProcess,
  type Measured,
} from './processes';
import {
  targetsOf,
  writeReport,
  type BenchReport,
  type LevelResult,
  type PacedRun,
  type TurnCost,
} from './report';
import { SPRYKER_MIX_DESCRIPTION, SPRYKER_TENANT, SPRYKER_TOKEN } from './sprykerMix';
import { mergeShopRuns, type ShopRun } from './shopRun';
import { EventConsumer } from './sprykerConsumer';
import { runSpryker } from './sprykerShop';
import { runRestarts } from './restart';
import { runContended } from './contended';
import { ProviderLog } from './providerLog';
import { round } from './stats';
import { commandsClosed } from './work';
import { FRONT_DOORS } from '../oms';

/**
 * A benchmark run: for each engine and each worker count, a Temporal engine of its own (engines.ts; the dev
 * server may be replaced by `address`), the MIB and gateway simulators in this process, Settle's API and
 * workers and the baseline's workers as processes of their own; then the measurements of phases.ts, and
 * the report in `out`.
 */

export interface BenchOptions {
  /** Commands (and baseline workflows) per concurrency level. */
  readonly commands: number;
  /** Spryker commands (captures and refunds) per concurrency level, in rounds beside MIB's; 0 skips them. */
  readonly sprykerCommands: number;
  /**
   * Deity commands (shipments and refunds) per concurrency level, in rounds after Spryker's, with their events
   * on a RabbitMQ broker of the run's own; 0 skips them, and so does a host without rabbitmq-server.
   */
  readonly deityCommands: number;
  /** Commands of each door in the census of the server's work per command (census.ts); 0 skips it. */
  readonly census: number;
  /** Each level alternates this many rounds of the baseline and of Settle, so both see the same load. */
  readonly rounds: number;
  readonly concurrency: readonly number[];
  /** The steady-rate runs: commands per second, one run per rate, each this long (0 skips them). */
  readonly rates: readonly number[];
  /**
   * Steady-rate runs at these fractions of the saturation the concurrency levels measured (the most commands
   * per second any level carried): the latency of a load with headroom, as a deployment would run.
   */
  readonly saturationFractions: readonly number[];
  readonly pacedSeconds: number;
  /**
   * Workflows of the bare baseline and of the baseline with a turn (its first activity in a child, as a
   * command takes its payment's turn), in two alternating rounds at concurrency 10: what the turn costs in
   * bare Temporal. 0 skips them.
   */
  readonly turnCost: number;
  /**
   * Payments of the contended run (contended.ts): a capture each at a quarter of the saturation, and one in ten
   * a second command 50 ms later, which waits for the capture's turn at the provider; 0 skips it.
   */
  readonly contended: number;
  /** Times the worker is SIGKILLed and started again at the end, each timed until it polls; 0 skips. */
  readonly restarts: number;
  /** Payments waiting at once for their webhook; 0 skips the run. */
  readonly waiting: number;
  readonly waitingConcurrency: number;
  /** Commands and workflows sent before measuring, so that connections and code are warm. */
  readonly warmup: number;
  readonly webhookDelayMs: number;
  readonly out: string;
  /** The engines measured, one after the other. */
  readonly engines: readonly Engine[];
  /** Settle's worker processes (and the baseline's), one measurement per count on each engine. */
  readonly workers: readonly number[];
  /** An existing Temporal server (TEMPORAL_ADDRESS) instead of the dev server of the run's own. */
  readonly address?: string;
  readonly logLevel: string;
  readonly progress: boolean;
  readonly stallTimeoutMs: number;
  /** Prebuilt workflow bundles for the workers; the missing ones are bundled here, before the workers start. */
  readonly bundles?: Partial<WorkflowBundles>;
  /**
   * Run the measured processes compiled to JavaScript, as a deployed worker and API run (`node dist/…`),
   * instead of under tsx, whose compiler and module cache add about 50 MB to each.
   */
  readonly compiled: boolean;
}

export const FULL_RUN: BenchOptions = {
  commands: 600,
  sprykerCommands: 600,
  deityCommands: 600,
  census: 40,
  rounds: 3,
  concurrency: [5, 10, 25, 50, 100],
  rates: [],
  saturationFractions: [0.25, 0.5, 0.75],
  pacedSeconds: 30,
  turnCost: 300,
  contended: 300,
  restarts: 3,
  waiting: 10_000,
  waitingConcurrency: 50,
  warmup: 100,
  webhookDelayMs: 200,
  out: join(__dirname, 'results'),
  logLevel: 'info',
  progress: true,
  stallTimeoutMs: 60_000,
  compiled: true,
  engines: ['dev'],
  workers: [1],
};

/** A tiny run that exercises every part of the harness in minutes (`npm run bench -- --smoke`, the test). */
export const SMOKE_RUN: BenchOptions = {
  ...FULL_RUN,
  commands: 16,
  sprykerCommands: 10,
  deityCommands: 10,
  census: 10,
  rounds: 2,
  concurrency: [2, 8],
  rates: [20],
  saturationFractions: [0.5],
  pacedSeconds: 1,
  turnCost: 8,
  contended: 20,
  restarts: 1,
  waiting: 24,
  waitingConcurrency: 8,
  warmup: 8,
  webhookDelayMs: 50,
  stallTimeoutMs: 20_000,
  // `--smoke` starts in seconds under tsx; the test passes `compiled: true`, as the full run runs.
  compiled: false,
};

/** One engine and one worker count: the report, written to `out`. */
export async function runBench(options: BenchOptions): Promise<{ report: BenchReport; files: string[] }> {
  const [report, ...more] = await measureAll(options);
  if (!report || more.length > 0) throw new Error('runBench measures one engine at one worker count');
  return { report, files: writeReport(report, options.out) };
}

/** Every engine at every worker count, one after the other: the reports side by side, written to `out`. */
export async function runBenches(
  options: BenchOptions,
): Promise<{ reports: BenchReport[]; files: string[] }> {
  const reports = await measureAll(options);
  return { reports, files: writeComparison(reports, options.out) };
}

interface Prepared {
  readonly bundles: WorkflowBundles;
  /** The compiled project, when the processes run compiled. */
  readonly from?: string;
}

async function measureAll(options: BenchOptions): Promise<BenchReport[]> {
  if (options.address && options.engines.includes('cluster'))
    throw new Error('TEMPORAL_ADDRESS replaces the dev server; it does not go with --engine cluster');
  const cleanups: (() => Promise<unknown> | void)[] = [];
  try {
    // Once for every measurement: the workflow bundles and the compiled processes.
    const bundles = await prebuildBundles(options.bundles ?? {}, cleanups);
    const runId = `bench-${randomBytes(3).toString('hex')}`;
    const from = options.compiled ? compileProcesses(runId, cleanups) : undefined;
    const reports: BenchReport[] = [];
    for (const engine of options.engines)
      for (const workers of options.workers) {
        if (options.progress) console.log(`\n== ${engine}, ${workers} worker${workers === 1 ? '' : 's'} ==`);
        reports.push(await measure(options, engine, workers, { bundles, from }));
      }
    return reports;
  } finally {
    await runCleanups(cleanups);
  }
}

async function runCleanups(cleanups: (() => Promise<unknown> | void)[]): Promise<void> {
  for (const step of cleanups.splice(0).reverse()) await Promise.resolve(step()).catch(() => undefined);
}

async function measure(
  options: BenchOptions,
  engine: Engine,
  workerCount: number,
  { bundles, from }: Prepared,
): Promise<BenchReport> {
  const loadBefore = loadavg().map((value) => round(value, 2));
  const runId = `bench-${randomBytes(3).toString('hex')}`;
  const cleanups: (() => Promise<unknown> | void)[] = [];
  try {
    const temporalEngine = await startEngine(
      engine,
      {
        address: options.address,
        log: (line) => {
          if (options.progress) console.log(`[${engine}] ${line}`);
        },
      },
      cleanups,
    );
    const { address } = temporalEngine;
    const connection = await Connection.connect({ address });
    cleanups.push(() => connection.close());
    if (options.address) await ensureSearchAttributes(connection, 'default');
    const temporal = settleClient(connection, { TEMPORAL_NAMESPACE: 'default' });

    const defaults = localDefaults();
    const mib = createMibSimulator({
      clientId: defaults.MOM_CLIENT,
      clientSecret: defaults.SERVICE_BUS_SECRET,
    });
    const gateway = createGatewaySimulator({
      apiKey: defaults.GATEWAY_API_KEY,
      webhookSecret: defaults.GATEWAY_WEBHOOK_SECRET,
      control: { mode: 'pending', webhookDelayMs: options.webhookDelayMs },
    });
    cleanups.push(() => gateway.stop());
    const providerLog = new ProviderLog();
    const servers: RunningServer[] = [
      await listen(mib.app, 0),
      await listen(providerLog.wrap(gateway.app), 0),
    ];
    cleanups.push(() => Promise.all(servers.map((server) => server.close())));
    const [mibServer, gatewayServer] = servers as [RunningServer, RunningServer];

    const broker = options.deityCommands > 0 ? await startBroker(options, cleanups) : undefined;
    // Compiled, the processes run as the image runs them, with its V8 settings (read once from the Dockerfile).
    const nodeOptions = from ? deployedNodeOptions() : undefined;
    const apiPort = await freePort();
    const settleQueue = `${runId}-settle`;
    const baselineQueue = `${runId}-baseline`;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // Only these settings: a developer's config/parameters.yml must not reach the measured processes.
      SETTLE_CONFIG_FILE: '/dev/null',
      ...localDefaults({ api: apiPort, mib: mibServer.port, gateway: gatewayServer.port }),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: settleQueue,
      LOG_LEVEL: options.logLevel,
      // The shop the benchmark plays is the door's only tenant.
      SPRYKER_TENANTS: `${SPRYKER_TENANT}=${SPRYKER_TOKEN}`,
      // And the Deity shop its only profile, its events on the run's broker.
      DEITY_PROFILES: DEITY_PROFILES,
      ...(broker?.url ? { AMQP_URL: broker.url } : {}),
      BENCH_WORKER_OPTIONS: process.env.BENCH_WORKER_OPTIONS,
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    };
    const each = (count: number, start: (index: number) => BenchProcess) =>
      Array.from({ length: count }, (_, index) => start(index));
    const api = startProcess('api', 'api/main.ts', env, { from });
    const startWorker = (index: number) =>
      startProcess(
        numbered('worker', index, workerCount),
        'bench/settleWorker.ts',
        {
          ...env,
          BENCH_WORKFLOW_BUNDLE: bundles.settle,
          // BENCH_WORKER_ENV: environment variables (JSON) for Settle's workers, to try one (MALLOC_ARENA_MAX,
          // NODE_OPTIONS, replacing the image's) before it becomes the deployed default.
          ...(JSON.parse(process.env.BENCH_WORKER_ENV || '{}') as NodeJS.ProcessEnv),
        },
        { ipc: true, from },
      );
    const workers = each(workerCount, startWorker);
    const baselineWorkers = each(workerCount, (index) =>
      startProcess(
        numbered('baseline worker', index, workerCount),
        'bench/baseline/worker.ts',
        { ...env, BENCH_TASK_QUEUE: baselineQueue, BENCH_BASELINE_BUNDLE: bundles.baseline },
        { from },
      ),
    );
    const processes = [api, ...workers, ...baselineWorkers];
    cleanups.push(() => Promise.all(processes.map((child) => child.stop())));
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    // Readiness that does not depend on LOG_LEVEL: the API answers /health, the workers print a line.
    await Promise.all([
      untilHealthy(apiUrl, api),
      ...workers.map((worker) => worker.waitFor('bench worker ready')),
      ...baselineWorkers.map((worker) => worker.waitFor('baseline worker started')),
    ]);
    gateway.control.webhookUrl = `${apiUrl}/webhooks/gateway`;
    const byName = (children: BenchProcess[]) =>
      Object.fromEntries(children.map((child) => [child.name, oneProcess(child.child.pid!)]));
    const memory = new MemorySampler(
      { ...byName([...workers, api]), ...temporalEngine.measured, ...(broker?.measured ?? {}) },
      { ...byName(baselineWorkers), 'bench (simulators, load)': oneProcess(process.pid) },
    );
    cleanups.push(() => memory.stop());

    const sprykerBus = createBusClient({ settleUrl: apiUrl, tenant: SPRYKER_TENANT, token: SPRYKER_TOKEN });
    const consumer = new EventConsumer(sprykerBus);
    cleanups.push(() => consumer.stop());
    const deityConsumer = broker?.url
      ? new DeityEventConsumer(broker.url, DEITY_PROFILE.serviceUser)
      : undefined;
    if (deityConsumer) {
      cleanups.push(() => deityConsumer.stop());
      await deityConsumer.start();
    }
    const ctx: BenchContext = {
      runId,
      apiUrl,
      spryker: { bus: sprykerBus, consumer },
      ...(deityConsumer ? { deity: createDeityShop(apiUrl, deityConsumer) } : {}),
      intakeSecret: defaults.MIB_INTAKE_SECRET,
      gatewayUrl: gatewayServer.url,
      gatewayApiKey: defaults.GATEWAY_API_KEY,
      gateway,
      providerLog,
      mib,
      temporal,
      ...(temporalEngine.metricsUrl ? { metricsUrl: temporalEngine.metricsUrl } : {}),
      settleQueue,
      baselineQueue,
      workers,
      memory,
      progress: options.progress,
      stallTimeoutMs: options.stallTimeoutMs,
    };

    const settleRuns: SettleRun[] = [];
    if (options.warmup > 0) {
      settleRuns.push(
        await runSettle(ctx, { phase: 'warmup', count: options.warmup, pace: { concurrency: 10 } }),
      );
      await runBaseline(ctx, 'warmup', options.warmup, { concurrency: 10 });
    }
    const sprykerRuns: ShopRun[] = [];
    const deityRuns: ShopRun[] = [];
    const deityCommands = ctx.deity ? options.deityCommands : 0;
    const warmup = { phase: 'warmup', count: options.warmup, pace: { concurrency: 10 } };
    if (options.warmup > 0 && options.sprykerCommands > 0) sprykerRuns.push(await runSpryker(ctx, warmup));
    if (options.warmup > 0 && deityCommands > 0) deityRuns.push(await runDeity(ctx, warmup));
    const levels: LevelResult[] = [];
    for (const concurrency of options.concurrency) {
      const baselineRounds: BaselineRun[] = [];
      const settleRounds: SettleRun[] = [];
      const sprykerRounds: ShopRun[] = [];
      const deityRounds: ShopRun[] = [];
      // The last round takes the remainder, so the level sends exactly `total`.
      const shareOf = (total: number, index: number) => {
        const share = Math.floor(total / options.rounds);
        return index === options.rounds - 1 ? total - share * index : share;
      };
      for (let index = 0; index < options.rounds; index += 1) {
        const count = shareOf(options.commands, index);
        const phase = `c${concurrency}r${index + 1}`;
        baselineRounds.push(await runBaseline(ctx, phase, count, { concurrency }));
        settleRounds.push(await runSettle(ctx, { phase, count, pace: { concurrency } }));
        const sprykerCount = shareOf(options.sprykerCommands, index);
        if (sprykerCount > 0)
          sprykerRounds.push(await runSpryker(ctx, { phase, count: sprykerCount, pace: { concurrency } }));
        const deityCount = shareOf(deityCommands, index);
        if (deityCount > 0)
          deityRounds.push(await runDeity(ctx, { phase, count: deityCount, pace: { concurrency } }));
      }
      const settle = mergeSettleRuns(settleRounds);
      const baseline = mergeBaselineRuns(baselineRounds);
      const spryker = sprykerRounds.length > 0 ? mergeShopRuns(sprykerRounds) : undefined;
      const deity = deityRounds.length > 0 ? mergeShopRuns(deityRounds) : undefined;
      settleRuns.push(settle);
      if (spryker) sprykerRuns.push(spryker);
      if (deity) deityRuns.push(deity);
      levels.push({
        concurrency,
        settle,
        baseline,
        ratio: round(settle.throughput / baseline.throughput, 2),
        ...(spryker ? { spryker } : {}),
        ...(deity ? { deity } : {}),
      });
    }
    let census: Census | undefined;
    if (options.census > 0) {
      const done = await runCensus(ctx, options.census, {
        spryker: options.sprykerCommands > 0,
        deity: deityCommands > 0,
      });
      census = done.census;
      settleRuns.push(done.mibRun);
      if (done.sprykerRun) sprykerRuns.push(done.sprykerRun);
      if (done.deityRun) deityRuns.push(done.deityRun);
    }
    const turnCost = options.turnCost > 0 ? await runTurnCost(ctx, options.turnCost) : undefined;
    // Besides the fixed rates, fractions of the saturation the levels measured: rates with headroom.
    const saturation = Math.max(0, ...levels.map((level) => level.settle.throughput));
    const fractionOf = new Map<number, number>();
    if (saturation > 0)
      for (const fraction of options.saturationFractions) {
        const rate = Math.max(1, Math.round(saturation * fraction));
        if (!fractionOf.has(rate)) fractionOf.set(rate, fraction);
      }
    const rates = [...new Set([...options.rates, ...fractionOf.keys()])].sort((a, b) => a - b);
    const paced: PacedRun[] = [];
    for (const rate of options.pacedSeconds > 0 ? rates : []) {
      const count = Math.max(1, Math.round(rate * options.pacedSeconds));
      // Bare starts at the same offered rate, each timed: what the acknowledgement is measured against.
      const baseline = await runBaseline(ctx, `rate${rate}`, count, { rate });
      const settle = await runSettle(ctx, { phase: `rate${rate}`, count, pace: { rate } });
      settleRuns.push(settle);
      const fraction = fractionOf.get(rate);
      paced.push({
        rate,
        settle,
        baseline,
        ...(fraction === undefined ? {} : { saturationFraction: fraction, saturation }),
        ...(fraction === 0.5 ? { headroom: true } : {}),
      });
    }
    // At a quarter of the saturation, so that the second commands wait for their payment's turn, not for a
    // busy server; 5 per second when no level ran.
    const contended =
      options.contended > 0
        ? await runContended(
            ctx,
            options.contended,
            saturation > 0 ? Math.max(1, Math.round(saturation / 4)) : CONTENDED_RATE,
          )
        : undefined;
    if (contended) settleRuns.push(contended.run);
    const waiting =
      options.waiting > 0 ? await runWaiting(ctx, options.waiting, options.waitingConcurrency) : undefined;
    if (waiting) settleRuns.push(waiting.intake);
    await commandsClosed(temporal, settleQueue);
    const restarts =
      options.restarts > 0
        ? await runRestarts(
            ctx,
            () => {
              const replacement = startWorker(0);
              processes.push(replacement);
              return replacement;
            },
            options.restarts,
            RESTART_COMMANDS,
          )
        : undefined;
    if (restarts) settleRuns.push(restarts.commands);

    // Counted again over everything MIB received, so that a late duplicate of an earlier run counts too.
    const ids = new Set<unknown>();
    let duplicated = 0;
    for (const notification of mib.notifications) {
      if (notification.duplicate || ids.has(notification.id)) duplicated += 1;
      ids.add(notification.id);
    }
    const sum = (f: (run: SettleRun) => number) => settleRuns.reduce((total, run) => total + f(run), 0);
    const shopSum = (runs: readonly ShopRun[], f: (run: SettleRun) => number) =>
      runs.reduce((total, run) => total + f(run.checkout) + f(run.commands), 0);
    const sprykerSum = (f: (run: SettleRun) => number) => shopSum(sprykerRuns, f);
    const deitySum = (f: (run: SettleRun) => number) => shopSum(deityRuns, f);
    const withoutTargets: Omit<BenchReport, 'targets'> = {
      engine,
      workers: workerCount,
      generatedAt: new Date().toISOString(),
      machine: {
        cpu: cpus()[0]?.model.trim() ?? 'unknown',
        cores: cpus().length,
        memoryGb: Math.round(totalmem() / 2 ** 30),
        os: `${osType()} ${release()}`,
        node: process.versions.node,
        temporal: temporalEngine.description,
      },
      loadAverage: { before: loadBefore, after: loadavg().map((value) => round(value, 2)) },
      settings: {
        commands: options.commands,
        rounds: options.rounds,
        concurrency: options.concurrency,
        mix: MIX,
        mixDescription:
          'validate 25 %, capture 37.5 %, refund 25 %, cancel 12.5 %; half of them settled by webhook, half at once',
        sprykerCommands: options.sprykerCommands,
        sprykerMixDescription: SPRYKER_MIX_DESCRIPTION,
        sprykerTenant: SPRYKER_TENANT,
        sprykerFetchIdleMs: consumer.idleMs,
        deityCommands: options.deityCommands,
        deityMixDescription: DEITY_MIX_DESCRIPTION,
        deityProfile: DEITY_PROFILE.serviceUser,
        deityPrefetch: deityConsumer?.prefetch,
        // Why the Deity rounds did not run, when they were asked for.
        deitySkipped: broker?.skipped,
        census: options.census,
        activitiesPerCommand: ACTIVITIES_PER_COMMAND,
        webhookDelayMs: options.webhookDelayMs,
        rates: options.rates,
        saturationFractions: options.saturationFractions,
        pacedSeconds: options.pacedSeconds,
        turnCost: options.turnCost,
        contended: options.contended,
        restarts: options.restarts,
        waiting: options.waiting,
        waitingConcurrency: options.waitingConcurrency,
        warmup: options.warmup,
        logLevel: options.logLevel,
        nodeOptions: env.NODE_OPTIONS,
        workerEnvTried: process.env.BENCH_WORKER_ENV || undefined,
        workerOptionsTried: process.env.BENCH_WORKER_OPTIONS || undefined,
      },
      levels,
      paced,
      turnCost,
      contended,
      restarts,
      waiting,
      census,
      totals: {
        commands: sum((run) => run.commands),
        lost: sum((run) => run.lost),
        duplicated: Math.max(
          duplicated,
          sum((run) => run.duplicated),
        ),
        unexpected: sum((run) => run.unexpected),
        refused: sum((run) => run.refused),
        // Retries that stretch the tail: webhooks the API did not acknowledge at once, and provider calls
        // that reached the gateway again with the same idempotency key (an activity retried).
        webhookRedeliveries: gateway.webhooks.filter((delivery) => delivery.status !== 200).length,
        providerCallsRepeated: gateway.calls.filter((call) => call.replayed).length,
      },
      // Checkouts and commands; duplicates counted again over every event the shop took.
      sprykerTotals: {
        orders: sprykerRuns.reduce((total, run) => total + run.checkout.commands, 0),
        commands: sprykerRuns.reduce((total, run) => total + run.commands.commands, 0),
        lost: sprykerSum((run) => run.lost),
        duplicated: Math.max(
          consumer.duplicated,
          sprykerSum((run) => run.duplicated),
        ),
        unexpected: sprykerSum((run) => run.unexpected),
        refused: sprykerSum((run) => run.refused),
        fetchFailures: consumer.failures,
      },
      // Validates and commands; duplicates and redeliveries counted again over every event the shop took.
      deityTotals: {
        orders: deityRuns.reduce((total, run) => total + run.checkout.commands, 0),
        commands: deityRuns.reduce((total, run) => total + run.commands.commands, 0),
        lost: deitySum((run) => run.lost),
        duplicated: Math.max(
          deityConsumer?.duplicated ?? 0,
          deitySum((run) => run.duplicated),
        ),
        redelivered: deityConsumer?.redelivered ?? 0,
        unparseable: deityConsumer?.unparseable ?? 0,
        unexpected: deitySum((run) => run.unexpected),
        refused: deitySum((run) => run.refused),
      },
    };
    return { ...withoutTargets, targets: targetsOf(withoutTargets) };
  } finally {
    await runCleanups(cleanups);
  }
}

/** The contended run's rate of captures when no concurrency level measured the saturation. */
const CONTENDED_RATE = 5;

/** Commands sent while the worker is down, per restart. */
const RESTART_COMMANDS = 20;

/**
 * The bare baseline and the baseline with a turn, `count` workflows each in two alternating rounds at
 * concurrency 10, on the same server as everything else: the turn's own cost, without Settle's code.
 */
async function runTurnCost(ctx: BenchContext, count: number): Promise<TurnCost> {
  const bare: BaselineRun[] = [];
  const withTurn: BaselineRun[] = [];
  const half = Math.ceil(count / 2);
  for (const [index, share] of [half, count - half].entries()) {
    bare.push(await runBaseline(ctx, `turn${index + 1}bare`, share, { concurrency: 10 }));
    withTurn.push(
      await runBaseline(ctx, `turn${index + 1}`, share, { concurrency: 10 }, 'baselineTurnWorkflow'),
    );
  }
  return { bare: mergeBaselineRuns(bare), withTurn: mergeBaselineRuns(withTurn) };
}

/** The run's broker for the Deity door, measured as RabbitMQ; or why there is none. */
interface Broker {
  readonly url?: string;
  readonly measured?: Record<string, Measured>;
  readonly skipped?: string;
}

/** A RabbitMQ of the run's own, in a temporary folder; a host without rabbitmq-server skips the Deity rounds. */
async function startBroker(
  options: BenchOptions,
  cleanups: (() => Promise<unknown> | void)[],
): Promise<Broker> {
  const log = (line: string) => {
    if (options.progress) console.log(`[rabbitmq] ${line}`);
  };
  try {
    const broker = await startRabbitMq({ log });
    cleanups.push(() => broker.stop());
    // The broker's script is this process's child; the Erlang VM and its helpers are the script's.
    const [pid] = childPidsMatching('rabbitmq-server');
    return { url: broker.url, measured: pid === undefined ? {} : { RabbitMQ: processTree(pid) } };
  } catch (error) {
    if (!(error instanceof RabbitMqNotInstalledError)) throw error;
    log(`${error.message}: the Deity rounds are skipped`);
    return { skipped: error.message };
  }
}

interface WorkflowBundles {
  readonly settle: string;
  readonly baseline: string;
}

/**
 * Both workers load a workflow bundle built beforehand, as the built image's worker does (npm run build):
 * bundling in the worker would leave webpack's memory in the process measured.
 */
async function prebuildBundles(
  prebuilt: Partial<WorkflowBundles>,
  cleanups: (() => Promise<unknown> | void)[],
): Promise<WorkflowBundles> {
  const folder = mkdtempSync(join(tmpdir(), 'settle-bench-bundles-'));
  cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
  const write = async (name: string, code: Promise<string>) => {
    const path = join(folder, `${name}.js`);
    writeFileSync(path, await code);
    return path;
  };
  return {
    settle: prebuilt.settle ?? (await write('settle', bundleWorkflows(FRONT_DOORS))),
    baseline:
      prebuilt.baseline ??
      (await write('baseline', bundleWorkflowsAt(require.resolve('./baseline/workflows')))),
  };
}

async function untilHealthy(url: string, api: BenchProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    ))
  ) {
    if (api.child.exitCode !== null)
      throw new Error(`the API exited with ${api.child.exitCode}:\n${api.tail()}`);
    if (Date.now() > deadline) throw new Error(`the API did not answer ${url}/health:\n${api.tail()}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/**
 * Compiles the project (tsconfig.build.json, bench included) into .cache/bench-dist/<run>, inside the project
 * so that the compiled files find node_modules, and a folder per run so that two runs never share one.
 */
function compileProcesses(runId: string, cleanups: (() => Promise<unknown> | void)[]): string {
  const out = join(PROJECT_ROOT, '.cache', 'bench-dist', runId);
  cleanups.push(() => rmSync(out, { recursive: true, force: true }));
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', join(PROJECT_ROOT, 'tsconfig.build.json'), '--outDir', out],
    { cwd: PROJECT_ROOT, stdio: 'inherit' },
  );
  return out;
}
