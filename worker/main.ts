import { NativeConnection } from '@temporalio/worker';
import { USES, type ConfigOf } from '../config';
import { parseDuration } from '../domain/duration';
import { warnIfStoredInClear } from '../config/payloadCodec';
import { createLogger, type Logger } from '../config/logger';
import { connectTemporal, temporalTarget } from '../config/temporalConnection';
import { tracingFromConfig } from '../config/tracing';
// The process's entry is where the worker meets its doors, as api/ is for the API.
import { FRONT_DOORS, loadSettleConfig } from '../oms';
import { createSettleWorker } from './createWorker';
import { installRuntime } from './runtime';
import { ensureSearchAttributes } from './searchAttributes';

/** `npm run worker`: the worker on its own, for a container beside a Temporal cluster. Ctrl-C drains it. */
async function main() {
  const config = loadSettleConfig(undefined, { owners: USES.worker });
  const logger = createLogger('worker', config.LOG_LEVEL);
  warnIfStoredInClear(config.PAYLOAD_KEYS, logger);
  installRuntime(config.LOG_LEVEL === 'debug' ? 'DEBUG' : config.LOG_LEVEL === 'info' ? 'INFO' : 'WARN', {
    metricsPort: config.METRICS_PORT,
  });
  const target = temporalTarget(config);
  await registerSearchAttributes(config, logger);
  const connection = await NativeConnection.connect(target.connectionOptions);
  const tracing = tracingFromConfig(config, 'settle-worker');
  const worker = await createSettleWorker(
    { ...config, TEMPORAL_NAMESPACE: target.namespace },
    connection,
    FRONT_DOORS,
    {
      shutdownGraceTime: parseDuration(config.WORKER_SHUTDOWN_GRACE),
    },
    tracing,
  );
  logger.info('worker started', { taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: target.namespace });
  // Worker.run() installs SIGINT/SIGTERM handlers that shut it down: it polls no more, lets the activities in
  // flight finish for up to WORKER_SHUTDOWN_GRACE, then cancels them (a retry runs them again elsewhere).
  await worker.run();
  await connection.close();
  await tracing?.shutdown();
  logger.info('worker stopped');
  // Drained: nothing is left to finish (the doors closed their connections as the worker stopped).
  process.exit(0);
}

/**
 * Registers Settle's search attributes where they are missing; where they cannot be (no room on the
 * namespace, no right to), the worker does not start: every payment start would be refused.
 */
async function registerSearchAttributes(config: ConfigOf<'temporal'>, logger: Logger) {
  const temporal = await connectTemporal(config);
  try {
    const added = await ensureSearchAttributes(temporal.connection, temporal.namespace);
    if (added.length > 0) logger.info('registered search attributes', { added });
  } finally {
    await temporal.close();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
