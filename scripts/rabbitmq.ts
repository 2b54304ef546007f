import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { connect } from 'amqplib';
import { freePort } from '../config/server';
import { stopLeftovers } from './leftovers';
import { waitForPort } from './listeningProcess';
import { killGroup, spawnGuarded } from './processGuard';
import { findOnPath } from './temporal-binaries';

/**
 * A RabbitMQ broker of Settle's own, for the tests and `npm start`: `rabbitmq-server` in the foreground as a
 * child process, on loopback ports of its own, with its node name, Erlang cookie, database, logs and
 * configuration in one folder, so that several run side by side and none reads the system's broker settings.
 * Only epmd (port 4369, which the first broker starts) is shared. No plugins: it starts in about 4 seconds on
 * two cores, up to 8 when they are busy (two brokers at once, other tests).
 */

export interface RabbitMqOptions {
  /**
   * The broker's folder. A folder used before is reopened with its node name, so its durable queues and
   * persistent messages are still there. Unset: a temporary folder, removed by `stop()`.
   */
  readonly dataDir?: string;
  /** The AMQP port (on 127.0.0.1); a free one when unset. */
  readonly port?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /** How long to wait for the broker to accept AMQP connections; generous, for a loaded machine. */
  readonly timeoutMs?: number;
  /** RABBITMQ_BIN, and what the broker's processes inherit. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface RabbitMq {
  /** amqp://guest:guest@127.0.0.1:<port>: the guest user, which RabbitMQ admits from loopback only. */
  readonly url: string;
  readonly port: number;
  /** The Erlang node, e.g. settle-1a2b3c4d@localhost, which `rabbitmqctl -n` names. */
  readonly nodeName: string;
  readonly dataDir: string;
  /** The broker's own log file. */
  readonly logFile: string;
  /** How long the start took, until the broker accepted an AMQP connection. */
  readonly startMs: number;
  /** Runs `rabbitmqctl -n <node> <args…>` with the broker's cookie; resolves with its output. */
  ctl(...args: string[]): Promise<string>;
  /** Stops the broker cleanly (rabbitmqctl stop, then signals) and resolves once it has exited. */
  stop(): Promise<void>;
}

/** RabbitMQ's programs are not installed: the caller may go on without a broker, or say what to install. */
export class RabbitMqNotInstalledError extends Error {
  override readonly name = 'RabbitMqNotInstalledError';
  constructor(detail?: string) {
    super(
      `RabbitMQ: rabbitmq-server is not installed${detail ? ` (${detail})` : ''}. To fix: install it (e.g. "apt-get install rabbitmq-server"), or set RABBITMQ_BIN to the folder holding rabbitmq-server and rabbitmqctl`,
    );
  }
}

/**
 * The folder holding rabbitmq-server and rabbitmqctl: RABBITMQ_BIN, else where Debian's and Red Hat's packages
 * keep the real scripts (the ones on their PATH switch to the rabbitmq user and log to /var/log), else PATH's.
 */
export function rabbitMqBin(env: NodeJS.ProcessEnv = process.env): string {
  const holdsBoth = (dir: string) =>
    existsSync(join(dir, 'rabbitmq-server')) && existsSync(join(dir, 'rabbitmqctl'));
  const explicit = env.RABBITMQ_BIN;
  if (explicit) {
    if (!holdsBoth(explicit))
      throw new RabbitMqNotInstalledError(
        `RABBITMQ_BIN=${explicit} holds no rabbitmq-server and rabbitmqctl`,
      );
    return explicit;
  }
  if (holdsBoth(PACKAGED_BIN)) return PACKAGED_BIN;
  const onPath = findOnPath('rabbitmq-server');
  if (onPath && holdsBoth(dirname(onPath))) return dirname(onPath);
  throw new RabbitMqNotInstalledError();
}

const PACKAGED_BIN = '/usr/lib/rabbitmq/bin';
/** The port `npm start`'s broker takes when it is free, so that a shop's consumer finds it where it was. */
export const LOCAL_AMQP_PORT = 5672;

