import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { LOCAL_DEITY_PROFILE, LOCAL_SPRYKER_TENANT, LOCAL_SPRYKER_TOKEN, localDefaults } from '../../config';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA, createPayloadCodec } from '../../config/payloadCodec';
import { parsePayloadKeys } from '../../config/payloadKeys';
import { listen, type RunningServer } from '../../config/server';
import { failureMessage } from '../../config/temporalConnection';
import { mibMethod } from '../../oms/mib/methods';
import { startRabbitMq, type RabbitMq } from '../../scripts/rabbitmq';
import { resolveTemporalCli } from '../../scripts/temporal-binaries';
import type { Stack } from '../../scripts/stack';
import { createDeityShopSimulator, type DeityShopSimulator } from '../../sim/deity/server';
import type { ShopOrder as DeityOrder } from '../../sim/deity/shopOrder';
import { sendMibCommand } from '../../sim/mib/sendCommand';
import { createBusClient } from '../../sim/spryker/bus';
import { OMS_STATES } from '../../sim/spryker/oms';
import type { ShopOrder as SprykerOrder } from '../../sim/spryker/orders';
import { createSprykerShopSimulator, type SprykerShopSimulator } from '../../sim/spryker/server';
import { bundleWorkflows } from '../../worker/bundle';
import { BROKER_START_MS } from '../helpers/broker';
import { heardStatuses } from '../helpers/deityShop';
import { runEntryPoint } from '../helpers/processes';
import { onboardSprykerShop } from '../helpers/sprykerTenants';
import { startTestStack } from '../helpers/stacks';
import { eventually } from '../helpers/temporal';
import { FRONT_DOORS } from '../../oms';

type History = temporal.api.history.v1.IHistory;
type JsonPayload = { metadata?: Record<string, string>; data?: string };

/**
 * With PAYLOAD_KEYS, what Settle stores in Temporal is encrypted, whichever door a payment came through: a
 * MIB capture, a Spryker order (checkout, capture, refund, every event acknowledged by the shop) and a Deity
 * order (validate, shipment, the status event on RabbitMQ) are carried through the whole stack on a dev server
 * with PAYLOAD_REQUIRE_ENCRYPTION on, and leave no payment data and no failure text readable in their raw
 * histories (read by a client without the codec), while Settle's clients, the codec server on its own listener
 * and the temporal CLI through it read it all.
 */
