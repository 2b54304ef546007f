import { parseArgs } from 'node:util';
import { installRuntime } from '../worker/runtime';
import { FULL_RUN, runBench, SMOKE_RUN, type BenchOptions } from './run';

/**
 * `npm run bench [-- options]`: Settle against a bare-Temporal baseline (see README, "Benchmark").
 *   --smoke                 a tiny run of every part, in seconds
 *   --commands N            commands per concurrency level (600)
 *   --rounds R              alternating rounds of baseline and Settle per level (3)
 *   --concurrency 5,10,…    requests in flight, one run per level (5,10,25,50,100)
 *   --rate 10,25,50         steady-rate runs, commands per second
 *   --paced-seconds S       how long each steady-rate run sends (30); 0 skips them
 *   --waiting N             payments waiting at once for their webhook (10000); 0 skips
 *   --out DIR               where results.json, results.md and chart.svg go (bench/results)
 * TEMPORAL_ADDRESS runs against that server instead of a dev server of its own; LOG_LEVEL sets the API's
 * and the worker's log level (info).
 */

const USAGE =
  'usage: npm run bench -- [--smoke] [--commands N] [--rounds R] [--concurrency 5,10,25] [--rate 10,50] [--paced-seconds S] [--waiting N] [--out DIR]';

function optionsFrom(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean' },
      commands: { type: 'string' },
      rounds: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      'paced-seconds': { type: 'string' },
      waiting: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const base = values.smoke ? SMOKE_RUN : FULL_RUN;
  const count = (name: string, value: string | undefined, fallback: number, minimum = 0) => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < minimum)
      throw new Error(`--${name} must be an integer ≥ ${minimum}`);
    return parsed;
  };
  return {
    ...base,
    commands: count('commands', values.commands, base.commands, 1),
    rounds: count('rounds', values.rounds, base.rounds, 1),
    // An empty list (--concurrency=) runs no level, for a run of the waiting payments alone.
    concurrency:
      values.concurrency === undefined
        ? base.concurrency
        : values.concurrency
            .split(',')
            .filter(Boolean)
            .map((level) => count('concurrency', level, 0, 1)),
    rates:
      values.rate === undefined
        ? base.rates
        : values.rate.split(',').map((rate) => count('rate', rate, 0, 1)),
    pacedSeconds: count('paced-seconds', values['paced-seconds'], base.pacedSeconds),
    waiting: count('waiting', values.waiting, base.waiting),
    out: values.out ?? base.out,
    address: process.env.TEMPORAL_ADDRESS || undefined,
    logLevel: process.env.LOG_LEVEL ?? base.logLevel,
  };
}

async function main() {
  let options: BenchOptions;
  try {
    options = optionsFrom(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  installRuntime('WARN', { handleSignals: false });
  const { report, files } = await runBench(options);
  for (const target of report.targets)
    console.log(`${target.met ? 'met    ' : 'MISSED '} ${target.target}: ${target.value}`);
  console.log(`results: ${files.join(', ')}`);
  const { lost, duplicated } = report.totals;
  process.exit(lost === 0 && duplicated === 0 ? 0 : 1);
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
