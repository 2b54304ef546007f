import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import express from 'express';
import { listen, type RunningServer } from '../../config/server';
import { PAYMENT_STATUSES as DOOR_STATUSES } from '../../oms/deity/contract';
import { createDeityShopSimulator, type DeityShopSimulator } from '../../sim/deity/server';
import { PAYMENT_STATUSES as SHOP_STATUSES } from '../../sim/deity/statusEvents';
import { startRabbitMq, type RabbitMq } from '../../scripts/rabbitmq';
import { eventually } from '../helpers/temporal';

/**
 * The Deity shop simulator against a stand-in of the Payment Orchestrator's four client endpoints that
 * records what the shop sends, and a real RabbitMQ broker for the PAYMENT_STATUS_UPDATED events (the
 * end-to-end tests run the simulator against Settle).
 */

const SERVICE_USER = 'acme:shop:test';
const SERVICE_TOKEN = 'token-deity-1';
const EXCHANGE = 'dpsg.events';
const QUEUE = `dpsg.${SERVICE_USER}`;
const ROUTING_KEY = `${SERVICE_USER}.payment.status_updated`;
/** Where the test's queue dead-letters what the shop rejects, to tell a rejection from an acknowledgement. */
const DEAD_EXCHANGE = 'dpsg.test.dead';
const DEAD_QUEUE = 'dpsg.test.dead';

/** A control API answer, read loosely: each test asserts the fields it needs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = Record<string, any>;

interface Recorded {
  path: string;
  headers: IncomingHttpHeaders;
  body: Answer;
}

function createOrchestratorStandIn() {
  const requests: Recorded[] = [];
  /** Answers to give validate before the usual one, in order. */
  const validateAnswers: { status: number; body: unknown }[] = [];
  let updates = 0;
  const app = express();
  app.use(express.json());
  app.use((req, _res, next) => {
    requests.push({ path: req.path, headers: req.headers, body: req.body });
    next();
  });
  const base = '/api';
  /** Answers to give the method list before the usual one, in order. */
  const listAnswers: { status: number; body: unknown }[] = [];
  app.post(`${base}/payment-methods`, (_req, res) => {
    const next = listAnswers.shift();
    if (next) return void res.status(next.status).json(next.body);
    res.json({
      items: [
        { provider: 'gateway', method: 'card', title: 'Card', config: { brands: ['visa'] } },
        { provider: 'gateway', method: 'sepa', surcharge: { amount: 1.5, fixed: 1.5 } },
        { provider: 'gateway', method: 'missing' },
      ],
    });
  });
  app.post(`${base}/payment-methods/:provider/:method`, (req, res) => {
    if (req.params.method === 'missing') res.status(404).json({ error: 'no such payment method' });
    else
      res.json({ provider: req.params.provider, method: req.params.method, config: { publicKey: 'pk_1' } });
  });
  app.post(`${base}/payment`, (req, res) => {
    const next = validateAnswers.shift();
    if (next) res.status(next.status).json(next.body);
    else res.json({ id: `tx-${req.body.id}`, orderId: req.body.id, status: 'complete' });
  });
  app.post(`${base}/order-updates`, (_req, res) => {
    updates += 1;
    res.status(202).json({ accepted: true, updateId: `update-${updates}` });
  });
  return { app, requests, validateAnswers, listAnswers };
}

let broker: RabbitMq;
let dataDir: string;
let standIn: ReturnType<typeof createOrchestratorStandIn>;
let orchestrator: RunningServer;
let sim: DeityShopSimulator;
let shop: RunningServer;
let publisher: { connection: ChannelModel; channel: ConfirmChannel };
let published = 0;

/** The exchange and the profile's queue, as Settle declares them, plus the test's dead-letter queue. */
async function openPublisher() {
  const connection = await amqp.connect(broker.url);
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(EXCHANGE, 'topic', { durable: true });
  await channel.assertExchange(DEAD_EXCHANGE, 'fanout', { durable: true });
  await channel.assertQueue(DEAD_QUEUE, { durable: true });
  await channel.bindQueue(DEAD_QUEUE, DEAD_EXCHANGE, '');
  await channel.assertQueue(QUEUE, { durable: true, deadLetterExchange: DEAD_EXCHANGE });
  await channel.bindQueue(QUEUE, EXCHANGE, `${SERVICE_USER}.#`);
  return { connection, channel };
}