export interface LocalRabbitMqOptions {
  /** The broker's folder, kept across runs (.data/rabbitmq). */
  readonly dataDir: string;
  /** Where its stop goes; `npm start` runs them in reverse on Ctrl-C. */
  readonly stops: (() => Promise<unknown>)[];
  readonly log: (line: string) => void;
  /** Tried first (else AMQP_PORT, else 5672); a free port when another broker holds it. */
  readonly port?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The broker for the Deity door's events in `npm start`: AMQP_URL's when set (nothing started), else one of
 * its own with its data in `dataDir`; undefined, said plainly, when RabbitMQ is not installed.
 */
export async function startLocalRabbitMq({
  dataDir,
  stops,
  log,
  port,
  env = process.env,
}: LocalRabbitMqOptions): Promise<string | undefined> {
  if (env.AMQP_URL) return env.AMQP_URL;
  const wanted = port ?? localAmqpPort(env);
  try {
    const broker = await startRabbitMq({
      dataDir,
      port: (await isFree(wanted)) ? wanted : await freePort(),
      log,
      env,
    });
    stops.push(() => broker.stop());
    return broker.url;
  } catch (error) {
    if (!(error instanceof RabbitMqNotInstalledError)) throw error;
    log(`${error.message}. The Deity door's events are disabled until AMQP_URL is set.`);
    return undefined;
  }
}

/** `npm start`'s line for the broker; a password in AMQP_URL is not shown. */
export function rabbitMqLine(url: string | undefined): string {
  if (!url) return "  RabbitMQ           none: the Deity door's events are disabled until AMQP_URL is set";
  const shown = new URL(url);
  if (shown.password && shown.password !== 'guest') shown.password = '***';
  return `  RabbitMQ           ${shown.toString()}   (the Deity door's events)`;
}

function localAmqpPort(env: NodeJS.ProcessEnv): number {
  const text = env.AMQP_PORT;
  if (text === undefined) return LOCAL_AMQP_PORT;
  const port = Number(text);
  if (!/^[0-9]+$/.test(text) || port < 1 || port > 65535)
    throw new Error(`AMQP_PORT must be a port number from 1 to 65535, not "${text}"`);
  return port;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

const OUTPUT_KEPT = 4096;
const ATTEMPTS = 3;

export async function startRabbitMq({
  dataDir,
  port,
  log = () => {},
  timeoutMs = 120_000,
  env = process.env,
}: RabbitMqOptions = {}): Promise<RabbitMq> {
  const bin = rabbitMqBin(env);
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'settle-rabbitmq-'));
  try {
    const layout = prepareFolder(dir, env);
    // A broker an earlier run left on this folder holds the node name: a second one would stop at boot with
    // duplicate_node_name. Its Erlang VM's command line names the folder's home.
    await stopLeftovers(`-home ${join(resolve(dir), 'home')}`, { what: 'RabbitMQ', log });
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await startOnce(bin, layout, port ?? (await freePort()), log, timeoutMs, () => {
          if (!dataDir) rmSync(dir, { recursive: true, force: true });
        });
      } catch (error) {
        // A free port taken meanwhile makes the broker exit at once: new ports, or, where the caller chose
        // one (a broker restarted where its clients expect it), the same again once the taker has let go.
        if (attempt >= ATTEMPTS || !(error instanceof ExitedEarly)) throw error;
        if (port !== undefined) await new Promise((retry) => setTimeout(retry, 1_000));
      }
    }
  } catch (error) {
    if (!dataDir) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

interface Layout {
  readonly dir: string;
  readonly nodeName: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
}

/** The broker's folder: its node name and cookie (kept across starts: the database belongs to the node), config files. */
function prepareFolder(dir: string, inherited: NodeJS.ProcessEnv): Layout {
  const home = join(dir, 'home');
  // Only the broker's own home is private: a recursive mkdir with a mode would also close the folders above it
  // (.data/), which other services' users (PostgreSQL's) must traverse.
  mkdirSync(dir, { recursive: true });
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const nameFile = join(dir, 'node-name');
  if (!existsSync(nameFile)) writeFileSync(nameFile, `settle-${randomBytes(4).toString('hex')}@localhost\n`);
  const nodeName = readFileSync(nameFile, 'utf8').trim();
  // Erlang refuses a cookie others may read; the CLI tools find it in the same HOME.
  const cookie = join(home, '.erlang.cookie');
  if (!existsSync(cookie)) writeFileSync(cookie, randomBytes(20).toString('hex'), { mode: 0o400 });
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const logBase = join(dir, 'log');
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    HOME: home,
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: logBase,
    RABBITMQ_ENABLED_PLUGINS_FILE: file('enabled_plugins', '[].\n'),
    // Empty files of its own instead of /etc/rabbitmq's, so a system broker's settings do not apply.
    RABBITMQ_CONF_ENV_FILE: file('rabbitmq-env.conf', ''),
    RABBITMQ_CONFIG_FILE: file(
      'rabbitmq.conf',
      '# Settle: the log goes to the file only.\nlog.console = false\n',
    ),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    // Erlang distribution (rabbitmqctl's way in) on loopback only; schedulers that do not spin while idle,
    // as RabbitMQ advises on shared machines.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS:
      '-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none',
  };
  return { dir, nodeName, env, logFile: join(logBase, `${nodeName}.log`) };
}

