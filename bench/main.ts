import { parseArgs } from 'node:util';
import { installRuntime } from '../worker/runtime';
import { ENGINES, type Engine } from './engines';
import { variantOf } from './report';
import { FULL_RUN, runBench, runBenches, SMOKE_RUN, type BenchOptions } from './run';

/**
 * `npm run bench [-- options]`: Settle against a bare-Temporal baseline (see README, "Benchmark").
 *   --smoke                 a tiny run of every part, in a few minutes
 *   --commands N            commands per concurrency level (600)
 *   --spryker-commands N    Spryker commands per level, in rounds beside MIB's (600); 0 skips them
 *   --deity-commands N      Deity commands per level, in rounds beside MIB's (600), on a RabbitMQ of the
 *                           run's own; 0 skips them, as does a host without rabbitmq-server
 *   --census N              commands of each door whose histories count the server's work (40); 0 skips
 *   --rounds R              alternating rounds of baseline and Settle per level (3)
 *   --concurrency 5,10,…    requests in flight, one run per level (5,10,25,50,100)
 *   --rate 10,25,50         steady-rate runs at fixed rates, commands per second (none)
 *   --fractions 25,50,75    steady-rate runs at these percentages of the saturation the levels measured
 *                           (25,50,75); empty (--fractions=) for none
 *   --paced-seconds S       how long each steady-rate run sends (30); 0 skips them; bare starts precede each
 *   --turn-cost N           workflows of the bare baseline and of the baseline with a turn (300); 0 skips
 *   --contended N           payments of the contended run: a capture each, one in ten a second command 50 ms
 *                           later (300); 0 skips
 *   --restarts N            times the worker is SIGKILLed and started again at the end (3); 0 skips
 *   --waiting N             payments waiting at once for their webhook (10000); 0 skips
 *   --engine dev,cluster    the Temporal engines, one after the other (dev: the CLI's dev server on SQLite;
 *                           cluster: PostgreSQL and the multi-service server, started for the run)
 *   --workers 1,2           Settle's worker processes, and the baseline's, one measurement per count (1)
 *   --out DIR               where results.json, results.md and chart.svg go (bench/results)
 * TEMPORAL_ADDRESS runs against that server instead of a dev server of its own (not with the cluster); LOG_LEVEL sets the API's
 * and the worker's log level (info).
 */

const USAGE =
  'usage: npm run bench -- [--smoke] [--commands N] [--spryker-commands N] [--deity-commands N] [--census N] [--rounds R] [--concurrency 5,10,25] [--rate 10,50] [--fractions 25,50,75] [--paced-seconds S] [--turn-cost N] [--contended N] [--restarts N] [--waiting N] [--engine dev,cluster] [--workers 1,2] [--out DIR]';

function optionsFrom(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean' },
      commands: { type: 'string' },
      'spryker-commands': { type: 'string' },
      'deity-commands': { type: 'string' },
      census: { type: 'string' },
      rounds: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      fractions: { type: 'string' },
      'paced-seconds': { type: 'string' },
      'turn-cost': { type: 'string' },
      contended: { type: 'string' },
      restarts: { type: 'string' },
      waiting: { type: 'string' },
      engine: { type: 'string' },
      workers: { type: 'string' },
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
    sprykerCommands: count('spryker-commands', values['spryker-commands'], base.sprykerCommands),
    deityCommands: count('deity-commands', values['deity-commands'], base.deityCommands),
    census: count('census', values.census, base.census),
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
        : values.rate
            .split(',')
            .filter(Boolean)
            .map((rate) => count('rate', rate, 0, 1)),
    saturationFractions:
      values.fractions === undefined
        ? base.saturationFractions
        : values.fractions
            .split(',')
            .filter(Boolean)
            .map((percent) => count('fractions', percent, 0, 1) / 100),
    pacedSeconds: count('paced-seconds', values['paced-seconds'], base.pacedSeconds),
    turnCost: count('turn-cost', values['turn-cost'], base.turnCost),
    contended: count('contended', values.contended, base.contended),
    restarts: count('restarts', values.restarts, base.restarts),
    waiting: count('waiting', values.waiting, base.waiting),
    engines: values.engine === undefined ? base.engines : values.engine.split(',').map(engineNamed),
    workers:
      values.workers === undefined
        ? base.workers
        : values.workers.split(',').map((workers) => count('workers', workers, 0, 1)),
    out: values.out ?? base.out,
    address: process.env.TEMPORAL_ADDRESS || undefined,
    logLevel: process.env.LOG_LEVEL ?? base.logLevel,
  };
}

function engineNamed(name: string): Engine {
  const engine = ENGINES.find((one) => one === name);
  if (!engine) throw new Error(`--engine takes ${ENGINES.join(', ')} or a list of them, not "${name}"`);
  return engine;
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
  // One engine at one worker count: today's report; several: side by side.
  const { reports, files } =
    options.engines.length * options.workers.length === 1
      ? await runBench(options).then(({ report, files: written }) => ({ reports: [report], files: written }))
      : await runBenches(options);
  for (const report of reports)
    for (const target of report.targets)
      console.log(
        `${target.met ? 'met    ' : 'MISSED '} ${variantOf(report)}: ${target.target}: ${target.value}`,
      );
  console.log(`results: ${files.join(', ')}`);
  const clean = reports.every(({ totals, sprykerTotals, deityTotals }) =>
    [totals, sprykerTotals, deityTotals].every(({ lost, duplicated }) => lost + duplicated === 0),
  );
  process.exit(clean ? 0 : 1);
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
