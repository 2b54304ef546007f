import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, type RunningServer } from '../../config/server';
import { orderPaymentWorkflowId } from '../../domain/orderPayment';
import { startRabbitMq, type RabbitMq } from '../../scripts/rabbitmq';
import type { Stack } from '../../scripts/stack';
import { createDeityShopSimulator, type DeityShopSimulator } from '../../sim/deity/server';
import type { ShopOrder } from '../../sim/deity/shopOrder';
import { orderPaymentQuery } from '../../workflows/orderPaymentMessages';
import { BROKER_START_MS } from '../helpers/broker';
import { TWO_ITEM_ORDER, heardStatuses } from '../helpers/deityShop';
import { runEntryPoint } from '../helpers/processes';
import { startTestStack } from '../helpers/stacks';
import { eventually, listedWorkflows } from '../helpers/temporal';

/**
 * A Deity shop drives its orders' payments through Settle as its Payment Orchestrator: the shop simulator (the
 * four client endpoints, and the PAYMENT_STATUS_UPDATED events from its profile's queue on a real RabbitMQ)
 * against Settle's API and worker on a Temporal dev server, with the gateway simulator as the provider.
 */
describe('the Deity door (dev server, RabbitMQ)', () => {
  jest.setTimeout(BROKER_START_MS);
  let env: TestWorkflowEnvironment;
  let broker: RabbitMq;
  let stack: Stack;
  let shop: DeityShopSimulator;
  let shopServer: RunningServer;
  const brokerDir = mkdtempSync(join(tmpdir(), 'settle-deity-broker-'));
  const PROFILE = { serviceUser: 'acme:web:test', serviceToken: 'acme-web-test-token-01' };
  const PROFILES = JSON.stringify([
    {
      ...PROFILE,
      methods: [
        // Its payment method token: authorized server-side (direct), without a payment page.
        {
          provider: 'gateway',
          method: 'card',
          currencies: ['EUR'],
          config: { brands: ['visa'] },
          paymentMethod: 'tok_visa',
        },
        { provider: 'gateway', method: 'invoice', countries: ['NL'] },
      ],
    },
  ]);

  beforeAll(async () => {
    ({ env, stack } = await startTestStack({
      env: { DEITY_VALIDATE_WAIT: '5s', DEITY_PROFILES: PROFILES },
      alongside: async () => {
        broker = await startRabbitMq({ dataDir: brokerDir });
        return { env: { AMQP_URL: broker.url }, stop: () => broker.stop() };
      },
    }));
    shop = createDeityShopSimulator({ settleUrl: stack.api.url, ...PROFILE, amqpUrl: broker.url });
    shopServer = await listen(shop.app, 0);
    await shop.start();
  }, BROKER_START_MS);
  afterAll(async () => {
    await shop?.stop();
    await shopServer?.close();
    await stack?.stop();
  });

  const place = async (id: string, extra: object = {}) => {
    const placed = await shop.placeOrder({ id, ...TWO_ITEM_ORDER, ...extra });
    if (!placed.ok) throw new Error(`placing ${id}: ${JSON.stringify(placed)}`);
    return placed.order;
  };
  /** Waits until the shop has heard `statuses`, in order, for the order. */
  const heard = (order: ShopOrder, statuses: string[]) =>
    heardStatuses(order, statuses, () => `; ${JSON.stringify(shop.journal.duplicates.slice(-2))}`);
  const stateOf = (orderId: string) =>
    stack.temporal.workflow
      .getHandle(
        orderPaymentWorkflowId({ door: 'deity', tenant: PROFILE.serviceUser, orderReference: orderId }),
      )
      .query(orderPaymentQuery);
  const gatewayOperations = (transactionId: string) =>
    [...stack.gateway.sim.operations.values()]
      .filter((operation) => operation.authorization === transactionId)
      .map(({ object, amount, status }) => ({ object, amount, status }));

  it('from method list to refund: authorized, two of three items shipped, then the third, refunded in two parts', async () => {
    const order = await place('DEITY-1', {
      items: [
        { sku: 'A', price: 30 },
        { sku: 'B', price: 20 },
        { sku: 'C', price: 12.5 },
      ],
    });
    expect(order.method).toEqual({ provider: 'gateway', method: 'card', config: { brands: ['visa'] } });
    expect(order.validate).toMatchObject({ status: 200, body: { orderId: 'DEITY-1', status: 'complete' } });
    await heard(order, ['authorized']);

    const [a, b, c] = order.items;
    expect(await shop.ship('DEITY-1', [{ id: a!.id }, { id: b!.id }])).toMatchObject({
      answer: { status: 202 },
    });
    await heard(order, ['authorized', 'paid']);
    expect(await shop.ship('DEITY-1', [{ id: c!.id }])).toMatchObject({ answer: { status: 202 } });
    await heard(order, ['authorized', 'paid', 'paid']);
    expect(await shop.refund('DEITY-1', { amount: '10.00' })).toMatchObject({ answer: { status: 202 } });
    await heard(order, ['authorized', 'paid', 'paid', 'partially_refunded']);
    // More than is left to refund: refused, nothing started.
    expect(await shop.refund('DEITY-1', { amount: '60.00' })).toMatchObject({ answer: { status: 409 } });
    expect(await shop.refund('DEITY-1', { amount: '57.50' })).toMatchObject({ answer: { status: 202 } });
    const history = await heard(order, ['authorized', 'paid', 'paid', 'partially_refunded', 'refunded']);

    // The first shipment carries the shipping; amounts are in major units on the wire.
    expect(history.map((entry) => (entry.payload as { amount: number }).amount)).toEqual([
      67.5, 55, 12.5, 10, 57.5,
    ]);
    const state = await stateOf('DEITY-1');
    expect(state).toMatchObject({ capturedMinor: 6750, refundedMinor: 6750, canceled: false });
    expect(gatewayOperations(state.authorization!.transactionId!)).toEqual([
      { object: 'capture', amount: 5500, status: 'succeeded' },
      { object: 'capture', amount: 1250, status: 'succeeded' },
      { object: 'refund', amount: 1000, status: 'succeeded' },
      { object: 'refund', amount: 5750, status: 'succeeded' },
    ]);
    expect(shop.journal.duplicates).toEqual([]);
    expect(shop.journal.unparseable).toEqual([]);
  });

  it('answers a declined authorization failed, and the shop hears it failed', async () => {
    stack.gateway.sim.control.declineNext = 1;
    const placed = await shop.placeOrder({
      id: 'DEITY-DECLINED',
      currency: 'EUR',
      country: 'DE',
      items: [{ sku: 'A', price: 9 }],
    });
    expect(placed).toMatchObject({
      ok: true,
      order: { validate: { status: 200, body: { orderId: 'DEITY-DECLINED', status: 'failed' } } },
    });
    if (!placed.ok) return;
    const history = await heard(placed.order, ['failed']);
    expect(history[0]!.payload).toMatchObject({
      amount: 9,
      currency: 'EUR',
      reason: expect.stringContaining('card_declined'),
    });
  });

  it('cancels an order not yet shipped, and refuses what the money does not allow', async () => {
    const order = await place('DEITY-CANCEL');
    await heard(order, ['authorized']);
    expect(await shop.refund('DEITY-CANCEL', { amount: '5.00' })).toMatchObject({
      answer: { status: 409, body: { error: 'nothing is captured that could be refunded' } },
    });
    expect(await shop.cancel('DEITY-CANCEL')).toMatchObject({ answer: { status: 202 } });
    await heard(order, ['authorized', 'canceled']);
    expect(await shop.ship('DEITY-CANCEL')).toMatchObject({
      answer: { status: 409, body: { error: "the order's payment is cancelled" } },
    });
    expect(await stateOf('DEITY-CANCEL')).toMatchObject({ capturedMinor: 0, canceled: true });
  });

  it('takes the same validate and the same update once', async () => {
    const order = await place('DEITY-TWICE');
    await heard(order, ['authorized']);
    const auth = `Basic ${Buffer.from(`${PROFILE.serviceUser}:${PROFILE.serviceToken}`).toString('base64')}`;
    const post = (path: string, body: object) =>
      fetch(`${stack.api.url}/dpsg/v1/client${path}`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as unknown }));
    const validate = {
      id: 'DEITY-TWICE',
      currency: 'EUR',
      total: { grandTotal: 55, shipping: 5 },
      items: [
        { id: '1', quantity: 1, price: 30 },
        { id: '2', quantity: 1, price: 20 },
      ],
      provider: 'gateway',
      method: 'card',
    };
    expect(await post('/validate', validate)).toEqual(order.validate);
    // The update after a redirect answers the order's status as the provider's word recorded it.
    expect(await post('/payment/DEITY-TWICE', {})).toEqual({
      status: 200,
      body: {
        id: (await stateOf('DEITY-TWICE')).authorization!.transactionId,
        orderId: 'DEITY-TWICE',
        status: 'complete',
      },
    });
    const shipment = {
      provider: 'gateway',
      orderId: 'DEITY-TWICE',
      status: 'shipped',
      additionalData: { shippingData: { items: [{ id: '1' }] } },
    };
    const answers = [await post('/order-updates', shipment), await post('/order-updates', shipment)];
    expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
    expect(answers[1]!.body).toEqual(answers[0]!.body);
    await heard(order, ['authorized', 'paid']);
    const state = await stateOf('DEITY-TWICE');
    // The checkout's authorize and one capture.
    expect(Object.values(state.commands).map((command) => command.command)).toEqual(['authorize', 'capture']);
    expect(gatewayOperations(state.authorization!.transactionId!)).toEqual([
      { object: 'capture', amount: 3500, status: 'succeeded' },
    ]);
    const authorizations = [...stack.gateway.sim.authorizations.values()].filter(
      (authorization) => authorization.metadata?.order_reference === 'DEITY-TWICE',
    );
    expect(authorizations).toHaveLength(1);

    // Bad input: clear, specific, nothing started.
    const cases: [string, Promise<{ status: number; body: unknown }>, number, RegExp][] = [
      [
        'a total minor units cannot hold',
        post('/validate', { ...validate, id: 'DEITY-X', total: { grandTotal: 12.345 } }),
        400,
        /more than 2 decimals/,
      ],
      [
        'an unknown method',
        post('/validate', { ...validate, id: 'DEITY-Y', method: 'crypto' }),
        404,
        /no method gateway\/crypto/,
      ],
      ['an order never placed', post('/payment/DEITY-NONE', {}), 404, /placed no order DEITY-NONE/],
      [
        'an unknown order',
        post('/order-updates', { ...shipment, orderId: 'DEITY-NONE' }),
        404,
        /no payment is known/,
      ],
      [
        'an item the order has not',
        post('/order-updates', { ...shipment, additionalData: { shippingData: { items: [{ id: '9' }] } } }),
        400,
        /no item 9/,
      ],
    ];
    for (const [what, answer, status, error] of cases) {
      const got = await answer;
      expect({ what, status: got.status }).toEqual({ what, status });
      expect(JSON.stringify(got.body)).toMatch(error);
    }
    for (const id of ['DEITY-X', 'DEITY-Y', 'DEITY-NONE']) {
      await expect(stateOf(id)).rejects.toThrow();
    }
    const wrong = await fetch(`${stack.api.url}/dpsg/v1/client/methods`, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from(`${PROFILE.serviceUser}:wrong-token-000000`).toString('base64'),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ id: 'c', total: 1, currency: 'EUR', country: 'DE' }),
    });
    expect(wrong.status).toBe(401);
    const stranger = await fetch(`${stack.api.url}/dpsg/v1/client/methods`, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from(`acme:web:other:${PROFILE.serviceToken}`).toString('base64'),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ id: 'c', total: 1, currency: 'EUR', country: 'DE' }),
    });
    expect({ status: stranger.status, body: await stranger.json() }).toEqual({
      status: 401,
      body: { error: 'Unauthorized: unknown profile "acme:web:other"' },
    });
  });

  it('lists the methods that fit the order', async () => {
    const auth = `Basic ${Buffer.from(`${PROFILE.serviceUser}:${PROFILE.serviceToken}`).toString('base64')}`;
    const list = async (country: string, currency: string) => {
      const response = await fetch(`${stack.api.url}/dpsg/v1/client/methods`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'cart-1', total: 10, currency, country }),
      });
      return ((await response.json()) as { items: { method: string }[] }).items.map((item) => item.method);
    };
    expect(await list('DE', 'EUR')).toEqual(['card']);
    expect(await list('NL', 'EUR')).toEqual(['card', 'invoice']);
    expect(await list('NL', 'USD')).toEqual(['invoice']);
  });

  it("manages a profile's methods with settle deity methods: added and removed over the configured ones", async () => {
    const settle = async (...args: string[]) => {
      const cli = runEntryPoint(
        'cli/main.ts',
        {
          PATH: process.env.PATH,
          TEMPORAL_ADDRESS: env.address,
          TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
          DEITY_PROFILES: PROFILES,
        },
        ['deity', 'methods', ...args],
      );
      return { code: await cli.exited, output: cli.output() };
    };
    const profile = ['--profile', PROFILE.serviceUser];
    expect(
      await settle(
        'add',
        ...profile,
        '--provider',
        'gateway',
        '--method',
        'wallet',
        '--currencies',
        'EUR,USD',
      ),
    ).toMatchObject({
      code: 0,
      output: expect.stringContaining('acme:web:test offers gateway/wallet currencies EUR,USD'),
    });
    expect(await settle('remove', ...profile, '--provider', 'gateway', '--method', 'invoice')).toMatchObject({
      code: 0,
    });
    const listed = await settle('list', ...profile);
    expect(listed.code).toBe(0);
    expect(listed.output).toContain('gateway/card currencies EUR');
    expect(listed.output).toContain('gateway/wallet currencies EUR,USD');
    expect(listed.output).not.toContain('gateway/invoice');
    // The API sees the change within seconds.
    const auth = `Basic ${Buffer.from(`${PROFILE.serviceUser}:${PROFILE.serviceToken}`).toString('base64')}`;
    const offered = async () => {
      const response = await fetch(`${stack.api.url}/dpsg/v1/client/methods`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'cart-2', total: 10, currency: 'USD', country: 'NL' }),
      });
      return ((await response.json()) as { items: { method: string }[] }).items.map((item) => item.method);
    };
    expect(
      await eventually(async () => ((await offered()).includes('wallet') ? offered() : undefined)),
    ).toEqual(['wallet']);
    // Bad command lines: a usage error; an unknown profile: a failure.
    expect((await settle('add', ...profile, '--provider', 'gateway', '--method', 'Wallet!')).code).toBe(2);
    expect(await settle('list', '--profile', 'nobody:here:dev')).toMatchObject({
      code: 1,
      output: expect.stringContaining('no profile "nobody:here:dev"'),
    });
  });

  it('loses no event while RabbitMQ is down: the status comes once the broker is back', async () => {
    const order = await place('DEITY-OUTAGE');
    await heard(order, ['authorized']);
    await broker.stop();
    expect(await shop.ship('DEITY-OUTAGE')).toMatchObject({ answer: { status: 202 } });
    const state = await eventually(async () => {
      const current = await stateOf('DEITY-OUTAGE');
      return current.capturedMinor === 5500 ? current : undefined;
    });
    expect(order.statusHistory.map((entry) => entry.status)).toEqual(['authorized']);
    broker = await startRabbitMq({ dataDir: brokerDir, port: broker.port });
    await heard(order, ['authorized', 'paid']);
    expect(gatewayOperations(state.authorization!.transactionId!)).toHaveLength(1);
    const executions = await listedWorkflows(
      stack.temporal,
      `SettleFacets = "door:deity" AND SettleFacets = "tenant:${PROFILE.serviceUser}" AND SettleOrderId = "DEITY-OUTAGE"`,
    );
    expect(executions.length).toBeGreaterThanOrEqual(1);
  });
});
