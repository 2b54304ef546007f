import { lineChart, type Series } from './chart';
import type { SettleRun } from './phases';
import { markdownOf, variantOf, writeResultFiles, type BenchReport, type PacedRun } from './report';

/**
 * A run over several engines or worker counts: the measurements side by side (throughput, where the CPU goes,
 * memory), then each measurement's own report. Written as results.json, results.md and chart.svg.
 */

const COLORS = ['#1f6feb', '#6f42c1', '#d1242f', '#f08c00', '#2da44e', '#888'];

/** CPU per command in ms of the processes whose name matches, added up (the workers together). */
function cpuMs(cpuSeconds: Record<string, number>, count: number, name: RegExp): number | undefined {
  const matching = Object.entries(cpuSeconds).filter(([process]) => name.test(process));
  if (matching.length === 0 || count === 0) return undefined;
  return (matching.reduce((sum, [, seconds]) => sum + seconds, 0) * 1000) / count;
}

const SERVER = /^Temporal server$/;
const POSTGRES = /^PostgreSQL$/;
const WORKERS = /^worker\b/;
const BASELINE_WORKERS = /^baseline worker\b/;
const ms = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(1));
const mb = (run: SettleRun, name: RegExp) => {
  const values = Object.entries(run.peakRssMb).filter(([process]) => name.test(process));
  return values.length === 0 ? '–' : values.map(([, value]) => Math.round(value)).join(' + ');
};

