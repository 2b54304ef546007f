import { NativeConnection } from '@temporalio/worker';
import { USES } from '../config';
import { createLogger } from '../config/logger';
import { temporalTarget } from '../config/temporalConnection';
import { FRONT_DOORS, loadSettleConfig } from '../oms';
import { createSettleWorker } from '../worker/createWorker';
import { installRuntime } from '../worker/runtime';
import { experiment } from './experiment';

/**
 * Settle's worker as the benchmark runs it: `createSettleWorker` configured from the environment, as
 * `npm run worker` does, in a process of its own; it also answers the benchmark's "status" question over
 * IPC (how many workflows it caches), which a container's worker has no channel for.
 * BENCH_WORKFLOW_BUNDLE loads a prebuilt workflow bundle (the smoke test's) instead of bundling at start.
 */
async function main() {
  const config = loadSettleConfig(undefined, { owners: USES.worker });
  const logger = createLogger('worker', config.LOG_LEVEL);
  installRuntime(config.LOG_LEVEL === 'debug' ? 'DEBUG' : config.LOG_LEVEL === 'info' ? 'INFO' : 'WARN');
  const connection = await NativeConnection.connect(temporalTarget(config).connectionOptions);
  const bundle = process.env.BENCH_WORKFLOW_BUNDLE;
  const worker = await createSettleWorker(config, connection, FRONT_DOORS, {
    ...(bundle ? { workflowBundle: { codePath: bundle } } : {}),
    ...experiment(),
  });
  // The channel must not keep the process alive once the worker has drained.
  process.channel?.unref();
  process.on('message', () => {
    const { heapUsed, heapTotal } = process.memoryUsage();
    process.send?.({
      ...worker.getStatus(),
      maxCachedWorkflows: worker.options.maxCachedWorkflows,
      heapUsed,
      heapTotal,
    });
  });
  logger.info('worker started', { taskQueue: config.TEMPORAL_TASK_QUEUE });
  // Whatever LOG_LEVEL says, the benchmark must know when the worker polls.
  console.log('bench worker ready');
  await worker.run();
  await connection.close();
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
