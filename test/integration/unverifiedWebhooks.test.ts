import { Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Agent } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { createApi } from '../../api/app';
import { AUTH_FAILURE_LIMIT } from '../../http/throttle';
import { localDefaults } from '../../config';
import { listen, type RunningServer } from '../../config/server';
import { apiParts, send, type Logged } from '../helpers/apiEdge';
import { gatewayEvent } from '../helpers/gatewayEvents';
import { readMetrics } from '../helpers/metrics';
import { createDevServerEnv, eventually } from '../helpers/temporal';
import { loadSettleConfig } from '../../oms';

/**
 * A TCP relay in front of Temporal that can hold Temporal's answers: while held, nothing Temporal sends reaches
 * the API. It counts the bytes the API sends Temporal.
 */
async function holdingRelay(upstream: string) {
  const [host, port] = upstream.split(':');
  const pipes = new Set<{ client: Socket; server: Socket }>();
  let held = false;
  let sentUp = 0;
  const relay = createServer((client) => {
    const server = connect(Number(port), host!);
    const pipe = { client, server };
    pipes.add(pipe);
    client.on('data', (chunk: Buffer) => {
      sentUp += chunk.length;
      server.write(chunk);
    });
    server.pipe(client);
    if (held) server.pause();
    const close = () => {
      pipes.delete(pipe);
      client.destroy();
      server.destroy();
    };
    client.on('error', close).on('close', close);
    server.on('error', close).on('close', close);
  });
  await new Promise<void>((done) => relay.listen(0, '127.0.0.1', done));
  return {
    address: `127.0.0.1:${(relay.address() as AddressInfo).port}`,
    sentUp: () => sentUp,
    hold() {
      held = true;
      for (const { server } of pipes) server.pause();
    },
    release() {
      held = false;
      for (const { server } of pipes) server.resume();
    },
    close: () =>
      new Promise<void>((done) => {
        for (const { client, server } of pipes) {
          client.destroy();
          server.destroy();
        }
        relay.close(() => done());
      }),
  };
}

/**
 * An unverified webhook is answered at once, whatever Temporal does; the payment it names is asked about off
 * the request path, only for an id Temporal could hold, and at most as often as the address's limit allows.
 */
describe('unverified webhooks', () => {
  const config = loadSettleConfig(localDefaults());
  const logged: Logged[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let env: TestWorkflowEnvironment;
  let relay: Awaited<ReturnType<typeof holdingRelay>>;
  let connection: Connection;
  let api: RunningServer;
  beforeAll(async () => {
    env = await createDevServerEnv();
    relay = await holdingRelay(env.address);
    connection = await Connection.connect({ address: relay.address });
    api = await listen(
      createApi({
        ...apiParts(config, connection, logged),
      }),
      0,
    );
  });
  afterAll(async () => {
    agent.destroy();
    await api?.close();
    await connection?.close();
    await relay?.close();
    await env?.teardown();
  });

  const forged = (workflowId: string) =>
    gatewayEvent('wrong-secret', { eventId: 'evt_forged', operationId: 'cap_1', workflowId });
  const webhook = (workflowId: string, from = '127.0.0.31') => {
    const { body, headers } = forged(workflowId);
    return send(
      `${api.url}/webhooks/gateway`,
      { from, headers: { ...headers, 'content-type': 'application/json' }, body },
      agent,
    );
  };
  const rechecked = () =>
    logged.filter((line) =>
      [
        'asking the provider about the payment an unverified webhook named',
        'unverified webhook names no running payment',
      ].includes(line.message),
    ).length;

  it('is answered 401 while Temporal has not answered the recheck, which follows off the request path', async () => {
    const before = rechecked();
    relay.hold();
    const sent = relay.sentUp();
    try {
      const answer = await webhook('payment:PAY-HELD:capture:0123456789abcdef');
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body).error).toMatch(/^webhook verification failed: gateway: /);
      // The recheck has gone out to Temporal, and has no answer yet.
      await eventually(async () => (relay.sentUp() > sent ? true : undefined));
      expect(rechecked()).toBe(before);
    } finally {
      relay.release();
    }
    await eventually(async () => (rechecked() === before + 1 ? true : undefined));
  });

  it('sends Temporal nothing of a claimed id longer than any workflow id, and holds none of it', async () => {
    const before = rechecked();
    const sent = relay.sentUp();
    const long = `payment:${'P'.repeat(200_000)}:capture:0123456789abcdef`;
    const answer = await webhook(long, '127.0.0.32');
    expect(answer.status).toBe(401);
    // A payment that may be asked about, after it: once its recheck is through, the long one would be too.
    expect((await webhook('payment:PAY-AFTER-LONG:capture:0123456789abcdef', '127.0.0.32')).status).toBe(401);
    await eventually(async () => (rechecked() === before + 1 ? true : undefined));
    expect(relay.sentUp() - sent).toBeLessThan(200_000);
  });

  it('asks about at most the limit of payments per address; past it answers 429, other addresses go on', async () => {
    // Each refused webhook's payment is asked about, or, with as many rechecks in flight as allowed (a slow
    // Temporal), counted as dropped: never more asks than refusals.
    const dropped = async () =>
      (await readMetrics(api.url)).value('settle_api_webhook_rechecks_dropped_total');
    const before = rechecked() + (await dropped());
    const statuses = [];
    for (let i = 0; i < 30; i += 1)
      statuses.push((await webhook(`payment:PAY-MANY-${i}:capture:f`, '127.0.0.33')).status);
    expect(statuses).toEqual([
      ...Array(AUTH_FAILURE_LIMIT.failures).fill(401),
      ...Array(30 - AUTH_FAILURE_LIMIT.failures).fill(429),
    ]);
    const handled = async () => rechecked() + (await dropped());
    await eventually(async () =>
      (await handled()) === before + AUTH_FAILURE_LIMIT.failures ? true : undefined,
    );
    const asked = rechecked();
    expect((await webhook('payment:PAY-OTHER-ADDRESS:capture:f', '127.0.0.34')).status).toBe(401);
    await eventually(async () => (rechecked() === asked + 1 ? true : undefined));
    expect(await handled()).toBe(before + AUTH_FAILURE_LIMIT.failures + 1);
    // The flood is logged once when refused and once when throttled, not once per webhook.
    const lines = logged.filter(
      (line) => line.fields?.ip === '127.0.0.33' && line.fields?.route === '/webhooks',
    );
    expect(lines.map((line) => line.message)).toEqual([
      'refused an unauthenticated call',
      'throttling a client that keeps failing authentication',
    ]);
  });
});
