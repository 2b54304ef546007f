import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { USES, loadConfig, temporalAddress } from '../config';
import { createLogger, type Logger } from '../config/logger';
import { createSettleWorker } from './createWorker';
import { installRuntime } from './runtime';
import { ensureSearchAttributes } from './searchAttributes';

/** `npm run worker`: the worker on its own, for a container beside a Temporal cluster. Ctrl-C drains it. */
async function main() {
  const config = loadConfig(undefined, { owners: USES.worker });
  const logger = createLogger('worker', config.LOG_LEVEL);
  installRuntime(config.LOG_LEVEL === 'debug' ? 'DEBUG' : config.LOG_LEVEL === 'info' ? 'INFO' : 'WARN', {
    metricsPort: config.METRICS_PORT,
  });
  const address = temporalAddress(config);
  await registerSearchAttributes(address, config.TEMPORAL_NAMESPACE, logger);
  const connection = await NativeConnection.connect({ address });
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

/** Registers Settle's search attributes where the credentials allow; a cluster admin can do it instead (README). */
async function registerSearchAttributes(address: string, namespace: string, logger: Logger) {
  const connection = await Connection.connect({ address });
  try {
    const added = await ensureSearchAttributes(connection, namespace);
    if (added.length > 0) logger.info('registered search attributes', { added });
  } catch (error) {
    logger.warn('could not register search attributes; register them as the README shows', {
      error: (error as Error).message,
    });
  } finally {
    await connection.close();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