describe('payloads encrypted in Temporal (dev server, every door)', () => {
  jest.setTimeout(BROKER_START_MS);
  let env: TestWorkflowEnvironment;
  let broker: RabbitMq;
  let stack: Stack;
  let connection: Connection;
  /** A client without Settle's converter: Temporal's histories as they are stored. */
  let raw: Client;
  let sprykerShop: SprykerShopSimulator;
  let deityShop: DeityShopSimulator;
  const shopServers: RunningServer[] = [];
  /** The MIB payment's history and its turn's (a child workflow, where the provider calls run). */
  let history: History;
  let workflowId: string;
  const KEYS = `k1:${randomBytes(32).toString('base64')}`;
  const CODEC_TOKEN = 'codec-test-token';
  const REFERENCE = 'PAY-CODEC-1';
  /** Pass-through fields of the OMS, which Settle carries in the workflow input and sends back. */
  const ACCOUNT = 'acct_CONFIDENTIAL_7731';
  const EMAIL = 'jane.private@example.com';
  const SPRYKER_ORDER = 'ENC-SPRYKER-ORDER-1';
  const DEITY_ORDER = 'ENC-DEITY-ORDER-1';
  const DEITY_EMAIL = 'enc.buyer.private@example.com';
  /**
   * What must not be readable in any raw history: references, tenants, items, e-mail addresses and the
   * amounts as Settle, the shops and the provider write them (five digits and more: no id or time is
   * mistaken for one). The Spryker order: 471.13 + 238.91 and 15.17 shipping; the Deity order: 612.34 + 133.79
   * and 14.56 shipping.
   */
  /** The workflow the last test starts in clear on purpose, which the history scan leaves out. */
  const IN_CLEAR_PREFIX = 'encryption-test-in-clear-';
  const SECRETS = [
    REFERENCE,
    ACCOUNT,
    EMAIL,
    'auth_codec_1',
    '25.00',
    SPRYKER_ORDER,
    LOCAL_SPRYKER_TENANT,
    'SKU-ENC-ALPHA',
    'SKU-ENC-BETA',
    'Express-ENC',
    '47113',
    '23891',
    '72521',
    '48630',
    '471.13',
    '725.21',
    '486.30',
    DEITY_ORDER,
    LOCAL_DEITY_PROFILE.serviceUser,
    DEITY_EMAIL,
    'DEITY-ENC-GAMMA',
    'Private Gadget',
    '61234',
    '13379',
    '76069',
    '612.34',
    '133.79',
    '760.69',
  ];

  beforeAll(async () => {
    ({ env, stack } = await startTestStack({
      env: {
        PAYLOAD_KEYS: KEYS,
        PAYLOAD_REQUIRE_ENCRYPTION: 'true',
        CODEC_TOKEN,
        CODEC_ORIGINS: 'http://localhost:8233',
      },
      gateway: { mode: 'immediate' },
      alongside: async () => {
        const [started, code] = await Promise.all([
          startRabbitMq({ dataDir: mkdtempSync(join(tmpdir(), 'settle-encryption-broker-')) }),
          // As the compiled worker runs with keys: failure messages of workflow code encrypted too.
          bundleWorkflows(FRONT_DOORS, { encryptedFailures: true }),
        ]);
        broker = started;
        return {
          env: { AMQP_URL: broker.url },
          workerOptions: { workflowBundle: { code } },
          stop: () => broker.stop(),
        };
      },
    }));
    // The shops as `npm start` runs them: the Spryker shop polls Settle's bus every second by itself.
    sprykerShop = createSprykerShopSimulator({
      settleUrl: stack.api.url,
      tenant: LOCAL_SPRYKER_TENANT,
      token: LOCAL_SPRYKER_TOKEN,
      mode: 'event',
    });
    deityShop = createDeityShopSimulator({
      settleUrl: stack.api.url,
      ...LOCAL_DEITY_PROFILE,
      amqpUrl: broker.url,
    });
    shopServers.push(await listen(sprykerShop.app, 0), await listen(deityShop.app, 0));
    await deityShop.start();
    await onboardSprykerShop(sprykerShop, {
      settleUrl: stack.api.url,
      tenant: LOCAL_SPRYKER_TENANT,
      token: LOCAL_SPRYKER_TOKEN,
    });
    connection = await Connection.connect({ address: env.address });
    raw = new Client({ connection });

    // MIB refuses the first notification: the reporting activity's failure is in the history.
    await fetch(`${stack.mib.url}/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failNext: 1, failStatus: 500 }),
    });
    const answer = await sendMibCommand(
      stack.api.url,
      {
        jsonrpc: '2.0',
        id: REFERENCE,
        method: mibMethod('capture'),
        params: {
          payment: {
            reference: REFERENCE,
            currency: 'EUR',
            custom_attributes: { customer_email: EMAIL },
            transactions: [
              { amount: '25.00', gateway_information: { transaction_id: 'auth_codec_1', account: ACCOUNT } },
            ],
          },
        },
      },
      { secret: stack.config.MIB_INTAKE_SECRET },
    );
    expect(answer.status).toBe(200);
    workflowId = (answer.body as { result: { workflow_id: string } }).result.workflow_id;
    // Settle's own client decodes the result.
    expect(await stack.temporal.workflow.getHandle(workflowId).result()).toMatchObject({
      outcome: 'settled',
    });
    const parent = await raw.workflow.getHandle(workflowId).fetchHistory();
    const children = (parent.events ?? []).flatMap((event) => {
      const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      return child ? [raw.workflow.getHandle(child.workflowId!, child.runId!).fetchHistory()] : [];
    });
    const turns = await Promise.all(children);
    expect(turns).toHaveLength(1);
    history = { events: [...(parent.events ?? []), ...turns.flatMap((turn) => turn.events ?? [])] };
  }, BROKER_START_MS);
  afterAll(async () => {
    await sprykerShop?.stop();
    await deityShop?.stop();
    for (const server of shopServers) await server.close();
    await connection?.close();
    await stack?.stop();
  });

  /** Every payload of the histories, by where it is (inputs, results, failures' encoded attributes, …). */
  const payloadsOf = (value: unknown, path = '', found: [string, Payload][] = []): [string, Payload][] => {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
    const object = value as Record<string, unknown>;
    if (object.metadata && typeof object.metadata === 'object' && object.data instanceof Uint8Array)
      found.push([path, object as Payload]);
    else for (const [key, inner] of Object.entries(object)) payloadsOf(inner, `${path}.${key}`, found);
    return found;
  };
  /**
   * What Temporal keeps in clear by design, and Settle's encryption deliberately leaves there
   * (docs/operations.md): the search attributes an operator finds a payment by, and the ids — workflow ids, and
   * the update ids an order's payment admits its commands under (each a command's workflow id), with the
   * protocol's copies of them.
   */
  const IN_CLEAR_BY_DESIGN = new Set([
    'searchAttributes',
    'workflowId',
    'updateId',
    'protocolInstanceId',
    'acceptedRequestMessageId',
  ]);
  /**
   * Every text of the histories, bytes as Latin-1, less what is in clear by design. Numbers (event ids,
   * times) are left out: they are Temporal's, and a payload's amounts are in its bytes.
   */
  const rawText = (value: unknown): string => {
    if (typeof value === 'string') return value;
    if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
    if (value === null || typeof value !== 'object') return '';
    return Object.entries(value)
      .filter(([key]) => !IN_CLEAR_BY_DESIGN.has(key))
      .map(([, inner]) => rawText(inner))
      .join('\n');
  };
  /** The same, each text with where it is, to say where a secret was found. */
  const clearTexts = (value: unknown, path = ''): [string, string][] => {
    if (typeof value === 'string' || value instanceof Uint8Array) return [[path, rawText(value)]];
    if (value === null || typeof value !== 'object') return [];
    return Object.entries(value)
      .filter(([key]) => !IN_CLEAR_BY_DESIGN.has(key))
      .flatMap(([key, inner]) => clearTexts(inner, `${path}.${key}`));
  };
  /** The secrets readable in a text, each as a whole token (not inside a longer number or word). */
  const readable = (text: string) =>
    SECRETS.filter((secret) =>
      new RegExp(`(?<![0-9A-Za-z])${secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9A-Za-z])`).test(
        text,
      ),
    );
  /** Payloads that are not the search attributes and not the SDK core's bookkeeping of a local activity. */
  const sealable = (events: unknown) =>
    payloadsOf(events).filter(
      ([path]) =>
        !path.includes('.searchAttributes.') &&
        !path.includes('.markerRecordedEventAttributes.details.data.'),
    );
  const sealing = ([path, payload]: [string, Payload]) => ({
    path,
    encoding: Buffer.from(payload.metadata!.encoding!).toString(),
    key: Buffer.from(payload.metadata![KEY_ID_METADATA] ?? []).toString(),
  });
  const encodingOf = (payload: JsonPayload) => Buffer.from(payload.metadata!.encoding!, 'base64').toString();
  const toJson = (payload: Payload): JsonPayload => ({
    metadata: Object.fromEntries(
      Object.entries(payload.metadata!).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(payload.data!).toString('base64'),
  });
  const codecCall = (
    operation: 'decode' | 'encode',
    payloads: JsonPayload[],
    headers: Record<string, string> = {},
    base = stack.codec!.url,
  ) =>
    fetch(`${base}/codec/${operation}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-namespace': 'default',
        authorization: `Bearer ${CODEC_TOKEN}`,
        ...headers,
      },
      body: JSON.stringify({ payloads }),
    });
  const decodedText = (payloads: JsonPayload[]) =>
    payloads.map((payload) => Buffer.from(payload.data ?? '', 'base64').toString()).join('\n');

  it('leaves no payment data in clear in the raw history: every payload is sealed with the current key', () => {
    // Search attributes are payloads too, which Temporal indexes: in clear by design.
    // So is the bookkeeping the SDK's core writes into a local activity's marker (attempt, times).
    const payloads = sealable(history.events);
    expect(payloads.length).toBeGreaterThan(5);
    expect(payloads.map(sealing)).toEqual(
      payloads.map(([path]) => ({ path, encoding: ENCRYPTED_ENCODING, key: 'k1' })),
    );
    expect(readable(rawText(history.events))).toEqual([]);
  });

  it('encrypts failure messages: the activity failure reads "Encoded failure", its text is in a sealed payload', async () => {
    const failures = (history.events ?? []).flatMap((event) =>
      event.activityTaskStartedEventAttributes?.lastFailure
        ? [event.activityTaskStartedEventAttributes.lastFailure]
        : [],
    );
    expect(failures).toHaveLength(1);
    const [failure] = failures;
    expect(failure!.message).toBe('Encoded failure');
    expect(failure!.stackTrace ?? '').toBe('');
    expect(Buffer.from(failure!.encodedAttributes!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    const answer = await codecCall('decode', [toJson(failure!.encodedAttributes as Payload)]);
    expect(answer.status).toBe(200);
    const { message } = JSON.parse(
      decodedText(((await answer.json()) as { payloads: JsonPayload[] }).payloads),
    ) as {
      message: string;
    };
    expect(message).toMatch(/500/);
    expect(message).toContain('injected failure');
    expect(rawText(history.events)).not.toContain(message);
  });

  it('the codec server decodes what the worker encoded: the workflow input with the OMS fields', async () => {
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    const sealedInput = started.input!.payloads!.map((p) => toJson(p as Payload));
    expect(sealedInput.map(encodingOf)).toEqual([ENCRYPTED_ENCODING]);
    const answer = await codecCall(
      'decode',
      started.input!.payloads!.map((p) => toJson(p as Payload)),
    );
    expect(answer.status).toBe(200);
    const { payloads } = (await answer.json()) as { payloads: JsonPayload[] };
    expect(encodingOf(payloads[0]!)).toBe('json/plain');
    const input = decodedText(payloads);
    for (const clear of [REFERENCE, ACCOUNT, EMAIL]) expect(input).toContain(clear);
    // And encodes: what it seals, the codec opens.
    const sealed = await codecCall('encode', payloads);
    const [again] = ((await sealed.json()) as { payloads: JsonPayload[] }).payloads;
    expect(encodingOf(again!)).toBe(ENCRYPTED_ENCODING);
    const opened = await createPayloadCodec(parsePayloadKeys(KEYS)).decode([
      {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from('k1') },
        data: Buffer.from(again!.data!, 'base64'),
      },
    ]);
    expect(defaultPayloadConverter.fromPayload(opened[0]!)).toMatchObject({ reference: REFERENCE });
  });

  it('serves the codec on its own loopback listener only: the public API port has no /codec', async () => {
    expect(stack.codec!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.codec!.port).not.toBe(stack.api.port);
    for (const operation of ['decode', 'encode'] as const) {
      const onApi = await codecCall(operation, [], {}, stack.api.url);
      expect(onApi.status).toBe(404);
      expect((await codecCall(operation, [])).status).toBe(200);
    }
  });

  it('refuses a payload of an unknown key id clearly (400, naming the id), and callers without the token', async () => {
    const otherKeys = `k9:${randomBytes(32).toString('base64')}`;
    const [foreign] = await createPayloadCodec(parsePayloadKeys(otherKeys)).encode([
      defaultPayloadConverter.toPayload({ reference: REFERENCE }) as Payload,
    ]);
    const refused = await codecCall('decode', [toJson(foreign!)]);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: 'payload encrypted with key "k9", which PAYLOAD_KEYS does not hold (it holds "k1")',
    });
    const anonymous = await codecCall('decode', [], { authorization: '' });
    expect(anonymous.status).toBe(401);
    const wrong = await codecCall('decode', [], { authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
  });

  it('answers the Web UI cross-origin for a configured origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.codec!.url}/codec/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });
    const allowed = await preflight('http://localhost:8233');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const post = await codecCall('decode', [], { origin: 'http://localhost:8233' });
    expect(post.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
  });

  it("the temporal CLI shows the decrypted input through the codec server; Settle's CLI and operator API read the status", async () => {
    const resolution = await resolveTemporalCli();
    if (resolution.executable.type !== 'existing-path')
      throw new Error('no temporal CLI: see test/README.md');
    const show = (extra: string[]) =>
      promisify(execFile)(
        resolution.executable.type === 'existing-path' ? resolution.executable.path : 'temporal',
        ['workflow', 'show', '--address', env.address, '-w', workflowId, '-o', 'json', ...extra],
        { maxBuffer: 16 * 1024 * 1024 },
      );
    /** The workflow input as the CLI shows it: its encoding and its data as text. */
    const inputOf = async (extra: string[]) => {
      const shown = JSON.parse((await show(extra)).stdout) as {
        events: { workflowExecutionStartedEventAttributes?: { input: { payloads: JsonPayload[] } } }[];
      };
      const [input] = shown.events[0]!.workflowExecutionStartedEventAttributes!.input.payloads;
      return { encoding: encodingOf(input!), text: decodedText([input!]) };
    };
    expect((await inputOf([])).encoding).toBe(ENCRYPTED_ENCODING);
    const decoded = await inputOf([
      '--codec-endpoint',
      `${stack.codec!.url}/codec`,
      '--codec-auth',
      `Bearer ${CODEC_TOKEN}`,
    ]);
    expect(decoded.encoding).toBe('json/plain');
    expect(decoded.text).toContain(ACCOUNT);

    const operator = await fetch(`${stack.api.url}/payments/${encodeURIComponent(workflowId)}`, {
      headers: { authorization: `Bearer ${localDefaults().ADMIN_TOKEN}` },
    });
    expect(operator.status).toBe(200);
    expect(await operator.json()).toMatchObject({ workflowId, reference: REFERENCE });

    const cli = (keys: Record<string, string>) =>
      runEntryPoint('cli/main.ts', { PATH: process.env.PATH, TEMPORAL_ADDRESS: env.address, ...keys }, [
        'payments',
        'show',
        workflowId,
      ]);
    const withKeys = cli({ PAYLOAD_KEYS: KEYS, PAYLOAD_REQUIRE_ENCRYPTION: 'true' });
    expect(await withKeys.exited).toBe(0);
    expect(withKeys.output()).toContain(REFERENCE);
    const withoutKeys = cli({});
    expect(await withoutKeys.exited).toBe(1);
    expect(withoutKeys.output()).toContain('payload encrypted with key "k1", but PAYLOAD_KEYS is unset');
  });

  describe('a Spryker order', () => {
    const S = OMS_STATES;
    /** Waits, as the shop polls by itself, until every listed item is in its state. */
    const reach = (states: Record<number, string>, what: string) =>
      eventually(
        async () => {
          const order = sprykerShop.orders.get(SPRYKER_ORDER);
          const now = Object.fromEntries((order?.items ?? []).map((item) => [item.id, item.state]));
          return Object.entries(states).every(([id, state]) => now[Number(id)] === state) ? order : undefined;
        },
        60_000,
        `${SPRYKER_ORDER}: ${what} (the shop's events: ${JSON.stringify(sprykerShop.orders.get(SPRYKER_ORDER)?.events.map((event) => event.name))})`,
      );
    let placed: SprykerOrder;

    it('authorizes at checkout; the capture reaches the shop as PaymentCaptured, the refund as PaymentRefunded', async () => {
      placed = (await sprykerShop.placeOrder({
        // Direct checkout: the shop sends its payment method token.
        paymentMethodToken: 'tok_visa',
        orderReference: SPRYKER_ORDER,
        currency: 'EUR',
        items: [
          { sku: 'SKU-ENC-ALPHA', unitPrice: 47113 },
          { sku: 'SKU-ENC-BETA', unitPrice: 23891 },
        ],
        expenses: [{ type: 'SHIPMENT_EXPENSE_TYPE', name: 'Express-ENC', unitPrice: 1517 }],
      })) as SprykerOrder;
      expect(placed.initialize).toEqual({ status: 200, body: { isSuccessful: true } });
      const [alpha, beta] = placed.items.map((item) => item.id) as [number, number];
      await reach({ [alpha]: S.authorized, [beta]: S.authorized }, 'authorized');

      // What failed under PAYLOAD_KEYS without Settle's converter in the worker's client: the capture
      // settles at the gateway, and the shop hears of it.
      expect((await sprykerShop.operate(SPRYKER_ORDER, 'capture', [alpha])).ok).toBe(true);
      await reach({ [alpha]: S.captured, [beta]: S.authorized }, 'PaymentCaptured');
      expect((await sprykerShop.operate(SPRYKER_ORDER, 'refund', [alpha])).ok).toBe(true);
      const order = await reach({ [alpha]: S.refundSucceeded, [beta]: S.authorized }, 'PaymentRefunded');

      const money = { orderReference: SPRYKER_ORDER, currencyIsoCode: 'EUR' };
      expect(order!.events.map(({ name, body }) => ({ name, ...(body as object) }))).toEqual([
        { name: 'PaymentAuthorized', ...money, orderItemIds: [alpha, beta], amount: 72521 },
        { name: 'PaymentCaptured', ...money, orderItemIds: [alpha], amount: 48630 },
        { name: 'PaymentRefunded', ...money, orderItemIds: [alpha], amount: -47113 },
      ]);
    });

    it('every event was acknowledged by the shop: none left on the bus, none handed out twice', async () => {
      const { journal } = sprykerShop;
      expect(journal.undecodable).toEqual([]);
      expect(journal.duplicates).toEqual([]);
      const received = journal.received.filter((record) => record.channel === 'payment-events');
      expect(received.map((record) => record.outcome)).toEqual(['handled', 'handled', 'handled']);
      // The shop acknowledges each round's events once it has handled them.
      const acknowledged = () =>
        new Set(
          journal.acks
            .filter((ack) => ack.channel === 'payment-events' && ack.status === 200)
            .flatMap((ack) => ack.messageIds),
        );
      await eventually(
        async () => (received.every((record) => acknowledged().has(record.MessageId)) ? true : undefined),
        30_000,
        `the shop's acknowledgements of ${received.map((record) => record.MessageId).join(', ')}`,
      );
      const bus = createBusClient({
        settleUrl: stack.api.url,
        tenant: LOCAL_SPRYKER_TENANT,
        token: LOCAL_SPRYKER_TOKEN,
      });
      const left = await bus.fetchMessages('payment-events', 100);
      expect(left).toMatchObject({ status: 200, body: [] });
    });
  });

  describe('a Deity order', () => {
    let order: DeityOrder;
    const heard = (statuses: string[]) => heardStatuses(order, statuses);

    it('validates, and the shipment captures: the status event arrives on RabbitMQ', async () => {
      const placed = await deityShop.placeOrder({
        id: DEITY_ORDER,
        currency: 'EUR',
        country: 'DE',
        email: DEITY_EMAIL,
        items: [
          { sku: 'DEITY-ENC-GAMMA', price: 612.34, name: 'Private Gadget' },
          { sku: 'DEITY-ENC-DELTA', price: 133.79, name: 'Private Gadget Case' },
        ],
        shipping: 14.56,
      });
      if (!placed.ok) throw new Error(`placing ${DEITY_ORDER}: ${JSON.stringify(placed)}`);
      order = placed.order;
      expect(order.validate).toMatchObject({
        status: 200,
        body: { orderId: DEITY_ORDER, status: 'complete' },
      });
      await heard(['authorized']);
      expect(
        await deityShop.ship(
          DEITY_ORDER,
          order.items.map((item) => ({ id: item.id })),
        ),
      ).toMatchObject({
        answer: { status: 202 },
      });
      const history = await heard(['authorized', 'paid']);
      expect(history.map((entry) => (entry.payload as { amount: number }).amount)).toEqual([760.69, 760.69]);
      expect(deityShop.journal.duplicates).toEqual([]);
      expect(deityShop.journal.unparseable).toEqual([]);
    });
  });

  describe('every history of the namespace, read without the codec', () => {
    /** Each workflow's raw history: payments, turns, orders' payments, the Spryker mailbox, … */
    const allHistories = async () => {
      const found: { workflowId: string; type: string; events: History['events'] }[] = [];
      for await (const execution of raw.workflow.list()) {
        if (execution.workflowId.startsWith(IN_CLEAR_PREFIX)) continue;
        found.push({
          workflowId: execution.workflowId,
          type: execution.type,
          events: (await raw.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory()).events,
        });
      }
      return found;
    };

    it("holds every door's payment data sealed: no reference, amount, item, e-mail or tenant in clear", async () => {
      const histories = await eventually(
        async () => {
          const listed = await allHistories();
          const types = new Set(listed.map((found) => found.type));
          return [
            'paymentCommandWorkflow',
            'paymentTurnWorkflow',
            'orderPaymentWorkflow',
            'mailboxWorkflow',
          ].every((type) => types.has(type))
            ? listed
            : undefined;
        },
        30_000,
        "every kind of Settle's workflows in the visibility store",
      );
      // Both orders, their commands and the MIB payment are there.
      const ids = histories.map((found) => found.workflowId).join('\n');
      for (const reference of [REFERENCE, SPRYKER_ORDER, DEITY_ORDER]) expect(ids).toContain(reference);

      const unsealed = histories.flatMap(({ workflowId: id, events }) =>
        sealable(events)
          .map(sealing)
          .filter((found) => found.encoding !== ENCRYPTED_ENCODING || found.key !== 'k1')
          .map((found) => ({ workflowId: id, ...found })),
      );
      expect(unsealed).toEqual([]);
      const inClear = histories.flatMap(({ workflowId: id, events }) =>
        clearTexts(events).flatMap(([path, text]) => {
          const secrets = readable(text);
          return secrets.length > 0 ? [{ workflowId: id, path, secrets }] : [];
        }),
      );
      expect(inClear).toEqual([]);
    });

    it('keeps the search attributes an operator finds payments by in clear, as documented', async () => {
      const listed = await raw.workflow
        .list({ query: `SettlePaymentReference = '${REFERENCE}'` })
        [Symbol.asyncIterator]()
        .next();
      expect(listed.value).toMatchObject({ workflowId });
    });
  });

  it('with PAYLOAD_REQUIRE_ENCRYPTION, the worker refuses a workflow started in clear, naming why', async () => {
    const inClear = await raw.workflow.start('paymentCommandWorkflow', {
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      workflowId: `${IN_CLEAR_PREFIX}${randomBytes(4).toString('hex')}`,
      args: [{ reference: 'PAY-IN-CLEAR' }],
    });
    try {
      const failure = await eventually(
        async () => {
          const { events } = await inClear.fetchHistory();
          return events?.find((event) => event.workflowTaskFailedEventAttributes)
            ?.workflowTaskFailedEventAttributes?.failure;
        },
        60_000,
        'the workflow task refused',
      );
      expect(await failureMessage(stack.temporal, failure)).toContain(
        'payload in clear (encoding "json/plain") refused: PAYLOAD_REQUIRE_ENCRYPTION accepts only payloads ' +
          'encrypted with PAYLOAD_KEYS',
      );
    } finally {
      await inClear.terminate('encryption test: started in clear on purpose');
    }
  });
});
