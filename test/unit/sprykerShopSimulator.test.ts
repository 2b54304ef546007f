import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import express from 'express';
import { listen, type RunningServer } from '../../config/server';
import {
  decodeMessage,
  headerName,
  parsePhpDate,
  phpTimestamp,
  serializeMessage,
  stripFields,
} from '../../sim/spryker/messageBroker';
import { AUTHORIZATION_EVENTS, OUTCOME_EVENTS } from '../../oms/spryker/messages';
import { KNOWN_TRANSFERS } from '../../sim/spryker/oms';
import { createAppConfigStore, GRACE_PERIOD_MS } from '../../sim/spryker/appConfigs';
import { createSprykerShopSimulator, type SprykerShopSimulator } from '../../sim/spryker/server';

/**
 * The Spryker shop simulator against a stand-in of the bus that records what the shop sends and hands out
 * queued messages (only for this test; the end-to-end tests run the simulator against Settle).
 */

const TENANT = 'tenant-1';
const TOKEN = 'token-abc';
const PHP_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A control API answer, read loosely: each test asserts the fields it needs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = Record<string, any>;

interface Recorded {
  method: string;
  path: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

function createBusStandIn() {
  const requests: Recorded[] = [];
  const queues: Record<string, object[]> = {
    'app-events': [],
    'payment-events': [],
    'payment-method-commands': [],
  };
  const commandAnswers: { status: number; body: unknown }[] = [];
  /** The next answers of a GET on a channel, instead of its queue. */
  const fetchAnswers: Record<string, { status: number; body: unknown }[]> = {};
  const app = express();
  app.use(express.text({ type: () => true }));
  app.use((req, _res, next) => {
    requests.push({ method: req.method, path: req.path, url: req.url, headers: req.headers, body: req.body });
    next();
  });
  app.post('/spryker/payment-commands', (_req, res) => {
    const next = commandAnswers.shift();
    if (next) res.status(next.status).json(next.body);
    else res.json({ MessageId: randomUUID() });
  });
  app.post('/spryker/private/initialize-payment', (_req, res) =>
    res.json({ isSuccessful: true, redirectUrl: 'https://psp.example/pay/1' }),
  );
  app.get('/spryker/:channel', (req, res) => {
    const next = fetchAnswers[req.params.channel]?.shift();
    if (next) res.status(next.status).json(next.body);
    else res.json((queues[req.params.channel] ?? []).slice(0, Number(req.query.limit)));
  });
  app.delete('/spryker/:channel', (req, res) => {
    const { messageIds } = JSON.parse(req.body) as { messageIds: string[] };
    const queue = queues[req.params.channel] ?? [];
    const before = queue.length;
    queues[req.params.channel] = queue.filter(
      (m) => !messageIds.includes((m as { MessageId: string }).MessageId),
    );
    res.json({ acknowledged: before - queues[req.params.channel]!.length });
  });
  const commands = () =>
    requests.filter((r) => r.method === 'POST' && r.path === '/spryker/payment-commands');
  return { app, requests, queues, commandAnswers, fetchAnswers, commands };
}

/** A message as Settle hands it out. */
function wire(name: string, body: object, attributes: Record<string, unknown> = {}) {
  return {
    MessageId: randomUUID(),
    MessageBody: JSON.stringify(body),
    MessageAttributes: {
      name,
      transferName: name,
      event: name,
      tenantIdentifier: TENANT,
      storeReference: TENANT,
      actorId: 'settle',
      emitter: 'settle',
      correlationId: randomUUID(),
      timestamp: phpTimestamp(),
      ...attributes,
    },
  };
}

describe('Spryker message broker serialization', () => {
  it('knows, from its own list, every event the Spryker door sends', () => {
    const sent = [AUTHORIZATION_EVENTS, ...Object.values(OUTCOME_EVENTS)].flatMap(({ settled, declined }) => [
      settled,
      declined,
    ]);
    expect(sent).toHaveLength(8);
    expect(sent.filter((name) => !KNOWN_TRANSFERS.has(name))).toEqual([]);
  });

  it('strips null fields and entity-id keys at every depth and keeps the rest', () => {
    expect(
      stripFields({
        idSalesOrder: 7,
        fkSalesOrder: 7,
        orderReference: 'R1',
        orderItemIds: [1, 2],
        identifier: 'kept: id followed by a small letter',
        customerReference: null,
        orderItems: [{ orderItemId: 1, idSalesOrderItem: 1, sku: 'A', note: null }],
        nested: { fkCustomer: 3, deeper: { idAddress: 4, city: 'Berlin' } },
      }),
    ).toEqual({
      orderReference: 'R1',
      orderItemIds: [1, 2],
      identifier: 'kept: id followed by a small letter',
      orderItems: [{ orderItemId: 1, sku: 'A' }],
      nested: { deeper: { city: 'Berlin' } },
    });
  });

  it('sends the attributes as hyphenated headers, never a Content-Type, and the fields without them as the body', () => {
    const message = serializeMessage({
      orderReference: 'R1',
      idSalesOrder: 9,
      amount: 100,
      messageAttributes: {
        transferName: 'CapturePayment',
        event: 'CapturePayment',
        name: 'CapturePayment',
        correlationId: 'c-1',
        timestamp: '2026-12-01T10:11:12.123456',
        authorization: 'Bearer t',
        tenantIdentifier: 'tenant-1',
        actorId: 'tenant-1',
      },
    });
    expect(message).toEqual({
      headers: {
        'Transfer-Name': 'CapturePayment',
        Event: 'CapturePayment',
        Name: 'CapturePayment',
        'Correlation-Id': 'c-1',
        Timestamp: '2026-12-01T10:11:12.123456',
        Authorization: 'Bearer t',
        'Tenant-Identifier': 'tenant-1',
        'Actor-Id': 'tenant-1',
      },
      body: '{"orderReference":"R1","amount":100}',
    });
    expect(headerName('sessionTrackingId')).toBe('Session-Tracking-Id');
  });

  it('writes timestamps as Y-m-d\\TH:i:s.u in UTC and compares them to the microsecond as PHP dates', () => {
    expect(phpTimestamp(1764583872123456)).toBe('2025-12-01T10:11:12.123456');
    expect(phpTimestamp(1764583872000001)).toBe('2025-12-01T10:11:12.000001');
    expect(phpTimestamp()).toMatch(PHP_TIMESTAMP);
    expect(parsePhpDate('2025-12-01T10:11:12.000002')).toBeGreaterThan(
      parsePhpDate('2025-12-01T10:11:12.000001'),
    );
    expect(parsePhpDate('2025-12-01T10:11:12Z')).toBe(parsePhpDate('2025-12-01T11:11:12+01:00'));
    expect(() => parsePhpDate(1764583872)).toThrow(/Failed to parse/);
    expect(() => parsePhpDate('1764583872')).toThrow(/Failed to parse/);
  });

  it('decodes by transferName, then name, and refuses what a shop cannot decode', () => {
    const ok = decodeMessage(wire('PaymentCaptured', { orderReference: 'R1' }), KNOWN_TRANSFERS);
    expect(ok).toMatchObject({
      ok: true,
      message: { name: 'PaymentCaptured', body: { orderReference: 'R1' } },
    });
    const byName = decodeMessage(
      wire('PaymentCaptured', {}, { transferName: undefined, name: 'PaymentRefunded' }),
      KNOWN_TRANSFERS,
    );
    expect(byName).toMatchObject({ ok: true, message: { name: 'PaymentRefunded' } });
    const reasons = [
      wire('PaymentSettled', {}),
      wire('Generated\\Shared\\Transfer\\PaymentCapturedTransfer', {}),
      { ...wire('PaymentCaptured', {}), MessageBody: '' },
      { ...wire('PaymentCaptured', {}), MessageAttributes: {} },
      { ...wire('PaymentCaptured', {}), MessageId: '' },
      { ...wire('PaymentCaptured', {}), MessageBody: { orderReference: 'R1' } },
    ].map((m) => decodeMessage(m, KNOWN_TRANSFERS));
    expect(reasons).toEqual([
      { ok: false, reason: 'no transfer named PaymentSettled', crashes: false },
      {
        ok: false,
        reason: 'no transfer named Generated\\Shared\\Transfer\\PaymentCapturedTransfer',
        crashes: false,
      },
      { ok: false, reason: 'empty MessageBody', crashes: false },
      { ok: false, reason: 'empty MessageAttributes', crashes: false },
      { ok: false, reason: 'empty MessageId', crashes: false },
      { ok: false, reason: 'MessageBody is not a JSON string', crashes: true },
    ]);
  });
});

describe('Spryker shop simulator', () => {
  let bus: ReturnType<typeof createBusStandIn>;
  let busServer: RunningServer;
  let sim: SprykerShopSimulator;
  let simServer: RunningServer;

  beforeAll(async () => {
    bus = createBusStandIn();
    busServer = await listen(bus.app, 0);
  });
  afterAll(() => busServer.close());

  const start = async (mode: 'event' | 'conditional') => {
    sim = createSprykerShopSimulator({
      settleUrl: busServer.url,
      tenant: TENANT,
      token: TOKEN,
      mode,
      pollIntervalMs: 0,
      // These tests are about the OMS and the messages; the active-app filter has its own below.
      activeAppFilter: false,
    });
    simServer = await listen(sim.app, 0);
  };
  afterEach(async () => {
    await sim.stop();
    await simServer.close();
    bus.requests.length = 0;
    bus.queues['payment-events'] = [];
    bus.queues['payment-method-commands'] = [];
    bus.queues['app-events'] = [];
    bus.commandAnswers.length = 0;
  });

  const control = async (method: 'GET' | 'POST', path: string, body?: object) => {
    const response = await fetch(`${simServer.url}${path}`, {
      method,
      ...(body && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Answer };
  };
  const order = async (ref: string) => (await control('GET', `/_orders/${ref}`)).body;
  const states = async (ref: string) => ((await order(ref)).items as { state: string }[]).map((i) => i.state);
  const poll = () => control('POST', '/_poll');
  /** The three items of the orders placed below, all in one state. */
  const allIn = (state: string) => [state, state, state];
  const placeOrder = async (extra: object = {}) => {
    const placed = await control('POST', '/_orders', {
      currency: 'EUR',
      items: [
        { sku: 'shirt', unitPrice: 1000 },
        { sku: 'socks', unitPrice: 250, quantity: 2 },
      ],
      expenses: [{ type: 'SHIPMENT_EXPENSE_TYPE', name: 'Standard', unitPrice: 490 }],
      ...extra,
    });
    expect(placed.status).toBe(201);
    return placed.body;
  };
  const enqueue = (name: string, body: object, attributes?: Record<string, unknown>) => {
    const message = wire(name, body, attributes);
    bus.queues['payment-events']!.push(message);
    return message;
  };
  const authorize = async (placed: Answer) => {
    const ids = (placed.items as { id: number }[]).map((i) => i.id);
    enqueue('PaymentAuthorized', {
      orderReference: placed.orderReference,
      orderItemIds: ids.map(String),
      amount: placed.grandTotal,
      currencyIsoCode: 'EUR',
    });
    await poll();
    return ids;
  };
  const lastCommand = () => {
    const sent = bus.commands().at(-1)!;
    return { headers: sent.headers, body: JSON.parse(sent.body) as Record<string, unknown> };
  };

  it('places an order: one item per unit, the grand total with expenses, initialize-payment as JSON', async () => {
    await start('event');
    const placed = await placeOrder({ orderReference: 'R-1', customerReference: 'C-1' });
    expect(placed).toMatchObject({
      orderReference: 'R-1',
      grandTotal: 1000 + 250 * 2 + 490,
      status: null,
      initialize: { status: 200, body: { isSuccessful: true, redirectUrl: 'https://psp.example/pay/1' } },
    });
    expect(placed.items.map((i: { sku: string; state: string }) => [i.sku, i.state])).toEqual([
      ['shirt', 'payment pending'],
      ['socks', 'payment pending'],
      ['socks', 'payment pending'],
    ]);
    const init = bus.requests.find((r) => r.path === '/spryker/private/initialize-payment')!;
    expect(init.headers).toMatchObject({
      'x-tenant-identifier': TENANT,
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
    });
    const ids = placed.items.map((i: { id: number }) => i.id);
    expect(JSON.parse(init.body)).toMatchObject({
      orderData: {
        orderReference: 'R-1',
        currencyCode: 'EUR',
        grandTotal: 1990,
        customerReference: 'C-1',
        items: [
          { idSalesOrderItem: ids[0], sku: 'shirt', quantity: 1, unitPrice: 1000 },
          { idSalesOrderItem: ids[1], sku: 'socks', quantity: 1, unitPrice: 250 },
          { idSalesOrderItem: ids[2], sku: 'socks', quantity: 1, unitPrice: 250 },
        ],
        expenses: [{ type: 'SHIPMENT_EXPENSE_TYPE', name: 'Standard', quantity: 1, unitPrice: 490 }],
      },
      redirectSuccessUrl: expect.any(String),
      redirectCancelUrl: expect.any(String),
      checkoutSummaryPageUrl: expect.any(String),
    });
    expect((await control('POST', '/_orders', { currency: 'EUR', items: [] })).status).toBe(400);
    expect(
      (
        await control('POST', '/_orders', {
          orderReference: 'R-1',
          currency: 'EUR',
          items: [{ sku: 'a', unitPrice: 1 }],
        })
      ).status,
    ).toBe(409);
  });

  it('sends initialize-payment form-encoded as a deepObject when asked', async () => {
    await start('event');
    const placed = await placeOrder({ orderReference: 'R-form', form: true });
    const init = bus.requests.find((r) => r.path === '/spryker/private/initialize-payment')!;
    expect(init.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(init.body);
    expect(form.get('orderData[orderReference]')).toBe('R-form');
    expect(form.get('orderData[grandTotal]')).toBe('1990');
    expect(form.get('orderData[items][0][idSalesOrderItem]')).toBe(String(placed.items[0].id));
    expect(form.get('orderData[items][2][sku]')).toBe('socks');
    expect(form.get('orderData[expenses][0][unitPrice]')).toBe('490');
  });

  it('event mode: each event moves only the items it lists; captures, refunds and acks as a shop does', async () => {
    await start('event');
    const placed = await placeOrder({ orderReference: 'R-ev' });
    const [shirt, sock1, sock2] = await authorize(placed);
    expect(await states('R-ev')).toEqual(allIn('payment authorized'));

    // The receiver's requests: limit, Consumer-Id, Authorization and Content-Type; one DELETE per message.
    const get = bus.requests.find((r) => r.method === 'GET' && r.path === '/spryker/payment-events')!;
    expect(get.url).toBe('/spryker/payment-events?limit=100');
    expect(get.headers).toMatchObject({
      'consumer-id': TENANT,
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
    });
    expect(
      bus.requests.some((r) => r.method === 'GET' && r.path === '/spryker/payment-method-commands'),
    ).toBe(true);
    const del = bus.requests.find((r) => r.method === 'DELETE')!;
    expect(del.headers).toMatchObject({ 'consumer-id': TENANT, authorization: `Bearer ${TOKEN}` });
    const ackedIds = JSON.parse(del.body).messageIds;
    expect(ackedIds).toHaveLength(1);
    expect(bus.queues['payment-events']).toEqual([]);

    // First capture: the shirt plus the order's expenses.
    const capture = await control('POST', '/_orders/R-ev/capture', { itemIds: [shirt] });
    expect(capture.status).toBe(200);
    const { headers, body } = lastCommand();
    expect(headers['content-type']).toBeUndefined();
    expect(headers).toMatchObject({
      'transfer-name': 'CapturePayment',
      event: 'CapturePayment',
      name: 'CapturePayment',
      authorization: `Bearer ${TOKEN}`,
      'tenant-identifier': TENANT,
      'actor-id': TENANT,
    });
    expect(headers['correlation-id']).toMatch(UUID_V4);
    expect(headers.timestamp).toMatch(PHP_TIMESTAMP);
    expect(body).toEqual({
      orderReference: 'R-ev',
      orderItemIds: [shirt],
      currencyIsoCode: 'EUR',
      amount: 1490,
    });
    expect(await states('R-ev')).toEqual([
      'payment capture pending',
      'payment authorized',
      'payment authorized',
    ]);

    enqueue('PaymentCaptured', { orderReference: 'R-ev', orderItemIds: [String(shirt)], amount: 1490 });
    await poll();
    expect(await states('R-ev')).toEqual(['payment captured', 'payment authorized', 'payment authorized']);

    // Second capture: no expenses now that an item was captured.
    await control('POST', '/_orders/R-ev/capture', { itemIds: [sock1, sock2] });
    expect(lastCommand().body).toMatchObject({ orderItemIds: [sock1, sock2], amount: 500 });
    enqueue('PaymentCaptureFailed', { orderReference: 'R-ev', orderItemIds: [sock1, sock2] });
    await poll();
    expect(await states('R-ev')).toEqual(['payment captured', 'payment failed', 'payment failed']);
    await control('POST', '/_orders/R-ev/capture', {});
    expect(lastCommand().body).toMatchObject({ orderItemIds: [sock1, sock2], amount: 500 });
    enqueue('PaymentCaptured', { orderReference: 'R-ev', orderItemIds: [sock1, sock2] });
    await poll();

    // Refunds: negative amount, orderItems; the expenses only with the last item once the others are refunded.
    await control('POST', '/_orders/R-ev/refund', { itemIds: [shirt, sock1] });
    expect(lastCommand().body).toEqual({
      orderReference: 'R-ev',
      orderItemIds: [shirt, sock1],
      currencyIsoCode: 'EUR',
      amount: -1250,
      orderItems: [
        { orderItemId: shirt, sku: 'shirt' },
        { orderItemId: sock1, sku: 'socks' },
      ],
    });
    enqueue('PaymentRefunded', { orderReference: 'R-ev', orderItemIds: [shirt, sock1], amount: -1250 });
    await poll();
    expect(await states('R-ev')).toEqual([
      'payment refund succeeded',
      'payment refund succeeded',
      'payment captured',
    ]);
    expect((await control('POST', '/_orders/R-ev/confirm-refund', {})).status).toBe(200);
    await control('POST', '/_orders/R-ev/refund', { itemIds: [sock2] });
    expect(lastCommand().body).toMatchObject({ orderItemIds: [sock2], amount: -(250 + 490) });

    const view = await order('R-ev');
    expect(view.events.map((e: { name: string }) => e.name)).toEqual([
      'PaymentAuthorized',
      'PaymentCaptured',
      'PaymentCaptureFailed',
      'PaymentCaptured',
      'PaymentRefunded',
    ]);
    expect(view.items[0].history.map((h: { state: string }) => h.state)).toEqual([
      'new',
      'payment pending',
      'payment authorized',
      'payment capture ready',
      'payment capture pending',
      'payment captured',
      'payment refund ready',
      'payment refund pending',
      'payment refund succeeded',
      'payment refunded',
    ]);
    const messages = (await control('GET', '/_messages')).body;
    expect(messages.undecodable).toEqual([]);
    expect(messages.duplicates).toEqual([]);
    expect(messages.received.every((r: { outcome: string }) => r.outcome === 'handled')).toBe(true);
  });

  it('event mode: an event for items in another state moves nothing', async () => {
    await start('event');
    const placed = await placeOrder({ orderReference: 'R-skip' });
    const ids = placed.items.map((i: { id: number }) => i.id);
    enqueue('PaymentCaptured', { orderReference: 'R-skip', orderItemIds: ids });
    await poll();
    expect(await states('R-skip')).toEqual(allIn('payment pending'));
    expect((await order('R-skip')).events[0]).toMatchObject({ name: 'PaymentCaptured', moved: [] });
  });

  it('conditional mode: one status per order, and the condition checks move the items', async () => {
    await start('conditional');
    const placed = await placeOrder({ orderReference: 'R-cond' });
    const [shirt] = await authorize(placed);
    expect((await order('R-cond')).status).toBe('authorized');
    expect(await states('R-cond')).toEqual(allIn('payment authorized'));
    expect((await order('R-cond')).items[0].history.at(-1).cause).toBe('Payment/IsAuthorized');

    await control('POST', '/_orders/R-cond/capture', { itemIds: [shirt] });
    expect(lastCommand().body).toMatchObject({ orderItemIds: [shirt], amount: 1490 });
    // The event lists the shirt only, but the order's status is `captured`: IsCaptured moves every authorized item too.
    enqueue('PaymentCaptured', { orderReference: 'R-cond', orderItemIds: [shirt], amount: 1490 });
    await poll();
    expect((await order('R-cond')).status).toBe('captured');
    expect(await states('R-cond')).toEqual(allIn('payment captured'));

    await control('POST', '/_orders/R-cond/refund', { itemIds: [shirt] });
    enqueue('PaymentRefunded', { orderReference: 'R-cond', orderItemIds: [shirt], amount: -1000 });
    await poll();
    expect(await states('R-cond')).toEqual([
      'payment refund succeeded',
      'payment captured',
      'payment captured',
    ]);
  });

  it('conditional mode: a status seen late moves a pending item one conditional step per check', async () => {
    await start('conditional');
    const placed = await placeOrder({ orderReference: 'R-late' });
    enqueue('PaymentCaptured', {
      orderReference: 'R-late',
      orderItemIds: placed.items.map((i: { id: number }) => i.id),
    });
    await poll();
    // Of the passing transitions the last declared wins: IsAuthorized, then IsCaptured on the next check.
    expect(await states('R-late')).toEqual(allIn('payment authorized'));
    await poll();
    expect(await states('R-late')).toEqual(allIn('payment captured'));
  });

  it('acknowledges a message whose handling fails, and leaves undecodable ones on the bus', async () => {
    await start('event');
    const overpaid = enqueue('PaymentOverpaid', { orderReference: 'R-x', orderItemIds: [1] });
    const unknown = enqueue('PaymentSettled', { orderReference: 'R-x' });
    const noId = { ...wire('PaymentCaptured', { orderReference: 'R-x' }), MessageId: '' };
    bus.queues['payment-events']!.push(noId);
    expect((await poll()).body).toMatchObject({ handled: 0, failed: 1, undecodable: 2, moved: 0 });
    await poll();

    const messages = (await control('GET', '/_messages')).body;
    expect(messages.received).toEqual([
      expect.objectContaining({
        MessageId: overpaid.MessageId,
        outcome: 'failed',
        error: 'no handler for PaymentOverpaid',
      }),
    ]);
    expect(messages.undecodable).toEqual([
      expect.objectContaining({
        MessageId: unknown.MessageId,
        reason: 'no transfer named PaymentSettled',
        times: 2,
      }),
      expect.objectContaining({ MessageId: '', reason: 'empty MessageId', times: 2 }),
    ]);
    expect(bus.queues['payment-events']!.map((m) => (m as { MessageId: string }).MessageId)).toEqual([
      unknown.MessageId,
      '',
    ]);
    expect(messages.acks.map((a: { messageIds: string[] }) => a.messageIds)).toEqual([[overpaid.MessageId]]);
  });

  it('handles nothing of a batch with a MessageBody that is not a string, as the worker crashes', async () => {
    await start('event');
    const placed = await placeOrder({ orderReference: 'R-crash' });
    const ids = placed.items.map((i: { id: number }) => i.id);
    enqueue('PaymentAuthorized', { orderReference: 'R-crash', orderItemIds: ids });
    bus.queues['payment-events']!.push({
      ...wire('PaymentCaptured', {}),
      MessageBody: { orderReference: 'R-crash' },
    });
    await poll();
    expect(await states('R-crash')).toEqual(allIn('payment pending'));
    expect(bus.queues['payment-events']).toHaveLength(2);
    expect((await control('GET', '/_messages')).body.undecodable).toEqual([
      expect.objectContaining({ reason: 'MessageBody is not a JSON string' }),
    ]);
  });

  it('polls by itself every pollIntervalMs', async () => {
    sim = createSprykerShopSimulator({
      settleUrl: busServer.url,
      tenant: TENANT,
      token: TOKEN,
      mode: 'event',
      pollIntervalMs: 20,
      activeAppFilter: false,
    });
    simServer = await listen(sim.app, 0);
    const placed = await placeOrder({ orderReference: 'R-timer' });
    enqueue('PaymentAuthorized', {
      orderReference: 'R-timer',
      orderItemIds: placed.items.map((i: { id: number }) => i.id),
    });
    const deadline = Date.now() + 5000;
    while ((await states('R-timer')).some((s) => s !== 'payment authorized') && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 20));
    }
    expect(await states('R-timer')).toEqual(allIn('payment authorized'));
  });

  it('records a MessageId handed out again as a duplicate', async () => {
    await start('event');
    const message = enqueue('PaymentRefundFailed', { orderReference: 'R-dup', orderItemIds: [] });
    await poll();
    bus.queues['payment-events']!.push(message);
    await poll();
    const messages = (await control('GET', '/_messages')).body;
    expect(messages.duplicates.map((d: { MessageId: string }) => d.MessageId)).toEqual([message.MessageId]);
  });

  it('refuses a capture or refund while an item is in capture or refund pending, sending nothing', async () => {
    await start('event');
    const placed = await placeOrder({ orderReference: 'R-busy' });
    const [shirt, sock1] = await authorize(placed);
    await control('POST', '/_orders/R-busy/capture', { itemIds: [shirt] });
    const sentBefore = bus.commands().length;
    const second = await control('POST', '/_orders/R-busy/capture', { itemIds: [sock1] });
    expect(second).toEqual({
      status: 409,
      body: {
        code: 'event-execution-forbidden',
        error: "Capture can't be processed at this moment. OrderReference: R-busy",
        items: [{ id: shirt, state: 'payment capture pending' }],
      },
    });
    const refund = await control('POST', '/_orders/R-busy/refund', { itemIds: [shirt] });
    expect(refund.status).toBe(409);
    expect(bus.commands()).toHaveLength(sentBefore);
    expect(await states('R-busy')).toEqual([
      'payment capture pending',
      'payment authorized',
      'payment authorized',
    ]);
    // An item in a state without the operation's event is refused before anything else.
    expect((await control('POST', '/_orders/R-busy/refund', { itemIds: [sock1] })).body).toMatchObject({
      code: 'invalid-state',
      items: [{ id: sock1, state: 'payment authorized' }],
    });
    expect((await control('POST', '/_orders/R-busy/capture', { itemIds: [999999] })).status).toBe(400);
    expect((await control('POST', '/_orders/nope/capture', {})).status).toBe(404);
  });

  it('rolls the items back when Settle refuses a command, and hands its answer to the caller', async () => {
    await start('event');
    const placed = await placeOrder({ orderReference: 'R-refused' });
    const [shirt] = await authorize(placed);
    const historyBefore = (await order('R-refused')).items[0].history;
    bus.commandAnswers.push({ status: 409, body: { error: 'refund before any capture' } });
    const answer = await control('POST', '/_orders/R-refused/cancel', { itemIds: [shirt] });
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({
      error: 'CancelPayment was not accepted',
      settle: { status: 409, body: { error: 'refund before any capture' } },
    });
    expect(JSON.parse(answer.body.sent.body)).toEqual({
      orderReference: 'R-refused',
      orderItemIds: [shirt],
      currencyIsoCode: 'EUR',
      amount: 0,
    });
    const after = await order('R-refused');
    expect(after.items[0].state).toBe('payment authorized');
    expect(after.items[0].history).toEqual(historyBefore);
    expect(after.errors).toEqual([
      expect.objectContaining({
        operation: 'cancel',
        status: 409,
        body: { error: 'refund before any capture' },
      }),
    ]);
    // The retry goes through.
    expect((await control('POST', '/_orders/R-refused/cancel', { itemIds: [shirt] })).status).toBe(200);
    expect((await order('R-refused')).items[0].state).toBe('payment cancellation pending');
  });

  it('keeps payment methods: a later Add or Delete wins, an older one is ignored, Update applies as it comes', async () => {
    await start('event');
    const method = (extra: object = {}) => ({
      name: 'Card',
      providerName: 'Settle',
      paymentAuthorizationEndpoint: 'https://settle.example/spryker/private/initialize-payment',
      paymentMethodAppConfiguration: { baseUrl: 'https://settle.example/spryker', endpoints: [] },
      ...extra,
    });
    const push = (name: string, body: object, timestamp: unknown) =>
      bus.queues['payment-method-commands']!.push(wire(name, body, { timestamp }));
    push('AddPaymentMethod', method(), '2026-01-01T10:00:00.000002');
    push(
      'AddPaymentMethod',
      method({ paymentAuthorizationEndpoint: 'https://old.example' }),
      '2026-01-01T10:00:00.000001',
    );
    push(
      'UpdatePaymentMethod',
      method({ paymentMethodAppConfiguration: { baseUrl: 'https://new.example' } }),
      '2020-01-01T00:00:00.000000',
    );
    await poll();
    expect((await control('GET', '/_payment-methods')).body).toEqual([
      expect.objectContaining({
        name: 'Card',
        providerName: 'Settle',
        paymentAuthorizationEndpoint: 'https://settle.example/spryker/private/initialize-payment',
        paymentMethodAppConfiguration: { baseUrl: 'https://new.example' },
        isHidden: false,
        lastMessageTimestamp: '2026-01-01T10:00:00.000002',
      }),
    ]);
    push('DeletePaymentMethod', { name: 'Card', providerName: 'Settle' }, 1767261600);
    push('DeletePaymentMethod', { name: 'Card', providerName: 'Settle' }, '2026-01-01T10:00:00.000003');
    await poll();
    expect((await control('GET', '/_payment-methods')).body).toEqual([
      expect.objectContaining({ isHidden: true }),
    ]);
    const received = (await control('GET', '/_messages')).body.received;
    expect(received.map((r: { outcome: string; result?: unknown }) => r.result ?? r.outcome)).toEqual([
      'saved',
      'ignored',
      'saved',
      'failed',
      'saved',
    ]);
    expect(bus.queues['payment-method-commands']).toEqual([]);
  });
});

describe("the Spryker shop simulator's active-app filter (kernel-app)", () => {
  const SETTLE_CHANNELS = ['payment-commands', 'payment-events', 'payment-method-commands'];
  const DEFAULTS = ['app-events', 'payment-events', 'payment-method-commands'];

  it('stores AppConfigUpdated per app and lets through only what an active config lists', () => {
    let clock = 1_000_000_000;
    const store = createAppConfigStore(() => clock);
    // No config: nothing but the system channel, which comes last.
    expect(store.channelsForConsuming(DEFAULTS)).toEqual(['app-events']);
    expect(store.channelForSending('payment-commands')).toBeUndefined();

    // Without isActive a config never counts.
    store.store({ appIdentifier: 'settle', status: 'NEW', config: {}, messageChannels: SETTLE_CHANNELS });
    expect(store.channelsForConsuming(DEFAULTS)).toEqual(['app-events']);
    // Without appIdentifier or status, or with an identifier past the shop's 36 characters, the handler throws.
    expect(() => store.store({ status: 'NEW', isActive: true })).toThrow(/appIdentifier/);
    expect(() => store.store({ appIdentifier: 'settle', isActive: true })).toThrow(/status/);
    expect(() => store.store({ appIdentifier: 'x'.repeat(37), status: 'NEW', isActive: true })).toThrow(
      /character varying\(36\)/,
    );

    store.store({
      appIdentifier: 'settle',
      status: 'NEW',
      isActive: true,
      config: {},
      messageChannels: SETTLE_CHANNELS,
    });
    expect(store.channelsForConsuming(DEFAULTS)).toEqual([
      'payment-events',
      'payment-method-commands',
      'app-events',
    ]);
    expect(store.channelForSending('payment-commands')).toBe('payment-commands');
    expect(store.channelForSending('order-events')).toBeUndefined();

    // Deactivated: open for the grace period, then closed.
    store.store({
      appIdentifier: 'settle',
      status: 'DISCONNECTED',
      isActive: false,
      messageChannels: SETTLE_CHANNELS,
    });
    clock += GRACE_PERIOD_MS;
    expect(store.channelForSending('payment-commands')).toBe('payment-commands');
    clock += 1;
    expect(store.channelForSending('payment-commands')).toBeUndefined();

    // Another app's active config without channels opens every channel, app-events in its place.
    store.store({ appIdentifier: 'other-app', status: 'CONNECTED', isActive: true, config: {} });
    expect(store.channelsForConsuming(DEFAULTS)).toEqual(DEFAULTS);
  });

  describe('in the worker and the OMS', () => {
    let bus: ReturnType<typeof createBusStandIn>;
    let busServer: RunningServer;
    let sim: SprykerShopSimulator;

    beforeEach(async () => {
      bus = createBusStandIn();
      busServer = await listen(bus.app, 0);
      sim = createSprykerShopSimulator({
        settleUrl: busServer.url,
        tenant: TENANT,
        token: TOKEN,
        mode: 'event',
        pollIntervalMs: 0,
      });
    });
    afterEach(async () => {
      await sim.stop();
      await busServer.close();
    });
    const fetched = () => bus.requests.filter((r) => r.method === 'GET').map((r) => r.path);

    it('fetches app-events only and drops commands unsent until its config is stored, then opens the channels from the next run', async () => {
      const placed = (await sim.placeOrder({
        orderReference: 'R-filter',
        currency: 'EUR',
        items: [{ sku: 'A', unitPrice: 1000 }],
      })) as { items: { id: number; state: string }[] };
      const [item] = placed.items;
      bus.queues['payment-events']!.push(
        wire('PaymentAuthorized', { orderReference: 'R-filter', orderItemIds: [item!.id] }),
      );

      expect(await sim.pollOnce()).toMatchObject({ channels: ['app-events'], handled: 0 });
      expect(item!.state).toBe('payment pending');
      // A cancel's command is dropped by the broker: no call, a warning, the items wait as if it had gone out.
      const cancel = await sim.operate('R-filter', 'cancel');
      expect(cancel).toMatchObject({ ok: true, sent: { dropped: 'Could not map message to channel name' } });
      expect(bus.commands()).toEqual([]);
      expect(sim.journal.warnings).toEqual([
        expect.objectContaining({
          what: 'Could not map message to channel name',
          messageName: 'CancelPayment',
        }),
      ]);
      expect(item!.state).toBe('payment cancellation pending');

      bus.queues['app-events']!.push(
        wire('AppConfigUpdated', {
          appIdentifier: 'settle',
          status: 'NEW',
          isActive: true,
          config: {},
          messageChannels: SETTLE_CHANNELS,
        }),
      );
      // The run that stores it chose its channels before.
      expect(await sim.pollOnce()).toMatchObject({ channels: ['app-events'], handled: 1 });
      expect(sim.appConfigs()).toEqual([
        expect.objectContaining({ appIdentifier: 'settle', isActive: true }),
      ]);
      expect(bus.queues['app-events']).toEqual([]);
      expect(await sim.pollOnce()).toMatchObject({
        channels: ['payment-events', 'payment-method-commands', 'app-events'],
        handled: 1,
      });
      expect(fetched()).toEqual([
        '/spryker/app-events',
        '/spryker/app-events',
        '/spryker/payment-events',
        '/spryker/payment-method-commands',
        '/spryker/app-events',
      ]);
    });

    it('ends the run on a fetch answered 4xx or 5xx: the channels after it wait for the next run', async () => {
      bus.queues['app-events']!.push(
        wire('AppConfigUpdated', {
          appIdentifier: 'settle',
          status: 'NEW',
          isActive: true,
          messageChannels: SETTLE_CHANNELS,
        }),
      );
      await sim.pollOnce();
      bus.fetchAnswers['payment-events'] = [{ status: 503, body: { error: 'down' } }];
      bus.requests.length = 0;
      expect(await sim.pollOnce()).toMatchObject({ ended: 'GET payment-events answered 503' });
      expect(fetched()).toEqual(['/spryker/payment-events']);
      expect(sim.journal.errors).toEqual([
        expect.objectContaining({ what: 'GET payment-events', status: 503 }),
        expect.objectContaining({ what: 'worker run ended', error: 'GET payment-events answered 503' }),
      ]);
      expect((await sim.pollOnce()).ended).toBeUndefined();
    });
  });
});
