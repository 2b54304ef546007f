import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';
import { cliType } from '../worker/searchAttributes';
import { stopLeftovers } from './leftovers';
import { waitForPort } from './listeningProcess';
import { untilServing } from './temporalServing';
import { killGroup, spawnGuarded } from './processGuard';
import { resolveTemporalCli, withResolution } from './temporal-binaries';

/**
 * `temporal server start-dev` as a child process with its state in a SQLite file: what `npm start` runs,
 * and what the crash tests stop and start again on the same file and port.
 */

export interface DevServerOptions {
  /** The SQLite file; a new one is created, an existing one is reopened with every workflow in it. */
  readonly dbFile: string;
  readonly port: number;
  /** The Web UI's port; none (headless) when unset. */
  readonly uiPort?: number;
  /** The codec server the Web UI decodes payloads through (`<api>/codec`); none when unset. */
  readonly uiCodecEndpoint?: string;
  /** Where the server's own output goes (appended). */
  readonly logFile: string;
  /** Progress lines of the CLI's resolution (a first build takes minutes). */
  readonly log?: (line: string) => void;
}

export interface DevServer {
  /** The gRPC frontend, host:port. */
  readonly address: string;
  /** Stops the server and resolves once it has exited and closed its database. */
  stop(): Promise<void>;
}

export async function startDevServer({
  dbFile,
  port,
  uiPort,
  uiCodecEndpoint,
  logFile,
  log,
}: DevServerOptions): Promise<DevServer> {
  mkdirSync(dirname(dbFile), { recursive: true });
  mkdirSync(dirname(logFile), { recursive: true });
  const address = `127.0.0.1:${port}`;
  const codecArgs = uiCodecEndpoint === undefined ? [] : ['--ui-codec-endpoint', uiCodecEndpoint];
  const resolution = await resolveTemporalCli({ log });
  return withResolution(resolution, async (executable) => {
    if (executable.type === 'cached-download') {
      // With internet: the SDK downloads the CLI and runs the same dev server.
      const env = await TestWorkflowEnvironment.createLocal({
        server: {
          executable,
          dbFilename: dbFile,
          port,
          extraArgs: [...SQLITE_PRAGMAS, ...codecArgs],
          ...(uiPort === undefined ? { ui: false } : { ui: true, uiPort }),
          searchAttributes: ALL_SEARCH_ATTRIBUTES,
        },
      });
      return { address, stop: () => env.teardown() };
    }
    const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port)];
    args.push(...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]));
    args.push('--db-filename', dbFile, '--log-level', 'warn', ...SQLITE_PRAGMAS, ...codecArgs);
    // The flag registers them before the server serves, but only in a new database; ensureSearchAttributes
    // (worker and API start, npm start) adds any that an existing database lacks, or refuses to start.
    for (const { name, type } of ALL_SEARCH_ATTRIBUTES)
      args.push('--search-attribute', `${name}=${cliType(type)}`);
    // A dev server an earlier run left on this database would hold it and the port.
    await stopLeftovers(`--db-filename ${resolve(dbFile)}`, { what: 'Temporal dev server', log });
    const output = createWriteStream(logFile, { flags: 'a' });
    // Its own process group: a terminal's Ctrl-C reaches the caller only, which stops Settle's worker before
    // the server it polls; the guardian stops it if the caller dies.
    const child = spawnGuarded(executable.path, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      stopSignal: 'SIGINT',
    });
    child.stdout!.pipe(output);
    child.stderr!.pipe(output);
    try {
      await waitForPort(port, child, {
        what: `the Temporal dev server (log: ${logFile})`,
        timeoutMs: 60_000,
      });
      // Listening comes before serving: the worker that starts next would find the frontend not yet healthy.
      await untilServing(address, {
        what: `the Temporal dev server (log: ${logFile})`,
        exited: () => child.exitCode !== null || child.signalCode !== null,
        timeoutMs: 60_000,
      });
    } catch (error) {
      await stopChild(child);
      throw error;
    }
    return { address, stop: () => stopChild(child) };
  });
}

/**
 * Write-ahead logging, synced at checkpoints: the dev server carries 2.4 times as many workflows per second
 * as with SQLite's default rollback journal (bench, 55 against 23 baseline workflows/s), and a killed server
 * still loses nothing it has committed; only a power cut may take the last transactions.
 */
export const SQLITE_PRAGMAS = [
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=normal',
];

/** SIGINT lets the dev server close its SQLite database cleanly; SIGKILL only if it hangs. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGINT');
  });
}
