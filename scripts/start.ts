import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig, localDefaults, localPorts, type LocalPorts } from '../config';
import { createLogger } from '../config/logger';
import { installRuntime } from '../worker/runtime';
import { ensureSearchAttributes } from '../worker/searchAttributes';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';
import { startStack } from './stack';
import { resolveTemporalCli, withResolution } from './temporal-binaries';

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
    const address = config.TEMPORAL_ADDRESS ?? (await startDevServer(ports, dataDir, stops));
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
async function startDevServer(ports: LocalPorts, dataDir: string, stops: Stop[]): Promise<string> {
  mkdirSync(dataDir, { recursive: true });
  const dbFilename = join(dataDir, 'temporal.db');
  const address = `127.0.0.1:${ports.temporal}`;
  const resolution = await resolveTemporalCli({ log: (line) => console.log(line) });
  return withResolution(resolution, async (executable) => {
    if (executable.type === 'cached-download') {
      // With internet: the SDK downloads the CLI and runs the same dev server.
      const env = await TestWorkflowEnvironment.createLocal({
        server: {
          executable,
          dbFilename,
          port: ports.temporal,
          uiPort: ports.temporalUi,
          searchAttributes: ALL_SEARCH_ATTRIBUTES,
        },
      });
      stops.push(() => env.teardown());
      return address;
    }
    const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(ports.temporal)];
    args.push('--ui-port', String(ports.temporalUi), '--db-filename', dbFilename, '--log-level', 'warn');
    // The flag registers them before the server serves, but only in a new database; ensureSearchAttributes
    // adds any that an existing database lacks.
    for (const { name, type } of ALL_SEARCH_ATTRIBUTES)
      args.push('--search-attribute', `${name}=${cliType(type)}`);
    const log = createWriteStream(join(dataDir, 'temporal.log'), { flags: 'a' });
    const child = spawn(executable.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    stops.push(() => stopChild(child));
    await waitForPort(ports.temporal, child, join(dataDir, 'temporal.log'));
    return address;
  });
}

/** KEYWORD_LIST → KeywordList, the CLI's spelling of a search-attribute type. */
function cliType(type: string): string {
  return type.toLowerCase().replace(/(^|_)([a-z])/g, (_match, _sep, letter: string) => letter.toUpperCase());
}

function waitForPort(port: number, child: ChildProcess, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((done, fail) => {
    const exited = (code: number | null) =>
      fail(new Error(`the Temporal dev server exited with ${code}; see ${logFile}`));
    child.once('exit', exited);
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        child.off('exit', exited);
        done();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline)
          fail(new Error(`the Temporal dev server did not listen on ${port}; see ${logFile}`));
        else if (child.exitCode === null) setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

/** SIGINT lets the dev server close its SQLite database cleanly; SIGKILL only if it hangs. */
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

void main();
