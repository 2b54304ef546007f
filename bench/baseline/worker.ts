import { NativeConnection, Worker } from '@temporalio/worker';
import { WORKER_TUNING } from '../../worker/createWorker';
import { installRuntime } from '../../worker/runtime';
import { experiment } from '../experiment';
import type { BaselineActivities } from './workflows';

/**
 * The baseline's worker, in a process of its own as Settle's is: the no-op workflow and activity on
 * BENCH_TASK_QUEUE of TEMPORAL_ADDRESS, with Settle's worker tuning (WORKER_TUNING), so that the ratio
 * measures Settle's code and not a difference in configuration.
 */
async function main() {
  installRuntime('WARN');
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const activities: BaselineActivities = { noop: async () => {} };
  const bundle = process.env.BENCH_BASELINE_BUNDLE;
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.BENCH_TASK_QUEUE!,
    activities,
    ...WORKER_TUNING,
    ...(bundle
      ? { workflowBundle: { codePath: bundle } }
      : { workflowsPath: require.resolve('./workflows') }),
    ...experiment(),
  });
  console.log('baseline worker started');
  await worker.run();
  await connection.close();
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
