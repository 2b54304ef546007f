import { USES, loadConfig, settlementPolicies } from '../config';
import { createLogger } from '../config/logger';
import { listen } from '../config/server';
import { connectTemporal } from '../config/temporalConnection';
import { createProviderRegistry } from '../providers/fromConfig';
import { createApi } from './app';

/** `npm run api`: the HTTP edge on its own, for a container beside a Temporal cluster. */
async function main() {
  const config = loadConfig(undefined, { owners: USES.api });
  const logger = createLogger('api', config.LOG_LEVEL);
  const temporal = await connectTemporal(config);
  const app = createApi({
    temporal: temporal.client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    providers: createProviderRegistry(config),
    logger,
    mibIntakeSecret: config.MIB_INTAKE_SECRET,
    settlement: settlementPolicies(config),
    adminToken: config.ADMIN_TOKEN,
  });
  const running = await listen(app, config.API_PORT);
  logger.info('API listening', { url: running.url });
  const stop = async () => {
    await running.close();
    await temporal.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
