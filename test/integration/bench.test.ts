import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIX } from '../../bench/mix';
import { runBench, SMOKE_RUN } from '../../bench/run';
import { percentiles } from '../../bench/stats';
import { BUNDLE_PATH } from '../helpers/paths';
import { quietRuntime } from '../helpers/temporal';

/**
 * The benchmark harness itself (`npm run bench`, which npm test does not run): on a tiny load it must start
 * its own dev server and processes, carry every command to its notification, and write a complete report.
 */
describe('the benchmark harness', () => {
  // About 3 minutes on a quiet 2-core host; more on a shared one.
  jest.setTimeout(360_000);
  let out: string;
  beforeAll(() => {
    quietRuntime();
    out = mkdtempSync(join(tmpdir(), 'settle-bench-test-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 200 }, (_, i) => 200 - i); // 1…200, unsorted
    expect(percentiles(samples)).toEqual({ p50: 100, p95: 190, p99: 198, max: 200 });
    expect(percentiles([7])).toEqual({ p50: 7, p95: 7, p99: 7, max: 7 });
    expect(percentiles([])).toEqual({ p50: 0, p95: 0, p99: 0, max: 0 });
  });

  it('--smoke: every command notified once, and results.json, results.md and chart.svg written', async () => {
    const { report, files } = await runBench({
      ...SMOKE_RUN,
      out,
      progress: false,
      bundles: { settle: BUNDLE_PATH },
      // As the full run does: the measured processes compiled, as deployed.
      compiled: true,
    });
    const {
      commands,
      concurrency,
      warmup,
      rates,
      pacedSeconds,
      waiting,
      sprykerCommands,
      deityCommands,
      census,
      turnCost,
      restarts,
      contended,
    } = SMOKE_RUN;
    const pacedCommands = rates[0]! * pacedSeconds;
    // Besides the rates asked for, one at half the saturation the levels measured.
    const saturation = Math.max(...report.levels.map((level) => level.settle.throughput));
    const headroom = report.paced.find((run) => run.headroom)!;
    expect(headroom.rate).toBe(Math.max(1, Math.round(saturation / 2)));
    expect(headroom).toMatchObject({ saturationFraction: 0.5, saturation });
    // The contended run: every capture and every second command notified once, each pair timed at the gateway.
    const contendedRun = report.contended!;
    const pairs = Math.ceil(contended / 10);
    expect(contendedRun).toMatchObject({
      payments: contended,
      pairs,
      measured: pairs,
      run: {
        commands: contended + pairs,
        notified: contended + pairs,
        lost: 0,
        duplicated: 0,
        unexpected: 0,
      },
    });
    // Only a pair acting out of arrival order makes the gateway refuse one of its commands.
    expect(contendedRun.failed).toBeLessThanOrEqual(contendedRun.outOfOrder);
    // A pair's second call comes after its first was answered, and after the second command was sent.
    expect(contendedRun.waitAfterFirstMs.p50).toBeGreaterThanOrEqual(0);
    expect(contendedRun.secondToProviderMs.p50).toBeGreaterThan(0);
    expect(contendedRun.waitAfterFirstMs.p99).toBeLessThanOrEqual(contendedRun.waitAfterFirstMs.max);
    const pacedTotal = report.paced.reduce((total, run) => total + run.settle.commands, 0);
    const restartCommands = report.restarts!.commands.commands;
    expect(restartCommands).toBeGreaterThan(0);
    expect(report.totals).toEqual({
      commands:
        warmup +
        commands * concurrency.length +
        census +
        pacedTotal +
        contended +
        pairs +
        waiting +
        restartCommands,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      refused: 0,
      // Retries are allowed (a loaded machine may time a signal out); losing or doubling a notification is not.
      webhookRedeliveries: expect.any(Number),
      providerCallsRepeated: expect.any(Number),
    });
    // The Spryker door: of every 5 commands one is a refund on an order another command captured.
    const sprykerRounds = [
      warmup,
      ...concurrency.flatMap(() => [sprykerCommands / 2, sprykerCommands / 2]),
      census,
    ];
    expect(report.sprykerTotals).toEqual({
      orders: sprykerRounds.reduce((sum, count) => sum + count - Math.floor(count / 5), 0),
      commands: warmup + sprykerCommands * concurrency.length + census,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      refused: 0,
      fetchFailures: 0,
    });
    // The Deity door, the same mix, its events on the run's own RabbitMQ: each one once by its messageId.
    expect(report.deityTotals).toEqual({
      orders: report.sprykerTotals.orders,
      commands: warmup + deityCommands * concurrency.length + census,
      lost: 0,
      duplicated: 0,
      // A retried publish comes again under its messageId and is dropped: allowed, and no duplicate.
      redelivered: expect.any(Number),
      unparseable: 0,
      unexpected: 0,
      refused: 0,
    });
    expect(report.levels.map((level) => level.concurrency)).toEqual(concurrency);
    for (const level of report.levels) {
      const { settle, baseline, ratio } = level;
      expect(settle.notified).toBe(commands);
      expect(baseline.completed).toBe(commands);
      expect(settle.throughput).toBeGreaterThan(0);
      expect(baseline.throughput).toBeGreaterThan(0);
      expect(ratio).toBeCloseTo(settle.throughput / baseline.throughput, 1);
      for (const p of [settle.ackMs, settle.notifyMs, baseline.startMs, baseline.completeMs]) {
        expect(p.p50).toBeGreaterThan(0);
        expect(p.p50).toBeLessThanOrEqual(p.p95);
        expect(p.p95).toBeLessThanOrEqual(p.p99);
        expect(p.p99).toBeLessThanOrEqual(p.max);
      }
      // A notification comes after its acknowledgement.
      expect(settle.notifyMs.p50).toBeGreaterThan(settle.ackMs.p50);
      expect(settle.peakRssMb.worker).toBeGreaterThan(50);
      expect(settle.peakRssMb.api).toBeGreaterThan(30);
      expect(settle.cpuSeconds.worker).toBeGreaterThan(0);

      const deity = level.deity!;
      expect(deity.commands).toMatchObject({ commands: deityCommands, notified: deityCommands, lost: 0 });
      expect(deity.checkout.notified).toBe(deity.checkout.commands);
      expect(deity.commands.notifyMs.p50).toBeGreaterThan(deity.commands.ackMs.p50);
      // The broker is measured: its memory, and its CPU (a tiny round may use less than the 10 ms /proc counts).
      expect(deity.commands.peakRssMb.RabbitMQ).toBeGreaterThan(10);
      expect(deity.commands.cpuSeconds.RabbitMQ).toBeGreaterThanOrEqual(0);
      const { checkout, commands: sprykerRun } = level.spryker!;
      expect(sprykerRun).toMatchObject({ commands: sprykerCommands, notified: sprykerCommands, lost: 0 });
      expect(checkout.notified).toBe(checkout.commands);
      // A command's event reaches the shop after the command was answered; checkout answers once the
      // authorization's event is posted, so that one may come first.
      expect(sprykerRun.notifyMs.p50).toBeGreaterThan(sprykerRun.ackMs.p50);
      for (const run of [sprykerRun, checkout]) {
        expect(run.throughput).toBeGreaterThan(0);
        expect(run.notifyMs.p50).toBeGreaterThan(0);
        expect(run.ackMs.p50).toBeLessThanOrEqual(run.ackMs.p99);
        expect(run.cpuSeconds['Temporal server']).toBeGreaterThan(0);
      }
    }
    // The census: a MIB command is a command and a turn workflow; a Spryker command adds the order's payment
    // (admitting it, taking its outcome) and the tenant's mailbox (the event posted, then acknowledged).
    // The bare baseline: one workflow, a task to start and one after each activity, a visibility record
    // written at its start and at its close.
    expect(report.census!.baseline).toMatchObject({
      commands: census,
      workflows: 1,
      workflowTasks: 3,
      activityTasks: 2,
      searchAttributeUpserts: 0,
      visibilityWritesRequested: 2,
    });
    // What the server wrote, by its own count: a bare workflow's close row, its start row and the upsert the
    // server makes itself at the first workflow task (the worker's binary checksum), each skipped if the
    // workflow has closed by the time its task runs.
    const baselineWritten = report.census!.baseline!.performed!;
    expect(baselineWritten.closes).toBe(1);
    expect(baselineWritten.starts).toBeLessThanOrEqual(1);
    expect(baselineWritten.upserts).toBeLessThanOrEqual(1);
    const { mib, spryker } = report.census!;
    // Without the forced refresh the services cache the search attributes: fewer than one read of them from the
    // database per command (with it, every start alone reads them).
    expect(mib.performed!.searchAttributeReads).toBeLessThan(1);
    // Each run's close is written; a start only while the run still runs.
    expect(mib.performed!.closes).toBe(mib.workflows);
    expect(mib.performed!.starts).toBeLessThanOrEqual(mib.workflows);
    // Every command is a workflow, and each but a validate acts at the provider in a second one.
    const validates = Array.from({ length: census }, (_, i) => MIX[i % MIX.length]!).filter(
      (entry) => entry.command === 'validate',
    ).length;
    expect(mib).toMatchObject({ commands: census, workflows: (2 * census - validates) / census });
    expect(mib.workflowTasks).toBeGreaterThanOrEqual(4);
    expect(mib.activityTasks + mib.localActivities).toBeGreaterThanOrEqual(2);
    expect(spryker!.commands.commands).toBe(census);
    // The order acts for its commands: a command is one workflow, with no turn of its own.
    expect(spryker!.commands.workflows).toBe(1);
    // Admitted and its outcome recorded (two updates of the order), acknowledged (one of the mailbox's, shared
    // by the events fetched together); posted as a signal, and the order's answer to its command another.
    expect(spryker!.commands.updates).toBeGreaterThanOrEqual(2);
    expect(spryker!.commands.signals).toBeGreaterThanOrEqual(2);
    expect(Object.keys(spryker!.commands.byWorkflow).sort()).toEqual(['command', 'mailbox', 'order payment']);
    // A checkout is the order's payment and its authorize command.
    expect(spryker!.checkout).toMatchObject({ commands: census - Math.floor(census / 5), workflows: 2 });
    // A Deity command is the order's payment admitting it, acting for it and taking its outcome, with no mailbox.
    const { deity } = report.census!;
    expect(deity!.commands).toMatchObject({ commands: census, workflows: 1 });
    expect(deity!.commands.updates).toBeGreaterThanOrEqual(2);
    expect(Object.keys(deity!.commands.byWorkflow).sort()).toEqual(['command', 'order payment']);
    expect(deity!.checkout).toMatchObject({ commands: census - Math.floor(census / 5), workflows: 2 });
    expect(report.paced.find((run) => run.rate === rates[0])).toMatchObject({
      settle: { notified: pacedCommands, lost: 0 },
      baseline: { completed: pacedCommands },
    });
    for (const run of report.paced) {
      expect(run.settle).toMatchObject({ notified: run.settle.commands, lost: 0 });
      // As many bare starts at the same rate, each timed.
      expect(run.baseline).toMatchObject({ workflows: run.settle.commands, completed: run.settle.commands });
      expect(run.baseline!.startMs.p99).toBeGreaterThan(0);
    }
    // The turn in bare Temporal: the same workflows with their first activity in a child cost the server more.
    const { bare, withTurn } = report.turnCost!;
    expect(bare).toMatchObject({ workflows: turnCost, completed: turnCost });
    expect(withTurn).toMatchObject({ workflows: turnCost, completed: turnCost });
    expect(withTurn.cpuSeconds['Temporal server']).toBeGreaterThan(0);
    // The worker killed and started again: it polls, and takes every command that waited for it.
    expect(report.restarts).toMatchObject({
      restarts,
      commands: { notified: restartCommands, lost: 0, duplicated: 0 },
    });
    expect(report.restarts!.pollMs).toHaveLength(restarts);
    report.restarts!.pollMs.forEach((ms, index) => {
      expect(ms).toBeGreaterThan(0);
      expect(report.restarts!.caughtUpMs[index]).toBeGreaterThanOrEqual(ms);
    });
    expect(report.waiting).toMatchObject({
      payments: waiting,
      waiting,
      intake: { notified: waiting, lost: 0 },
    });
    expect(report.waiting!.worker.rssWhileWaitingMb).toBeGreaterThan(50);
    // The parked payments stay cached beside their payment locks and earlier runs, up to the cache size.
    const { cachedWorkflowsWhileWaiting, maxCachedWorkflows } = report.waiting!.worker;
    expect(cachedWorkflowsWhileWaiting).toBeGreaterThanOrEqual(waiting);
    expect(cachedWorkflowsWhileWaiting).toBeLessThanOrEqual(maxCachedWorkflows);
    expect(report.waiting!.settleSeconds).toBeGreaterThan(0);
    // MIB's CPU and throughput, Spryker's and Deity's CPU against MIB's, the acknowledgement and the notification at
    // half the saturation, no loss for each of the three doors, the waiting worker's memory, the contended wait and
    // the restarted worker.
    expect(report.targets.map((t) => t.target)).toHaveLength(12);

    expect(files.map((file) => file.slice(out.length + 1))).toEqual([
      'results.json',
      'results.md',
      'chart.svg',
    ]);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))).toEqual(report);
    const markdown = readFileSync(join(out, 'results.md'), 'utf8');
    for (const heading of [
      '## Throughput and latency against concurrency',
      '## Where the CPU goes',
      '## The Spryker door beside MIB',
      '## The Deity door beside MIB',
      "## The server's work per command",
      '## Latency at fractions of the saturation',
      "## Commands contending for their payment's turn",
      '## Targets',
    ])
      expect(markdown).toContain(heading);
    // The new rows carry numbers.
    expect(markdown).toMatch(
      /\| visibility writes the server performed: total \(starts \/ upserts \/ closes\) \| [\d.]+ \([\d.]+ \/ [\d.]+ \/ [\d.]+\) \| [\d.]+ \(/,
    );
    expect(markdown).toMatch(
      /\| 50 % \| \d+ \| [\d.]+ \| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \| [\d.]+ \| 0 \|/,
    );
    expect(markdown).toMatch(
      /\| the gateway answered the pair's first operation → it received the other \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/,
    );
    expect(markdown).toContain(`| ${concurrency[0]} | ${report.levels[0]!.settle.throughput} |`);
    const svg = readFileSync(join(out, 'chart.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<polyline /g)).toHaveLength(6); // 2 throughput and 4 latency series
  });
});
