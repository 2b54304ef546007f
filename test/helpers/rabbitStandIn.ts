import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../config/server';
import { waitForPort } from '../../scripts/listeningProcess';

/**
 * A RabbitMQ broker of the test's own: the distribution's `rabbitmq-server` as its own node (name, ports,
 * data, logs and Erlang cookie under `dataDir`, no plugins), stopped by the test. Started again with the same
 * `dataDir` and `port` it is the same broker after a restart, with its durable exchanges, queues and
 * persistent messages.
 */

export interface RabbitMqOptions {
  /** Where the node keeps its data; a new temporary folder (removed by stop) unless told. */
  readonly dataDir?: string;
  /** The AMQP port; a free one unless told. */
  readonly port?: number;
}

export interface RunningRabbitMq {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
/** A loaded machine boots the node in tens of seconds; an idle one in about six. */
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
const OUTPUT_KEPT = 8192;

export async function startRabbitMq({ dataDir, port }: RabbitMqOptions = {}): Promise<RunningRabbitMq> {
  if (!existsSync(SERVER)) {
    throw new Error(`RabbitMQ is not installed (${SERVER}): apt-get install -y rabbitmq-server`);
  }
  const ownDir = dataDir === undefined;
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'settle-rabbitmq-')));
  await mkdir(join(dir, 'log'), { recursive: true });
  await writeFile(join(dir, 'enabled_plugins'), '');
  await writeFile(join(dir, 'rabbitmq-env.conf'), '');
  const amqpPort = port ?? (await freePort());
  // The node's name follows from its folder, so a restart finds its own data.
  const node = `settle-${createHash('sha256').update(dir).digest('hex').slice(0, 10)}@localhost`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(await freePort()),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_LOGS: '-',
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
  };
  // Its own process group: the shell script and the Erlang VM it starts stop together.
  const child = spawn(SERVER, [], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_KEPT));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // The group has ended already.
    }
  };
  // A test run that ends without its teardown must not leave the broker behind.
  const orphaned = () => signal('SIGKILL');
  process.once('exit', orphaned);

  const stop = async () => {
    process.off('exit', orphaned);
    if (child.exitCode === null && child.signalCode === null) {
      signal('SIGTERM');
      const deadline = setTimeout(() => signal('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(deadline);
    }
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(amqpPort, child, {
      what: 'RabbitMQ',
      timeoutMs: START_TIMEOUT_MS,
      output: () => output,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `amqp://guest:guest@127.0.0.1:${amqpPort}`, port: amqpPort, stop };
}
