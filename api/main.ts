import { USES } from '../config';
import { warnIfStoredInClear } from '../config/payloadCodec';
import { createLogger } from '../config/logger';
import { listen } from '../config/server';
import { connectTemporal } from '../config/temporalConnection';
import { ensureSearchAttributes } from '../worker/searchAttributes';
import { tracingClientInterceptors, tracingFromConfig } from '../config/tracing';
import { createApi } from './app';
import { startCodecServer } from './codecServer';
import { apiDependencies } from './dependencies';
import { startDoorParts } from './doorParts';
import { loadSettleConfig } from '../oms';
import { onStopSignals } from '../config/stopSignals';

/**
 * The longest the API waits for its requests in flight after SIGTERM: a workflow start takes milliseconds,
 * and Kubernetes' default grace period of 30 s, less the pod's preStop pause, leaves this much.
 */
const DRAIN_MS = 20_000;

/** `npm run api`: the HTTP edge on its own, for a container beside a Temporal cluster. */
async function main() {
  const config = loadSettleConfig(undefined, { owners: USES.api });
  const logger = createLogger('api', config.LOG_LEVEL);
  warnIfStoredInClear(config.PAYLOAD_KEYS, logger);
  // First: an anonymous codec server other hosts would reach is refused before anything starts.
  const codec = await startCodecServer(config, logger);
  const tracing = tracingFromConfig(config, 'settle-api');
  const temporal = await connectTemporal(config, undefined, tracingClientInterceptors(tracing));
  // Without Settle's search attributes every payment start is refused: registered here too if missing (the API
  // may start before the worker), or the API does not start.
  const added = await ensureSearchAttributes(temporal.connection, temporal.namespace).catch(async (error) => {
    await Promise.all([temporal.close(), codec?.close()]);
    throw error;
  });
  if (added.length > 0) logger.info('registered search attributes', { added });
  let draining = false;
  const deps = {
    ...apiDependencies(config, temporal.client, logger),
    draining: () => draining,
    tracer: tracing?.tracer,
  };
  const app = createApi(deps);
  const running = await listen(app, config.API_PORT);
  logger.info('API listening', { url: running.url });
  const closeDoorParts = startDoorParts(deps, config);
  if (codec) logger.info('codec server listening', { url: `${codec.url}/codec` });
  // On SIGTERM: /ready turns 503, the server accepts no new connections, answers the requests in flight
  // (each may still start its workflow), then the process exits.
  const stop = async () => {
    draining = true;
    logger.info('API draining', { drainMs: DRAIN_MS });
    // A queue's deliveries in flight, unacknowledged, go back to the broker for another consumer.
    await closeDoorParts();
    await running.close(DRAIN_MS);
    await codec?.close();
    await temporal.close();
    await tracing?.shutdown();
    logger.info('API stopped');
    process.exit(0);
  };
  onStopSignals(stop);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
