import type { BenchProcess } from './processes';
import { mergeSettleRuns, runSettle, type BenchContext, type SettleRun } from './phases';
import { round } from './stats';

export interface RestartRun {
  readonly restarts: number;
  /** Per restart: the new worker process spawned → it polls its task queues (ms). */
  readonly pollMs: readonly number[];
  /** Per restart: spawned → every command sent while no worker ran has its notification at MIB (ms). */
  readonly caughtUpMs: readonly number[];
  /** The commands sent while the worker was down, all restarts together. */
  readonly commands: SettleRun;
}

/**
 * The worker SIGKILLed and started again, `restarts` times, as an orchestrator replaces a crashed container:
 * while no worker runs, `commandsEach` MIB commands are accepted by the API and wait on the server; then a new
 * worker process starts (compiled, with its prebuilt workflow bundle, as deployed). Times how soon it polls
 * (its "ready" line comes just before it starts polling) and how soon the waiting commands are all notified.
 * `restart` starts the replacement and returns it.
 */
export async function runRestarts(
  ctx: BenchContext,
  restart: () => BenchProcess,
  restarts: number,
  commandsEach: number,
): Promise<RestartRun> {
  // Every worker goes, so that only the replacement can take the commands.
  await Promise.all(ctx.workers.slice(1).map(kill));
  let worker = ctx.workers[0]!;
  const pollMs: number[] = [];
  const caughtUpMs: number[] = [];
  const runs: SettleRun[] = [];
  for (let index = 0; index < restarts; index += 1) {
    await kill(worker);
    let spawnedAt = 0;
    const run = await runSettle(ctx, {
      phase: `restart${index + 1}`,
      count: commandsEach,
      pace: { concurrency: 5 },
      afterSending: async () => {
        spawnedAt = Date.now();
        worker = restart();
        await worker.waitFor('bench worker ready');
        pollMs.push(Date.now() - spawnedAt);
      },
    });
    caughtUpMs.push(run.finishedAt - spawnedAt);
    runs.push(run);
    if (ctx.progress)
      console.log(
        `restart ${index + 1}: polling after ${pollMs.at(-1)} ms, caught up after ${caughtUpMs.at(-1)} ms`,
      );
  }
  return {
    restarts,
    pollMs: pollMs.map((ms) => round(ms, 0)),
    caughtUpMs: caughtUpMs.map((ms) => round(ms, 0)),
    commands: mergeSettleRuns(runs),
  };
}

async function kill(worker: BenchProcess): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const exited = new Promise((done) => worker.child.once('exit', done));
  worker.child.kill('SIGKILL');
  await exited;
}