export function comparisonMarkdown(reports: readonly BenchReport[]): string {
  const first = reports[0]!;
  const { machine } = first;
  const lines = [
    `# Settle benchmark on ${reports.length} engine and worker settings, ${first.generatedAt}`,
    '',
    `One run of \`npm run bench\` on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGb} GB), ${machine.os}, Node ${machine.node}: ${reports.map(variantOf).join('; ')}, one after the other, each on an engine started for it. Load average (1 min) at each start: ${reports.map((r) => r.loadAverage.before[0]).join(', ')}; the machine is shared, so the figures are noisy.`,
    '',
    'Engines:',
    ...[...new Map(reports.map((r) => [r.engine, r.machine.temporal])).entries()].map(
      ([engine, description]) => `- **${engine}**: ${String(description)}`,
    ),
    '',
  ];
  if (reports.some((r) => r.levels.length > 0)) {
    lines.push(
      '## Side by side: concurrency levels',
      '',
      'Throughput, and CPU time per Settle command (per baseline workflow after the slash) in ms by process; the workers add up over their processes. Peak resident memory in MB during the Settle rounds (workers one by one).',
      '',
      '| concurrency | engine, workers | Settle commands/s | baseline workflows/s | ratio | API ack p50 / p99 (ms) | command → notification p50 / p99 (ms), backlog included | Temporal server CPU | PostgreSQL CPU | worker CPU | Temporal server / PostgreSQL / worker RSS |',
      '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    const concurrencies = [...new Set(reports.flatMap((r) => r.levels.map((level) => level.concurrency)))];
    for (const concurrency of concurrencies)
      for (const report of reports) {
        const level = report.levels.find((one) => one.concurrency === concurrency);
        if (!level) continue;
        const { settle, baseline } = level;
        const pair = (name: RegExp, baselineName = name) =>
          `${ms(cpuMs(settle.cpuSeconds, settle.commands, name))} / ${ms(cpuMs(baseline.cpuSeconds, baseline.workflows, baselineName))}`;
        lines.push(
          `| ${concurrency} | ${variantOf(report)} | ${settle.throughput} | ${baseline.throughput} | ${level.ratio.toFixed(2)} | ${settle.ackMs.p50} / ${settle.ackMs.p99} | ${settle.notifyMs.p50} / ${settle.notifyMs.p99} | ${pair(SERVER)} | ${pair(POSTGRES)} | ${pair(WORKERS, BASELINE_WORKERS)} | ${mb(settle, SERVER)} / ${mb(settle, POSTGRES)} / ${mb(settle, WORKERS)} |`,
        );
      }
  }
  if (reports.some((r) => r.paced.length > 0)) {
    lines.push(
      '',
      '## Side by side: steady rates',
      '',
      "Each measurement's fractions of its own saturation side by side, then the fixed rates.",
      '',
      '| share of saturation, or offered rate | engine, workers | offered commands/s | carried commands/s | API ack p50 / p99 (ms) | bare start p99 (ms) | command → notification p50 / p99 (ms) | Temporal server CPU (ms/command) | PostgreSQL CPU (ms/command) |',
      '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    // A fraction of the saturation compares across engines; a fixed rate by itself.
    const keyOf = (run: PacedRun) =>
      run.saturationFraction === undefined
        ? `${run.rate}/s`
        : `${Math.round(run.saturationFraction * 100)} %`;
    const keys = [...new Set(reports.flatMap((r) => r.paced.map(keyOf)))];
    for (const key of keys)
      for (const report of reports) {
        const run = report.paced.find((one) => keyOf(one) === key);
        if (!run) continue;
        const { settle, baseline } = run;
        lines.push(
          `| ${key} | ${variantOf(report)} | ${run.rate} | ${settle.throughput} | ${settle.ackMs.p50} / ${settle.ackMs.p99} | ${baseline ? baseline.startMs.p99 : '–'} | ${settle.notifyMs.p50} / ${settle.notifyMs.p99} | ${ms(cpuMs(settle.cpuSeconds, settle.commands, SERVER))} | ${ms(cpuMs(settle.cpuSeconds, settle.commands, POSTGRES))} |`,
        );
      }
  }
  if (reports.some((r) => r.contended)) {
    lines.push(
      '',
      "## Side by side: commands contending for their payment's turn",
      '',
      "| engine, workers | pairs | out of arrival order | the gateway answered a pair's first operation → it received the other, p50 / p99 (ms) |",
      '| --- | ---: | ---: | ---: |',
      ...reports.flatMap(({ contended, ...report }) =>
        contended
          ? [
              `| ${variantOf(report)} | ${contended.pairs} | ${contended.outOfOrder} | ${contended.waitAfterFirstMs.p50} / ${contended.waitAfterFirstMs.p99} |`,
            ]
          : [],
      ),
    );
  }
  if (reports.some((r) => r.waiting)) {
    lines.push(
      '',
      '## Side by side: payments waiting for their webhook',
      '',
      '| engine, workers | waiting at once | largest worker RSS while waiting / peak (MB) | Temporal server / PostgreSQL peak RSS (MB) | released → all notified (s) | settled per second |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...reports.flatMap(({ waiting, ...report }) =>
        waiting
          ? [
              `| ${variantOf(report)} | ${waiting.waiting} | ${waiting.worker.rssWhileWaitingMb} / ${waiting.worker.peakRssMb} | ${mb(waiting.intake, SERVER)} / ${mb(waiting.intake, POSTGRES)} | ${waiting.settleSeconds} | ${waiting.settledPerSecond} |`,
            ]
          : [],
      ),
    );
  }
  lines.push(
    '',
    '## Lost and duplicated notifications',
    '',
    '| engine, workers | commands | lost | duplicated | refused | webhooks redelivered | provider calls repeated |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...reports.map(
      ({ totals: t, ...report }) =>
        `| ${variantOf(report)} | ${t.commands} | ${t.lost} | ${t.duplicated} | ${t.refused} | ${t.webhookRedeliveries} | ${t.providerCallsRepeated} |`,
    ),
    '',
  );
  // Each measurement's own report, one heading level down.
  for (const report of reports) lines.push(markdownOf(report).replace(/^#/gm, '##'));
  return lines.join('\n');
}

export function comparisonChart(reports: readonly BenchReport[]): string {
  // One line per measurement in each panel.
  const series = (f: (report: BenchReport) => [number, number][]) =>
    reports.map((report, index): Series => ({
      name: variantOf(report),
      color: COLORS[index % COLORS.length]!,
      points: f(report),
    }));
  const perLevel =
    (f: (level: BenchReport['levels'][number]) => number | undefined) => (report: BenchReport) =>
      report.levels.flatMap((level): [number, number][] => {
        const value = f(level);
        return value === undefined ? [] : [[level.concurrency, value]];
      });
  const settleCpu = (name: RegExp) =>
    perLevel(({ settle }) => cpuMs(settle.cpuSeconds, settle.commands, name));
  const panels = [
    {
      title: 'Settle throughput',
      yLabel: 'commands/s',
      series: series(perLevel((l) => l.settle.throughput)),
    },
    {
      title: 'Baseline throughput',
      yLabel: 'workflows/s',
      series: series(perLevel((l) => l.baseline.throughput)),
    },
    { title: 'Temporal server CPU per command', yLabel: 'ms', series: series(settleCpu(SERVER)) },
    {
      title: 'PostgreSQL CPU per command',
      yLabel: 'ms',
      series: series(settleCpu(POSTGRES)).filter((one) => one.points.length > 0),
    },
  ].filter((panel) => panel.series.some((one) => one.points.length > 0));
  const first = reports[0]!;
  return lineChart(
    panels,
    'concurrency (requests in flight)',
    `Settle by engine and worker count, ${first.machine.cores} cores, load average ${first.loadAverage.before[0]}, ${first.generatedAt}`,
  );
}

/** Writes results.json ({ runs }), results.md and chart.svg into `folder`; returns their paths. */
export function writeComparison(reports: readonly BenchReport[], folder: string): string[] {
  return writeResultFiles(folder, { runs: reports }, comparisonMarkdown(reports), comparisonChart(reports));
}
