import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { localDefaults } from '../../config';
import { createPayloadCodec } from '../../config/payloadCodec';
import { parsePayloadKeys } from '../../config/payloadKeys';
import { sendMibCommand } from '../../sim/mib/sendCommand';
import { runEntryPoint, type SettleProcess } from '../helpers/processes';
import { freePort } from '../../config/server';
import { createDevServerEnv, eventually } from '../helpers/temporal';

/** Resolves once something accepts a TCP connection on 127.0.0.1:`port`; rejects when nothing listens. */
function connectTo(port: number): Promise<void> {
  return new Promise((done, fail) => {
    const socket = createConnection(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done();
    });
    socket.once('error', fail);
  });
}

/**
 * `npm start` as a user runs it: the embedded dev server, the simulators, worker and API come up, a capture
 * goes through, Ctrl-C stops everything, and after a restart the payment is still in Temporal. With
 * TEMPORAL_ADDRESS it uses that server and starts none of its own; likewise a RabbitMQ broker and AMQP_URL.
 */
describe('npm start', () => {
  jest.setTimeout(180_000);
  let ports: Record<
    | 'API_PORT'
    | 'MIB_SIM_PORT'
    | 'GATEWAY_SIM_PORT'
    | 'SPRYKER_SIM_PORT'
    | 'TEMPORAL_PORT'
    | 'TEMPORAL_UI_PORT'
    | 'AMQP_PORT',
    string
  >;
  let running: SettleProcess | undefined;

  beforeEach(async () => {
    const [api, mib, gateway, shop, temporal, ui, amqp] = await Promise.all(
      [0, 1, 2, 3, 4, 5, 6].map(freePort),
    );
    ports = {
      API_PORT: String(api),
      MIB_SIM_PORT: String(mib),
      GATEWAY_SIM_PORT: String(gateway),
      SPRYKER_SIM_PORT: String(shop),
      TEMPORAL_PORT: String(temporal),
      TEMPORAL_UI_PORT: String(ui),
      AMQP_PORT: String(amqp),
    };
  });
  afterEach(async () => {
    await running?.stop();
  });

  async function start(extra: NodeJS.ProcessEnv = {}): Promise<SettleProcess> {
    const env: NodeJS.ProcessEnv = { ...process.env, ...ports, LOG_LEVEL: 'warn', ...extra };
    if (!('TEMPORAL_ADDRESS' in extra)) delete env.TEMPORAL_ADDRESS;
    if (!('AMQP_URL' in extra)) delete env.AMQP_URL;
    running = runEntryPoint('scripts/start.ts', env);
    await running.waitFor('Settle is running');
    return running;
  }

  async function capture(reference: string): Promise<string> {
    const answer = await sendMibCommand(
      `http://127.0.0.1:${ports.API_PORT}`,
      {
        jsonrpc: '2.0',
        id: '1',
        method: 'magento.payments.payments_management.capture',
        params: {
          payment: {
            reference,
            currency: 'EUR',
            transactions: [{ amount: '12.00', gateway_information: { transaction_id: `auth_${reference}` } }],
          },
        },
      },
      { secret: localDefaults().MIB_INTAKE_SECRET },
    );
    const { result } = answer.body as { result: { workflow_id: string } };
    await eventually(async () => {
      const response = await fetch(
        `http://127.0.0.1:${ports.MIB_SIM_PORT}/notifications?reference=${reference}`,
      );
      const received = (await response.json()) as { method: string }[];
      return received.find((n) => n.method.endsWith('.notify_captured'));
    }, 30_000);
    return result.workflow_id;
  }

  it('runs a capture, stops cleanly on Ctrl-C, and keeps the payment across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'settle-start-'));
    const first = await start({ SETTLE_DATA_DIR: dataDir });
    expect(first.output()).toContain(`API (MIB intake)   http://127.0.0.1:${ports.API_PORT}/mib`);
    expect(first.output()).toContain(`Web UI http://localhost:${ports.TEMPORAL_UI_PORT}`);
    expect((await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`)).status).toBe(200);
    // The local Spryker tenant was connected as Spryker's ACP registry does it: its shop stored Settle's app config.
    await eventually(async () => {
      const answer = await fetch(`http://127.0.0.1:${ports.SPRYKER_SIM_PORT}/_app-configs`);
      const configs = (await answer.json()) as { appIdentifier: string; isActive: boolean | null }[];
      return configs.some((config) => config.appIdentifier === 'settle' && config.isActive)
        ? true
        : undefined;
    });
    expect(first.output()).toContain(`RabbitMQ           amqp://guest:guest@127.0.0.1:${ports.AMQP_PORT}   `);
    const workflowId = await capture('PAY-RESTART');
    // The Spryker shop simulator checks out on access tokens it signs, with a key this Settle trusts.
    expect(first.output()).toContain('signed access tokens');
    const placed = await fetch(`http://127.0.0.1:${ports.SPRYKER_SIM_PORT}/_orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        orderReference: 'DE--START',
        currency: 'EUR',
        items: [{ sku: 'A', unitPrice: 1000 }],
      }),
    });
    expect(placed.status).toBe(201);
    // Checked out on the payment page: the shop's customer pays there with 3-D Secure and returns to the shop.
    const order = (await placed.json()) as { initialize: unknown; redirectUrl: string };
    expect(order.initialize).toEqual({
      status: 200,
      body: {
        isSuccessful: true,
        redirectUrl: expect.stringMatching(`^http://127.0.0.1:${ports.API_PORT}/pay/`),
      },
    });
    expect(order.redirectUrl).toMatch(`http://127.0.0.1:${ports.API_PORT}/pay/`);
    const paid = await fetch(`http://127.0.0.1:${ports.SPRYKER_SIM_PORT}/_orders/DE--START/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ choice: 'challenge-pass' }),
    });
    expect(paid.status).toBe(200);
    expect(((await paid.json()) as { finalUrl: string }).finalUrl).toBe(
      `http://127.0.0.1:${ports.SPRYKER_SIM_PORT}/en/payment/order-success`,
    );
    await eventually(async () => {
      const seen = (await (
        await fetch(`http://127.0.0.1:${ports.SPRYKER_SIM_PORT}/_orders/DE--START`)
      ).json()) as {
        items: { state: string }[];
      };
      return seen.items.every((item) => item.state === 'payment authorized') ? true : undefined;
    });

    expect(await first.stop()).toBe(0);
    expect(first.output()).toContain('stopping Settle');
    await expect(fetch(`http://127.0.0.1:${ports.API_PORT}/health`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`)).rejects.toThrow();
    await expect(connectTo(Number(ports.AMQP_PORT))).rejects.toThrow();

    const second = await start({ SETTLE_DATA_DIR: dataDir });
    const connection = await Connection.connect({ address: `127.0.0.1:${ports.TEMPORAL_PORT}` });
    try {
      const client = new Client({ connection });
      const found = await eventually(async () => {
        const list: { workflowId: string; status: { name: string } }[] = [];
        for await (const workflow of client.workflow.list({
          query: 'SettlePaymentReference="PAY-RESTART"',
        })) {
          list.push(workflow);
        }
        // Stopped right after MIB had the notification, the workflow may finish only after the restart.
        return list.some((w) => w.status.name === 'COMPLETED') ? list : undefined;
      });
      expect(found.map((w) => [w.workflowId, w.status.name])).toEqual([[workflowId, 'COMPLETED']]);
    } finally {
      await connection.close();
    }
    expect(await second.stop()).toBe(0);
  });

  it('with PAYLOAD_KEYS, gives the Web UI the codec server on its own loopback listener, not on the API port', async () => {
    const codecPort = String(await freePort());
    const keys = `local:${randomBytes(32).toString('base64')}`;
    const settle = await start({
      SETTLE_DATA_DIR: mkdtempSync(join(tmpdir(), 'settle-start-codec-')),
      PAYLOAD_KEYS: keys,
      CODEC_PORT: codecPort,
    });
    const endpoint = `http://127.0.0.1:${codecPort}/codec`;
    expect(settle.output()).toContain(`codec server       ${endpoint}   (the Web UI decrypts through it)`);
    // The Web UI's server hands the endpoint to the browser.
    const settings = (await (
      await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/api/v1/settings`)
    ).json()) as { Codec: { Endpoint: string } };
    expect(settings.Codec.Endpoint).toBe(endpoint);
    // The browser calls it from the Web UI's origin, without a token, and it decrypts.
    const [sealed] = await createPayloadCodec(parsePayloadKeys(keys)).encode([
      defaultPayloadConverter.toPayload({ reference: 'PAY-UI' })!,
    ]);
    const body = JSON.stringify({
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(sealed!.metadata!).map(([key, value]) => [
              key,
              Buffer.from(value).toString('base64'),
            ]),
          ),
          data: Buffer.from(sealed!.data!).toString('base64'),
        },
      ],
    });
    const origin = `http://localhost:${ports.TEMPORAL_UI_PORT}`;
    const decode = (base: string) =>
      fetch(`${base}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin, 'x-namespace': 'default' },
        body,
      });
    const decoded = await decode(endpoint);
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(origin);
    const [opened] = ((await decoded.json()) as { payloads: { data: string }[] }).payloads;
    expect(JSON.parse(Buffer.from(opened!.data, 'base64').toString())).toEqual({ reference: 'PAY-UI' });
    expect((await decode(`http://127.0.0.1:${ports.API_PORT}/codec`)).status).toBe(404);
    expect(await settle.stop()).toBe(0);
  });

  it('uses the cluster TEMPORAL_ADDRESS names and AMQP_URL, and starts no dev server or broker', async () => {
    const env: TestWorkflowEnvironment = await createDevServerEnv();
    try {
      const broker = 'amqp://deity:s3cret@127.0.0.1:5673';
      const settle = await start({ TEMPORAL_ADDRESS: env.address, AMQP_URL: broker });
      expect(settle.output()).toContain(`Temporal           ${env.address}\n`);
      // AMQP_URL's broker, and none of its own; its password not shown.
      expect(settle.output()).toContain('RabbitMQ           amqp://deity:***@127.0.0.1:5673   ');
      expect(settle.output()).not.toContain('s3cret');
      expect(settle.output()).not.toContain('Web UI');
      const workflowId = await capture('PAY-CLUSTER');
      // MIB has the notification a moment before the workflow records its completion.
      expect(await env.client.workflow.getHandle(workflowId).result()).toMatchObject({ outcome: 'settled' });
      await expect(fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`)).rejects.toThrow();
      expect(await settle.stop()).toBe(0);
    } finally {
      await env.teardown();
    }
  });
});