class ExitedEarly extends Error {}

async function startOnce(
  bin: string,
  { dir, nodeName, env: baseEnv, logFile }: Layout,
  port: number,
  log: (line: string) => void,
  timeoutMs: number,
  cleanUp: () => void,
): Promise<RabbitMq> {
  const started = Date.now();
  const env = { ...baseEnv, RABBITMQ_NODE_PORT: String(port), RABBITMQ_DIST_PORT: String(await freePort()) };
  // A process group of its own, guarded: the script runs erl as its child, the group is what a last-resort kill
  // hits, and the guardian stops it if this process dies without stopping it.
  const child = spawnGuarded(join(bin, 'rabbitmq-server'), [], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    graceMs: 30_000,
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_KEPT));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  const ctl = (...args: string[]) =>
    new Promise<string>((done, fail) =>
      execFile(
        join(bin, 'rabbitmqctl'),
        ['-n', nodeName, ...args],
        { env, timeout: 60_000 },
        (error, stdout, stderr) =>
          error
            ? fail(new Error(`rabbitmqctl ${args.join(' ')}: ${stderr.trim() || error.message}`))
            : done(stdout),
      ),
    );
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (isRunning(child)) {
        await ctl('stop').catch(() => killGroup(child, 'SIGTERM'));
        if (!(await within(exited, 30_000))) {
          killGroup(child, 'SIGKILL');
          await exited;
        }
      }
      cleanUp();
    })());

  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  const what = `RabbitMQ (node ${nodeName}, log ${logFile})`;
  try {
    await waitForPort(port, child, { what, timeoutMs, output: () => output });
    await acceptsAmqp(url, started + timeoutMs, what);
  } catch (error) {
    const early = !isRunning(child);
    await stop();
    throw early ? new ExitedEarly((error as Error).message) : error;
  }
  const startMs = Date.now() - started;
  log(`RabbitMQ ${nodeName} on 127.0.0.1:${port}, started in ${(startMs / 1000).toFixed(1)} s`);
  return {
    url,
    port,
    nodeName,
    dataDir: dir,
    logFile,
    startMs,
    ctl,
    // The folder goes with the last stop only: a kept data folder is the caller's.
    stop: () => stop().then(() => undefined),
  };
}

/** Opens and closes one AMQP connection, retrying until the deadline: the listener opens before boot ends. */
async function acceptsAmqp(url: string, deadline: number, what: string): Promise<void> {
  for (;;) {
    try {
      const connection = await connect(url, { timeout: 5_000 });
      await connection.close();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`${what} did not accept AMQP connections: ${(error as Error).message}`);
      await new Promise((done) => setTimeout(done, 200));
    }
  }
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Whether `promise` settled within `ms`. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((done) => (timer = setTimeout(() => done(false), ms)));
  return Promise.race([promise.then(() => true), timeout]).finally(() => clearTimeout(timer));
}
