import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { createApi } from '../api/app';
import { LOCAL_PORTS, loadConfig, localDefaults } from '../config';
import { createLogger } from '../config/logger';
import { listen, type RunningServer } from '../config/server';
import { createProviderRegistry } from '../providers/fromConfig';
import { createGatewaySimulator } from '../sim/gateway/server';
import { createMibSimulator } from '../sim/mib/server';
import { createSettleWorker } from '../worker/createWorker';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';
import { ensureSearchAttributes } from './searchAttributes';
import { resolveTemporalCli, withResolution } from './temporal-binaries';

/**
 * `npm start`: all of Settle on one machine. Without TEMPORAL_ADDRESS it starts a Temporal dev server
 * (state in .data/temporal.db, Web UI on :8233), then the MIB and gateway simulators, the worker and the API,
 * and stops them all on Ctrl-C. Environment variables override the local defaults (config/index.ts).
 */

const DATA_DIR = resolve(__dirname, '..', '.data');

async function main() {
  // Ctrl-C is handled below, in order; the SDK's own signal handlers would drain the worker first.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const config = loadConfig({ ...localDefaults(), ...process.env });
  const logger = createLogger('start', config.LOG_LEVEL);
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: Error) => console.error(error.message));
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
  let stopping = false;
  async function shutdown() {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping Settle…');
    await stopAll();
    process.exit(0);
  }

  try {
    const address = config.TEMPORAL_ADDRESS ?? (await startDevServer(stops));
    const connection = await Connection.connect({ address });
    stops.push(() => connection.close());
    const added = await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE).catch(
      (error: Error) => {
        logger.warn('could not register search attributes; see the README', { error: error.message });
        return [];
      },
    );
    if (added.length > 0) logger.info('registered search attributes', { added });

    const mibSim = createMibSimulator({
      clientId: config.MOM_CLIENT,
      clientSecret: config.SERVICE_BUS_SECRET,
    });
    const gatewaySim = createGatewaySimulator({
      apiKey: config.GATEWAY_API_KEY,
      webhookSecret: config.GATEWAY_WEBHOOK_SECRET,
      control: { webhookUrl: `${config.PUBLIC_URL}/webhooks/gateway`, webhookDelayMs: 2000 },
    });
    stops.push(async () => gatewaySim.stop());
    const servers: RunningServer[] = [];
    servers.push(await listen(mibSim.app, portOf(config.MIB_BASE_URL, LOCAL_PORTS.mib)));
    servers.push(await listen(gatewaySim.app, portOf(config.GATEWAY_URL, LOCAL_PORTS.gateway)));

    const nativeConnection = await NativeConnection.connect({ address });
    const worker = await createSettleWorker(config, nativeConnection);
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
      await nativeConnection.close();
    });

    const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const api = createApi({
      temporal,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      providers: createProviderRegistry(config),
      logger: createLogger('api', config.LOG_LEVEL),
    });
    servers.push(await listen(api, config.API_PORT));
    for (const server of servers) stops.push(() => server.close());
    const [mib, gateway, apiServer] = servers as [RunningServer, RunningServer, RunningServer];

    console.log(
      [
        '',
        'Settle is running:',
        `  API (MIB intake)   ${apiServer.url}/mib`,
        `  webhooks           ${apiServer.url}/webhooks/gateway`,
        `  Temporal           ${address}${config.TEMPORAL_ADDRESS ? '' : `   Web UI http://localhost:${LOCAL_PORTS.temporalUi}`}`,
        `  MIB simulator      ${mib.url}   notifications: ${mib.url}/notifications`,
        `  gateway simulator  ${gateway.url}   control: ${gateway.url}/_control`,
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
    await running;
  } catch (error) {
    console.error((error as Error).message);
    await stopAll();
    process.exit(1);
  }
}

/** Starts `temporal server start-dev` with its state in .data/ and resolves with its gRPC address. */
async function startDevServer(stops: (() => Promise<unknown>)[]): Promise<string> {
  mkdirSync(DATA_DIR, { recursive: true });
  const dbFilename = join(DATA_DIR, 'temporal.db');
  const resolution = await resolveTemporalCli({ log: (line) => console.log(line) });
  const searchAttributes = ALL_SEARCH_ATTRIBUTES.map(({ name, type }) => ({ name, type }));
  return withResolution(resolution, async (executable) => {
    if (executable.type === 'cached-download') {
      // With internet: the SDK downloads the CLI and runs the same dev server.
      const env = await TestWorkflowEnvironment.createLocal({
        server: {
          executable,
          dbFilename,
          port: LOCAL_PORTS.temporal,
          uiPort: LOCAL_PORTS.temporalUi,
          searchAttributes,
        },
      });
      stops.push(() => env.teardown());
      return `127.0.0.1:${LOCAL_PORTS.temporal}`;
    }
    const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(LOCAL_PORTS.temporal)];
    args.push(
      '--ui-port',
      String(LOCAL_PORTS.temporalUi),
      '--db-filename',
      dbFilename,
      '--log-level',
      'warn',
    );
    for (const { name, type } of searchAttributes)
      args.push('--search-attribute', `${name}=${toCliType(type)}`);
    const log = createWriteStream(join(DATA_DIR, 'temporal.log'), { flags: 'a' });
    const child = spawn(executable.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    stops.push(() => stopChild(child));
    await waitForPort(LOCAL_PORTS.temporal, child);
    return `127.0.0.1:${LOCAL_PORTS.temporal}`;
  });
}

function toCliType(type: string): string {
  return type
    .toLowerCase()
    .split('_')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}

function waitForPort(port: number, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((done, fail) => {
    child.once('exit', (code) =>
      fail(new Error(`the Temporal dev server exited with ${code}; see .data/temporal.log`)),
    );
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) fail(new Error(`the Temporal dev server did not listen on ${port}`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGINT');
  });
}

function portOf(url: string, fallback: number): number {
  return Number(new URL(url).port) || fallback;
}

void main();
