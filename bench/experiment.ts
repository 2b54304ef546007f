import type { WorkerOptions } from '@temporalio/worker';

/**
 * BENCH_WORKER_OPTIONS: worker options (JSON) that both measured workers, Settle's and the baseline's, apply
 * on top of their defaults, to try a setting before it becomes createSettleWorker's default.
 */
export function experiment(): Partial<WorkerOptions> {
  return JSON.parse(process.env.BENCH_WORKER_OPTIONS || '{}') as Partial<WorkerOptions>;
}
