import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect } from 'amqplib';
import { freePort } from '../../config/server';
import {
  RabbitMqNotInstalledError,
  rabbitMqLine,
  startLocalRabbitMq,
  startRabbitMq,
  type RabbitMq,
} from '../../scripts/rabbitmq';
import { BROKER_START_MS } from '../helpers/broker';

/**
 * scripts/rabbitmq.ts: brokers side by side, each on its own node and ports, stopped cleanly; `npm start`'s
 * broker, AMQP_URL's instead, or none when rabbitmq-server is missing.
 */

const folders: string[] = [];
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'settle-rabbitmq-test-'));
  folders.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

test(
  'two brokers at once, a temporary one and npm start’s: own nodes and ports, rabbitmqctl reaches each, stop ends each',
  async () => {
    const stops: (() => Promise<unknown>)[] = [];
    // As npm start lays it out: .data/ shared with other services (PostgreSQL's user must traverse it).
    const dataDir = join(folder(), '.data', 'rabbitmq');
    const port = await freePort();
    const env = { ...process.env, AMQP_URL: undefined };
    const [temporary, localUrl] = await Promise.all([
      startRabbitMq(),
      startLocalRabbitMq({ dataDir, stops, log: () => {}, port, env }),
    ]);
    let brokers: RabbitMq[] = [temporary];
    try {
      expect(localUrl).toBe(`amqp://guest:guest@127.0.0.1:${port}`);
      expect(stops).toHaveLength(1);
      expect(temporary.port).not.toBe(port);
      expect(temporary.url).toBe(`amqp://guest:guest@127.0.0.1:${temporary.port}`);
      expect(temporary.nodeName).toMatch(/^settle-[0-9a-f]{8}@localhost$/);
      expect(temporary.startMs).toBeGreaterThan(0);
      await temporary.ctl('await_startup');
      expect(await temporary.ctl('eval', 'node().')).toContain(temporary.nodeName);
      for (const url of [temporary.url, localUrl!]) await (await connect(url)).close();

      await Promise.all([temporary.stop(), ...stops.map((stop) => stop())]);
      brokers = [];
      for (const url of [temporary.url, localUrl!])
        await expect(connect(url)).rejects.toThrow(/ECONNREFUSED/);
      // The temporary folder goes with its broker; npm start's data stays for the next run.
      expect(existsSync(temporary.dataDir)).toBe(false);
      expect(existsSync(join(dataDir, 'node-name'))).toBe(true);
      // Only the broker's own home is private; the folders above it stay open to other users.
      expect(statSync(dirname(dataDir)).mode & 0o001).toBe(0o001);
      expect(statSync(join(dataDir, 'home')).mode & 0o077).toBe(0);
    } finally {
      await Promise.all(brokers.map((broker) => broker.stop()));
    }
  },
  BROKER_START_MS,
);

test('rabbitmq-server missing: a typed error; npm start goes on without events and says so', async () => {
  const env = { ...process.env, AMQP_URL: undefined, RABBITMQ_BIN: folder() };
  const error = await startRabbitMq({ env }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RabbitMqNotInstalledError);
  expect((error as Error).message).toMatch(
    /rabbitmq-server is not installed.*apt-get install rabbitmq-server/,
  );

  const lines: string[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  const dataDir = join(folder(), 'rabbitmq');
  expect(await startLocalRabbitMq({ dataDir, stops, log: (line) => lines.push(line), env })).toBeUndefined();
  expect(stops).toEqual([]);
  expect(lines.join('\n')).toMatch(
    /not installed.*The Deity door's events are disabled until AMQP_URL is set/s,
  );
  expect(rabbitMqLine(undefined)).toMatch(/none: the Deity door's events are disabled until AMQP_URL is set/);
});

test('AMQP_URL set: npm start uses that broker and starts none; its password is not shown', async () => {
  const stops: (() => Promise<unknown>)[] = [];
  const url = 'amqps://settle:p4ss@broker.example:5671/shop';
  const dataDir = join(folder(), 'rabbitmq');
  const env = { ...process.env, AMQP_URL: url };
  expect(await startLocalRabbitMq({ dataDir, stops, log: () => {}, env })).toBe(url);
  expect(stops).toEqual([]);
  expect(existsSync(dataDir)).toBe(false);
  expect(rabbitMqLine(url)).toContain('amqps://settle:***@broker.example:5671/shop');
  expect(rabbitMqLine(url)).not.toContain('p4ss');
});

test('AMQP_PORT that is no port is refused by name', async () => {
  const env = { ...process.env, AMQP_URL: undefined, AMQP_PORT: '56720000' };
  await expect(
    startLocalRabbitMq({ dataDir: join(folder(), 'rabbitmq'), stops: [], log: () => {}, env }),
  ).rejects.toThrow('AMQP_PORT must be a port number from 1 to 65535, not "56720000"');
});
