import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { loadConfig, localDefaults, localPorts, type LocalPorts } from '../config';
import { createLogger } from '../config/logger';
import { installRuntime } from '../worker/runtime';
import { ensureSearchAttributes } from '../worker/searchAttributes';
import { startDevServer } from './devServer';
import { startStack } from './stack';

/**
 * `npm start`: all of Settle on one machine. Without TEMPORAL_ADDRESS it starts a Temporal dev server (state
 * in .data/temporal.db, Web UI on :8233), then the MIB and gateway simulators, the worker and the API, and
 * stops them all on Ctrl-C. Environment variables override the local defaults (config/index.ts); the ports
 * are API_PORT, MIB_SIM_PORT, GATEWAY_SIM_PORT, TEMPORAL_PORT and TEMPORAL_UI_PORT, the state folder
 * SETTLE_DATA_DIR.
 */

type Stop = () => Promise<unknown>;

async function main() {
  // Ctrl-C is handled below, in order; the SDK's own signal handlers would drain the worker first.
  installRuntime('WARN', { handleSignals: false });
  const ports = localPorts();
  const config = loadConfig({ ...localDefaults(ports), ...process.env });
  const logger = createLogger('start', config.LOG_LEVEL);
  const dataDir = resolve(process.env.SETTLE_DATA_DIR ?? join(__dirname, '..', '.data'));
  const stops: Stop[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse())
      await stop().catch((error: Error) => console.error(error.message));
  };
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping Settle…');
    await stopAll();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());

  try {
    const address = config.TEMPORAL_ADDRESS ?? (await startLocalServer(ports, dataDir, stops));
    const connection = await Connection.connect({ address });
    const added = await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE)
      .catch((error: Error) => {
        logger.warn('could not register search attributes; see the README', { error: error.message });
        return [];
      })
      .finally(() => connection.close());
    if (added.length > 0) logger.info('registered search attributes', { added });

    const stack = await startStack({
      address,
      ports,
      env: process.env,
      gateway: { webhookUrl: `http://127.0.0.1:${config.API_PORT}/webhooks/gateway`, webhookDelayMs: 2000 },
    });
    stops.push(() => stack.stop());
    const ui = config.TEMPORAL_ADDRESS ? '' : `   Web UI http://localhost:${ports.temporalUi}`;
    // The development token may be shown; a real one never is.
    const operatorAuth =
      config.ADMIN_TOKEN === localDefaults().ADMIN_TOKEN
        ? `(Authorization: Bearer ${config.ADMIN_TOKEN})`
        : '(Authorization: Bearer <ADMIN_TOKEN>)';
    console.log(
      [
        '',
        'Settle is running:',
        `  API (MIB intake)   ${stack.api.url}/mib`,
        `  webhooks           ${stack.api.url}/webhooks/gateway`,
        ...(config.ADMIN_TOKEN ? [`  operator API       ${stack.api.url}/payments   ${operatorAuth}`] : []),
        `  Temporal           ${address}${ui}`,
        `  MIB simulator      ${stack.mib.url}   notifications: ${stack.mib.url}/notifications`,
        `  gateway simulator  ${stack.gateway.url}   control: ${stack.gateway.url}/_control`,
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    console.error((error as Error).message);
    await stopAll();
    process.exit(1);
  }
}

/** Starts `temporal server start-dev` with its state in the data folder; resolves with its gRPC address. */
async function startLocalServer(ports: LocalPorts, dataDir: string, stops: Stop[]): Promise<string> {
  const server = await startDevServer({
    dbFile: join(dataDir, 'temporal.db'),
    port: ports.temporal,
    uiPort: ports.temporalUi,
    logFile: join(dataDir, 'temporal.log'),
    log: (line) => console.log(line),
  });
  stops.push(() => server.stop());
  return server.address;
}

void main();
