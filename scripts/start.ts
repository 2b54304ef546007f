import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { LOCAL_PORTS, loadConfig, localDefaults } from '../config';
import { createLogger } from '../config/logger';
import { installRuntime } from '../worker/runtime';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';
import { ensureSearchAttributes } from '../worker/searchAttributes';
import { startStack } from './stack';
import { resolveTemporalCli, withResolution } from './temporal-binaries';

/**
 * `npm start`: all of Settle on one machine. Without TEMPORAL_ADDRESS it starts a Temporal dev server
 * (state in .data/temporal.db, Web UI on :8233), then the MIB and gateway simulators, the worker and the API,
 * and stops them all on Ctrl-C. Environment variables override the local defaults (config/index.ts).
 */

const DATA_DIR = resolve(__dirname, '..', '.data');

async function main() {
  // Ctrl-C is handled below, in order; the SDK's own signal handlers would drain the worker first.
  installRuntime('WARN', { handleSignals: false });
  const config = loadConfig({ ...localDefaults(), ...process.env });
  const logger = createLogger('start', config.LOG_LEVEL);
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse())
      await stop().catch((error: Error) => console.error(error.message));
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
    const added = await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE)
      .catch((error: Error) => {
        logger.warn('could not register search attributes; see the README', { error: error.message });
        return [];
      })
      .finally(() => connection.close());
    if (added.length > 0) logger.info('registered search attributes', { added });

    const stack = await startStack({
      address,
      ports: { api: config.API_PORT, mib: portOf(config.MIB_BASE_URL), gateway: portOf(config.GATEWAY_URL) },
      env: process.env,
      gateway: { webhookUrl: `${config.PUBLIC_URL}/webhooks/gateway`, webhookDelayMs: 2000 },
    });
    stops.push(() => stack.stop());
    console.log(
      [
        '',
        'Settle is running:',
        `  API (MIB intake)   ${stack.api.url}/mib`,
        `  webhooks           ${stack.api.url}/webhooks/gateway`,
        `  Temporal           ${address}${config.TEMPORAL_ADDRESS ? '' : `   Web UI http://localhost:${LOCAL_PORTS.temporalUi}`}`,
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

function portOf(url: string): number {
  return Number(new URL(url).port);
}

void main();
