import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { createLogger } from '../config/logger';
import { createSettleWorker } from './createWorker';
import { installRuntime } from './runtime';

/** `npm run worker`: the worker on its own, for a container beside a Temporal cluster. Ctrl-C drains it. */
async function main() {
  const config = loadConfig();
  const logger = createLogger('worker', config.LOG_LEVEL);
  installRuntime(config.LOG_LEVEL === 'debug' ? 'DEBUG' : config.LOG_LEVEL === 'info' ? 'INFO' : 'WARN');
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS ?? 'localhost:7233' });
  const worker = await createSettleWorker(config, connection);
  logger.info('worker started', {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
  });
  // Worker.run() installs SIGINT/SIGTERM handlers that shut it down gracefully.
  await worker.run();
  await connection.close();
  logger.info('worker stopped');
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