/** Publishes as Settle does (persistent, confirmed); `content` is the body as sent. */
async function publish(content: string | object, messageId = `message-${++published}`) {
  publisher.channel.publish(
    EXCHANGE,
    ROUTING_KEY,
    Buffer.from(typeof content === 'string' ? content : JSON.stringify(content)),
    {
      persistent: true,
      contentType: 'application/json',
      messageId,
      type: 'PAYMENT_STATUS_UPDATED',
      timestamp: Math.floor(Date.now() / 1000),
      appId: 'settle',
      mandatory: true,
    },
  );
  await publisher.channel.waitForConfirms();
  return messageId;
}

function statusEvent(orderId: string, status: string, amount = 49.93) {
  return {
    event: 'PAYMENT_STATUS_UPDATED',
    orderId,
    shopOrderId: orderId,
    gatewayOrderId: `tx-${orderId}`,
    status,
    payload: { paymentId: `tx-${orderId}`, provider: 'gateway', method: 'card', amount, currency: 'EUR' },
  };
}

async function control(method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await fetch(`${shop.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

const cart = {
  currency: 'EUR',
  country: 'DE',
  email: 'ada@example.com',
  items: [
    { sku: 'MUG-1', price: 19.99, quantity: 2 },
    { sku: 'TEA-2', price: 5 },
  ],
  shipping: 4.95,
};

async function placeOrder(extra: object = {}) {
  const placed = await control('POST', '/_orders', { ...cart, ...extra });
  expect(placed.status).toBe(201);
  return placed.body;
}

async function orderOf(id: string) {
  return (await control('GET', `/_orders/${id}`)).body;
}

async function eventsSeen() {
  return (await control('GET', '/_events')).body;
}

/** Stops the shop's consumer and reads the queue: what it had not acknowledged would be back in it. */
async function queueAfterConsumerStops() {
  await sim.stop();
  const queue = await publisher.channel.checkQueue(QUEUE);
  const dead = await publisher.channel.checkQueue(DEAD_QUEUE);
  await sim.start();
  await eventually(async () => sim.journal.broker.connected || undefined, 60_000, 'the consumer back');
  return { ready: queue.messageCount, deadLettered: dead.messageCount };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'deity-sim-rabbitmq-'));
  broker = await startRabbitMq({ dataDir });
  publisher = await openPublisher();
  standIn = createOrchestratorStandIn();
  orchestrator = await listen(standIn.app, 0);
  sim = createDeityShopSimulator({
    settleUrl: orchestrator.url,
    serviceUser: SERVICE_USER,
    serviceToken: SERVICE_TOKEN,
    amqpUrl: broker.url,
  });
  shop = await listen(sim.app, 0);
  await sim.start();
  await eventually(async () => sim.journal.broker.connected || undefined, 60_000, 'the consumer connected');
});

afterAll(async () => {
  await sim?.stop();
  await shop?.close();
  await orchestrator?.close();
  await publisher?.connection.close().catch(() => undefined);
  await broker?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('checkout', () => {
  it("lists the methods, loads the first and places the order, in major units with Deity's token", async () => {
    const from = standIn.requests.length;
    const order = await placeOrder();
    const calls = standIn.requests.slice(from);
    expect(calls.map((c) => c.path)).toEqual([
      '/api/payment-methods',
      '/api/payment-methods/gateway/card',
      '/api/payment',
    ]);
    for (const call of calls) {
      expect(call.headers.authorization).toBe(`Bearer ${SERVICE_USER}:${SERVICE_TOKEN}`);
      expect(call.headers['content-type']).toBe('application/json');
    }
    const load = { id: order.id, total: 49.93, currency: 'EUR', email: 'ada@example.com', country: 'DE' };
    expect(calls[0]!.body).toEqual(load);
    expect(calls[1]!.body).toEqual(load);
    expect(calls[2]!.body).toMatchObject({
      id: order.id,
      currency: 'EUR',
      email: 'ada@example.com',
      total: { subtotal: 44.98, shipping: 4.95, grandTotal: 49.93 },
      items: [
        { id: '1', sku: 'MUG-1', quantity: 2, price: 19.99, rowTotal: 39.98 },
        { id: '2', sku: 'TEA-2', quantity: 1, price: 5, rowTotal: 5 },
      ],
      billingAddress: { country: 'DE' },
      provider: 'gateway',
      method: 'card',
    });

    expect(order).toMatchObject({
      currency: 'EUR',
      total: 49.93,
      methodList: [
        { provider: 'gateway', method: 'card', title: 'Card', config: { brands: ['visa'] } },
        { provider: 'gateway', method: 'sepa', surcharge: { amount: 1.5, fixed: 1.5 } },
        { provider: 'gateway', method: 'missing' },
      ],
      method: { provider: 'gateway', method: 'card', config: { publicKey: 'pk_1' } },
      validate: { status: 200, body: { id: `tx-${order.id}`, orderId: order.id, status: 'complete' } },
      status: null,
      statusHistory: [],
      updates: [],
    });
    expect(order.id).toMatch(/^DEITY-/);
    expect(await orderOf(order.id)).toEqual(order);
  });

  it('loads the method the customer chose, and keeps the order id it is given', async () => {
    const from = standIn.requests.length;
    const order = await placeOrder({ id: 'shop-order-7', method: { provider: 'gateway', method: 'sepa' } });
    expect(order.id).toBe('shop-order-7');
    expect(standIn.requests.slice(from).map((c) => c.path)).toEqual([
      '/api/payment-methods',
      '/api/payment-methods/gateway/sepa',
      '/api/payment',
    ]);
    expect(standIn.requests.at(-1)!.body).toMatchObject({
      id: 'shop-order-7',
      provider: 'gateway',
      method: 'sepa',
    });
    expect((await control('POST', '/_orders', { ...cart, id: 'shop-order-7' })).status).toBe(409);
  });

  it("passes Settle's refusal on with its status and body, and keeps no order", async () => {
    const missing = await control('POST', '/_orders', {
      ...cart,
      id: 'no-method',
      method: { provider: 'gateway', method: 'missing' },
    });
    expect(missing).toEqual({
      status: 404,
      body: {
        error: 'loadMethod answered 404',
        step: 'loadMethod',
        settle: { error: 'no such payment method' },
      },
    });
    expect((await control('GET', '/_orders/no-method')).status).toBe(404);

    standIn.validateAnswers.push({ status: 409, body: { error: 'the order exists with another total' } });
    const refused = await control('POST', '/_orders', { ...cart, id: 'refused' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      step: 'validate',
      settle: { error: 'the order exists with another total' },
    });
    expect((await control('GET', '/_orders/refused')).status).toBe(404);
  });

  it('lets the customer choose only a listed method, and takes no list that is not one', async () => {
    const from = standIn.requests.length;
    const unlisted = await control('POST', '/_orders', {
      ...cart,
      id: 'unlisted',
      method: { provider: 'gateway', method: 'ideal' },
    });
    expect(unlisted).toMatchObject({
      status: 409,
      body: { error: 'gateway/ideal is not offered for the cart', methods: expect.any(Array) },
    });
    standIn.listAnswers.push({ status: 200, body: { items: [] } });
    expect(await control('POST', '/_orders', { ...cart, id: 'none-fits' })).toMatchObject({
      status: 409,
      body: { error: 'no payment method is offered for the cart' },
    });
    standIn.listAnswers.push({ status: 200, body: [{ provider: 'gateway', method: 'card' }] });
    expect(await control('POST', '/_orders', { ...cart, id: 'bare-array' })).toMatchObject({
      status: 502,
      body: { error: 'loadMethodList answered no list of methods' },
    });
    // The list only: no method loaded, no order placed.
    expect(standIn.requests.slice(from).map((c) => c.path)).toEqual(Array(3).fill('/api/payment-methods'));
    for (const id of ['unlisted', 'none-fits', 'bare-array'])
      expect((await control('GET', `/_orders/${id}`)).status).toBe(404);
  });

  it('sends the same pair as Basic credentials when told, under the base path it is given', async () => {
    const basicShop = createDeityShopSimulator({
      settleUrl: orchestrator.url,
      serviceUser: SERVICE_USER,
      serviceToken: SERVICE_TOKEN,
      auth: 'basic',
      basePath: '/api',
    });
    const from = standIn.requests.length;
    const placed = await basicShop.placeOrder({ ...cart, id: 'basic-order' });
    expect(placed.ok).toBe(true);
    const basic = `Basic ${Buffer.from(`${SERVICE_USER}:${SERVICE_TOKEN}`).toString('base64')}`;
    expect(standIn.requests.slice(from).map((c) => c.headers.authorization)).toEqual(Array(3).fill(basic));
  });

  it('refuses a cart it cannot send', async () => {
    const from = standIn.requests.length;
    expect((await control('POST', '/_orders', { ...cart, items: [] })).status).toBe(400);
    const tooPrecise = await control('POST', '/_orders', { ...cart, items: [{ sku: 'X', price: 1.234 }] });
    expect(tooPrecise.status).toBe(400);
    expect(tooPrecise.body.error).toMatch(/more than 2 decimals/);
    expect(standIn.requests.length).toBe(from);
  });
});

describe('order updates', () => {
  const lastUpdate = () => standIn.requests.at(-1)!;

  it('sends a shipment of every line, or of the lines named, and passes the 202 on', async () => {
    const order = await placeOrder();
    const shipped = await control('POST', `/_orders/${order.id}/ship`);
    expect(shipped.status).toBe(202);
    expect(shipped.body.settle).toEqual({
      status: 202,
      body: { accepted: true, updateId: expect.any(String) },
    });
    expect(lastUpdate().path).toBe('/api/order-updates');
    expect(lastUpdate().body).toEqual({
      provider: 'gateway',
      method: 'card',
      orderId: order.id,
      status: 'shipped',
      additionalData: {
        shippingData: {
          items: [
            { id: '1', quantity: 2 },
            { id: '2', quantity: 1 },
          ],
        },
      },
    });

    await control('POST', `/_orders/${order.id}/ship`, { items: [{ id: '1', quantity: 1 }] });
    expect(lastUpdate().body.additionalData).toEqual({ shippingData: { items: [{ id: '1', quantity: 1 }] } });
    const view = await orderOf(order.id);
    expect(view.updates.map((u: Answer) => [u.status, u.answer.status])).toEqual([
      ['shipped', 202],
      ['shipped', 202],
    ]);
  });

  it('sends a refund of an amount, of items, or of the rest, as major-unit strings', async () => {
    const order = await placeOrder();
    expect((await control('POST', `/_orders/${order.id}/refund`, { amount: '10.5' })).status).toBe(202);
    expect(lastUpdate().body).toMatchObject({
      orderId: order.id,
      status: 'refunded',
      additionalData: { refundData: { amount: '10.50', currency: 'EUR' } },
    });

    await control('POST', `/_orders/${order.id}/refund`, {
      items: [{ id: '1', quantity: 1 }, { type: 'shipping' }],
    });
    expect(lastUpdate().body.additionalData).toEqual({
      refundData: {
        currency: 'EUR',
        items: [
          { type: 'product', id: '1', quantity: 1, amount: '19.99' },
          { type: 'shipping', amount: '4.95' },
        ],
      },
    });

    // 49.93 - 10.50 - 19.99 - 4.95
    await control('POST', `/_orders/${order.id}/refund`, {});
    expect(lastUpdate().body.additionalData).toEqual({ refundData: { amount: '14.49', currency: 'EUR' } });
    const nothingLeft = await control('POST', `/_orders/${order.id}/refund`, {});
    expect(nothingLeft.status).toBe(409);
  });

  it('sends a cancellation', async () => {
    const order = await placeOrder();
    const canceled = await control('POST', `/_orders/${order.id}/cancel`);
    expect(canceled.status).toBe(202);
    expect(lastUpdate().body).toEqual({
      provider: 'gateway',
      method: 'card',
      orderId: order.id,
      status: 'canceled',
    });
    expect(canceled.body.order.updates).toHaveLength(1);
  });

  it('refuses an unknown order, an unknown line and a malformed amount without sending anything', async () => {
    const order = await placeOrder();
    const from = standIn.requests.length;
    expect((await control('POST', '/_orders/nope/cancel')).status).toBe(404);
    expect((await control('POST', `/_orders/${order.id}/ship`, { items: [{ id: '9' }] })).status).toBe(400);
    expect((await control('POST', `/_orders/${order.id}/refund`, { amount: '1.234' })).status).toBe(400);
    expect((await control('POST', `/_orders/${order.id}/refund`, { amount: 5 })).status).toBe(400);
    expect(standIn.requests.length).toBe(from);
  });
});

describe('PAYMENT_STATUS_UPDATED events', () => {
  it('keeps its own list of statuses, the same the Deity door sends', () => {
    expect([...SHOP_STATUSES].sort()).toEqual([...DOOR_STATUSES].sort());
  });

  it("keeps each order's status and its history", async () => {
    const first = await placeOrder();
    const second = await placeOrder();
    const authorized = await publish(statusEvent(first.id, 'authorized'));
    await publish(statusEvent(second.id, 'authorized'));
    const paid = await publish(statusEvent(first.id, 'paid'));

    const view = await eventually(async () => {
      const o = await orderOf(first.id);
      return o.statusHistory.length === 2 ? o : undefined;
    });
    expect(view.status).toBe('paid');
    expect(view.statusHistory).toEqual([
      {
        status: 'authorized',
        messageId: authorized,
        payload: statusEvent(first.id, 'x').payload,
        at: expect.any(String),
      },
      {
        status: 'paid',
        messageId: paid,
        payload: statusEvent(first.id, 'x').payload,
        at: expect.any(String),
      },
    ]);
    expect(await eventually(async () => (await orderOf(second.id)).status ?? undefined)).toBe('authorized');
    expect((await queueAfterConsumerStops()).ready).toBe(0);
  });

  it('records an event for an order the shop does not have, and acknowledges it', async () => {
    const messageId = await publish(statusEvent('elsewhere-1', 'paid'));
    const received = await eventually(async () =>
      (await eventsSeen()).received.find((r: Answer) => r.messageId === messageId),
    );
    expect(received).toMatchObject({
      orderId: 'elsewhere-1',
      status: 'paid',
      known: false,
      routingKey: ROUTING_KEY,
    });
  });

  it('drops a duplicate messageId and acknowledges it', async () => {
    const order = await placeOrder();
    const messageId = await publish(statusEvent(order.id, 'authorized'));
    await publish(statusEvent(order.id, 'authorized'), messageId);
    const duplicate = await eventually(async () =>
      (await eventsSeen()).duplicates.find((d: Answer) => d.messageId === messageId),
    );
    expect(duplicate).toMatchObject({ orderId: order.id, status: 'authorized' });
    expect((await orderOf(order.id)).statusHistory).toHaveLength(1);
    expect(await queueAfterConsumerStops()).toEqual({ ready: 0, deadLettered: 0 });
  });

  it('rejects without requeue a message that is no status event, and records why', async () => {
    const notJson = await publish('{not json');
    const unknownStatus = await publish(statusEvent('any-order', 'teleported'));
    const noEvent = await publish({ orderId: 'any-order', status: 'paid', payload: {} });
    const seen = await eventually(async () => {
      const { unparseable } = await eventsSeen();
      return unparseable.length === 3 ? unparseable : undefined;
    });
    expect(seen.map((u: Answer) => u.messageId)).toEqual([notJson, unknownStatus, noEvent]);
    expect(seen[0]).toMatchObject({
      reason: 'the body is not JSON',
      content: '{not json',
      routingKey: ROUTING_KEY,
    });
    expect(seen[1].reason).toMatch(/^body\.status: /);
    expect(seen[2].reason).toMatch(/^body\.event: /);
    // Rejected, not acknowledged: the queue dead-letters them, and none comes back.
    expect(await queueAfterConsumerStops()).toEqual({ ready: 0, deadLettered: 3 });
    expect((await eventsSeen()).received.some((r: Answer) => r.orderId === 'any-order')).toBe(false);
  });

  it('reconnects when the broker restarts, and receives what was published meanwhile and after', async () => {
    const order = await placeOrder();
    const connects = sim.journal.broker.connects;
    await publisher.connection.close();
    await broker.stop();
    await eventually(async () => (sim.journal.broker.connected ? undefined : true), 60_000, 'the disconnect');

    broker = await startRabbitMq({ dataDir, port: broker.port });
    publisher = await openPublisher();
    const authorized = await publish(statusEvent(order.id, 'authorized'));
    await eventually(
      async () => (sim.journal.broker.connects > connects ? true : undefined),
      60_000,
      'a reconnect',
    );
    const paid = await publish(statusEvent(order.id, 'paid'));

    const view = await eventually(async () => {
      const o = await orderOf(order.id);
      return o.statusHistory.length === 2 ? o : undefined;
    });
    expect(view.statusHistory.map((h: Answer) => [h.status, h.messageId])).toEqual([
      ['authorized', authorized],
      ['paid', paid],
    ]);
    expect(sim.journal.broker.disconnects).toBeGreaterThan(0);
  });
});
