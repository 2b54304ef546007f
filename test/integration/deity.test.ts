import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, listen, type RunningServer } from '../../config/server';
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
 * client endpoints on Deity's paths under /api with Deity's token, and the PAYMENT_STATUS_UPDATED events from its
 * profile's queue on a real RabbitMQ) against Settle's API and worker on a Temporal dev server, with the gateway
 * simulator as the provider.
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
  const TOKEN = `${PROFILE.serviceUser}:${PROFILE.serviceToken}`;
  const CARD = { provider: 'gateway', method: 'card' };
  const PROFILES = JSON.stringify([
    {
      ...PROFILE,
      // The shop logs in to this test's broker as guest: its order updates on the queue carry that user_id.
      brokerUser: 'guest',
      methods: [
        // Its payment method token: authorized server-side (direct), without a payment page.
        {
          ...CARD,
          title: 'Card',
          currencies: ['EUR'],
          sortOrder: [{ countries: ['*'], sortOrder: 20 }],
          config: { brands: ['visa'] },
          paymentMethod: 'tok_visa',
        },
        {
          provider: 'gateway',
          method: 'invoice',
          title: 'Invoice',
          countries: ['NL'],
          sortOrder: [{ countries: ['NL'], sortOrder: 30 }],
        },
        // No token: paid on Settle's payment page. First in Germany, last elsewhere; 10 to 1000 EUR.
        {
          provider: 'gateway',
          method: 'card-page',
          title: 'Card (secure page)',
          currencies: ['EUR'],
          sortOrder: [
            { countries: ['DE'], sortOrder: 0 },
            { countries: ['*'], sortOrder: 50 },
          ],
          surcharge: [{ countries: ['DE'], percentage: 1, fixed: [{ currency: 'EUR', amount: 0.5 }] }],
          minMaxAmounts: [{ currency: 'EUR', min: 10, max: 1000 }],
        },
        { provider: 'gateway', method: 'wire', title: 'Wire', enabled: false },
      ],
    },
  ]);

  beforeAll(async () => {
    // The payment page's links name the API's address (PUBLIC_URL), and validate names the shop's return page.
    const [apiPort, shopPort] = await Promise.all([freePort(), freePort()]);
    ({ env, stack } = await startTestStack({
      ports: { api: apiPort },
      env: { DEITY_VALIDATE_WAIT: '5s', DEITY_PROFILES: PROFILES },
      alongside: async () => {
        broker = await startRabbitMq({ dataDir: brokerDir });
        return { env: { AMQP_URL: broker.url }, stop: () => broker.stop() };
      },
    }));
    shop = createDeityShopSimulator({
      settleUrl: stack.api.url,
      ...PROFILE,
      amqpUrl: broker.url,
      publicUrl: `http://127.0.0.1:${shopPort}`,
    });
    shopServer = await listen(shop.app, shopPort);
    await shop.start();
  }, BROKER_START_MS);
  afterAll(async () => {
    await shop?.stop();
    await shopServer?.close();
    await stack?.stop();
  });

  /** Places the order at the shop, with the direct card unless told. */
  const place = async (id: string, extra: object = {}) => {
    const placed = await shop.placeOrder({ id, ...TWO_ITEM_ORDER, method: CARD, ...extra });
    if (!placed.ok) throw new Error(`placing ${id}: ${JSON.stringify(placed)}`);
    return placed.order;
  };
  /** Waits until the shop has heard `statuses`, in order, for the order. */
  const heard = (order: ShopOrder, statuses: string[]) =>
    heardStatuses(order, statuses, () => `; ${JSON.stringify(shop.journal.duplicates.slice(-2))}`);
  const orderWorkflowId = (orderId: string) =>
    orderPaymentWorkflowId({ door: 'deity', tenant: PROFILE.serviceUser, orderReference: orderId });
  const stateOf = (orderId: string) =>
    stack.temporal.workflow.getHandle(orderWorkflowId(orderId)).query(orderPaymentQuery);
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
    expect(order.method).toEqual({ ...CARD, title: 'Card', config: { brands: ['visa'] } });
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
      method: CARD,
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
    const post = (path: string, body: object) =>
      fetch(`${stack.api.url}/api${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
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
    expect(await post('/payment', validate)).toEqual(order.validate);
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
        post('/payment', { ...validate, id: 'DEITY-X', total: { grandTotal: 12.345 } }),
        400,
        /more than 2 decimals/,
      ],
      [
        'an unknown method',
        post('/payment', { ...validate, id: 'DEITY-Y', method: 'crypto' }),
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
    // The method list's filters hold at place order too: the page method takes 10 EUR at least, no wire.
    const placeWith = (id: string, extra: object) =>
      post('/payment', {
        ...validate,
        id,
        total: { grandTotal: 9 },
        items: [{ id: '1', quantity: 1, price: 9 }],
        ...extra,
      });
    expect(await placeWith('DEITY-Z', { method: 'card-page' })).toEqual({
      status: 409,
      body: { error: 'gateway/card-page takes orders from 10 EUR' },
    });
    expect(await placeWith('DEITY-W', { method: 'wire' })).toEqual({
      status: 409,
      body: { error: 'gateway/wire is disabled' },
    });
    expect(await placeWith('DEITY-V', { method: 'invoice', billingAddress: { country: 'DE' } })).toEqual({
      status: 409,
      body: { error: 'gateway/invoice does not take orders from DE' },
    });
    for (const id of ['DEITY-X', 'DEITY-Y', 'DEITY-NONE', 'DEITY-Z', 'DEITY-W', 'DEITY-V']) {
      await expect(stateOf(id)).rejects.toThrow();
    }
    const wrong = await fetch(`${stack.api.url}/api/payment-methods`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${PROFILE.serviceUser}:wrong-token-000000`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ id: 'c', total: 1, currency: 'EUR', country: 'DE' }),
    });
    expect(wrong.status).toBe(401);
    const stranger = await fetch(`${stack.api.url}/api/payment-methods`, {
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

  /** The method list for a cart, as POST (a JSON body) or GET (query parameters) asks it. */
  const listFor = async (cart: { total: number; currency: string; country: string }, method = 'POST') => {
    const query = new URLSearchParams({ id: 'cart-1', ...cart, total: String(cart.total) });
    const response = await fetch(
      `${stack.api.url}/api/payment-methods${method === 'GET' ? `?${query}` : ''}`,
      {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: JSON.stringify({ id: 'cart-1', ...cart }) } : {}),
      },
    );
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: { method: string }[] }).items;
  };
  const methodsFor = async (cart: { total: number; currency: string; country: string }, method = 'POST') =>
    (await listFor(cart, method)).map((item) => item.method);

  it('lists the enabled methods that fit the country, currency and total, in sort order, by POST or GET', async () => {
    for (const method of ['POST', 'GET']) {
      expect(await methodsFor({ total: 55, currency: 'EUR', country: 'DE' }, method)).toEqual([
        'card-page',
        'card',
      ]);
      // Under the page method's minimum.
      expect(await methodsFor({ total: 9.99, currency: 'EUR', country: 'DE' }, method)).toEqual(['card']);
      expect(await methodsFor({ total: 10, currency: 'EUR', country: 'DE' }, method)).toEqual([
        'card-page',
        'card',
      ]);
      // Above its maximum.
      expect(await methodsFor({ total: 1000.01, currency: 'EUR', country: 'DE' }, method)).toEqual(['card']);
      expect(await methodsFor({ total: 55, currency: 'EUR', country: 'NL' }, method)).toEqual([
        'card',
        'invoice',
        'card-page',
      ]);
      expect(await methodsFor({ total: 55, currency: 'USD', country: 'NL' }, method)).toEqual(['invoice']);
    }
    expect(await listFor({ total: 55, currency: 'EUR', country: 'DE' })).toEqual([
      // 1 % of 55.00, plus 0.50.
      {
        provider: 'gateway',
        method: 'card-page',
        title: 'Card (secure page)',
        surcharge: { amount: 1.05, fixed: 0.5, percentage: 1 },
      },
      { provider: 'gateway', method: 'card', title: 'Card', config: { brands: ['visa'] } },
    ]);
  });

  it('pays an order from the method list through the payment page, the update after it, a shipment and a partial refund', async () => {
    // The shop lists the methods for the cart, and its customer takes the first: the page, 3-D Secure passed.
    const placed = await shop.placeOrder({ id: 'DEITY-PAGE', ...TWO_ITEM_ORDER, customer: 'challenge-pass' });
    if (!placed.ok) throw new Error(JSON.stringify(placed));
    const { order } = placed;
    expect(order.methodList.map((item) => item.method)).toEqual(['card-page', 'card']);
    expect(order.method).toMatchObject({
      provider: 'gateway',
      method: 'card-page',
      title: 'Card (secure page)',
    });
    expect(order.validate).toEqual({
      status: 200,
      body: {
        orderId: 'DEITY-PAGE',
        status: 'redirect',
        intermediateStep: { url: expect.stringMatching(`^${stack.api.url}/pay/`), method: 'GET' },
      },
    });
    // The customer came back to the shop's return page, which sent the update after the redirect.
    expect(order.customer).toMatchObject({
      choice: 'challenge-pass',
      finalUrl: `${shopServer.url}/checkout/return/DEITY-PAGE`,
    });
    expect(order.customer?.visited).toContainEqual(expect.stringMatching(/\/challenge$/));
    const transactionId = (await stateOf('DEITY-PAGE')).authorization!.transactionId!;
    expect(order.paymentUpdates.map((update) => update.answer)).toEqual([
      { status: 200, body: { id: transactionId, orderId: 'DEITY-PAGE', status: 'complete' } },
    ]);
    expect(shop.journal.calls.map((call) => call.path).filter((path) => path.includes('DEITY-PAGE'))).toEqual(
      ['/payment/DEITY-PAGE'],
    );
    // Asked again, by any method the module may use, the update answers the same.
    for (const method of ['GET', 'PUT', 'PATCH']) {
      const again = await fetch(`${stack.api.url}/api/payment/DEITY-PAGE`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: JSON.stringify({ data: { redirectResult: 'ignored' } }) }),
      });
      expect({ method, status: again.status, body: await again.json() }).toEqual({
        method,
        status: 200,
        body: { id: transactionId, orderId: 'DEITY-PAGE', status: 'complete' },
      });
    }
    await heard(order, ['authorized']);

    // The shipment goes over the queue, as Deity's module pushes order updates; the refund over REST.
    shop.sendOrderUpdatesVia('queue');
    try {
      expect(await shop.ship('DEITY-PAGE')).toMatchObject({
        answer: { status: 202, body: { published: true } },
      });
    } finally {
      shop.sendOrderUpdatesVia('rest');
    }
    await heard(order, ['authorized', 'paid']);
    expect(await shop.refund('DEITY-PAGE', { amount: '20.00' })).toMatchObject({
      answer: { status: 202, body: { accepted: true } },
    });
    const history = await heard(order, ['authorized', 'paid', 'partially_refunded']);
    expect(history.map((entry) => (entry.payload as { amount: number }).amount)).toEqual([55, 55, 20]);
    // Each event names the order by Settle's id, the shop's and the provider's, in Deity's words.
    const ids = {
      orderId: orderWorkflowId('DEITY-PAGE'),
      shopOrderId: 'DEITY-PAGE',
      gatewayOrderId: transactionId,
    };
    expect(
      shop.journal.received
        .filter((record) => record.orderId === 'DEITY-PAGE')
        .map(({ body: { orderId, shopOrderId, gatewayOrderId, status } }) => ({
          orderId,
          shopOrderId,
          gatewayOrderId,
          status,
        })),
    ).toEqual(['authorized', 'paid', 'partially_refunded'].map((status) => ({ ...ids, status })));
    expect(await stateOf('DEITY-PAGE')).toMatchObject({ capturedMinor: 5500, refundedMinor: 2000 });
    expect(gatewayOperations(transactionId)).toEqual([
      { object: 'capture', amount: 5500, status: 'succeeded' },
      { object: 'refund', amount: 2000, status: 'succeeded' },
    ]);
    expect(shop.journal.duplicates).toEqual([]);
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
        '--title',
        'Wallet',
        '--currencies',
        'EUR,USD',
        '--min-max-amounts',
        '[{"currency":"USD","max":100}]',
      ),
    ).toMatchObject({
      code: 0,
      output: expect.stringContaining(
        'acme:web:test offers gateway/wallet "Wallet" currencies EUR,USD minMaxAmounts [{"currency":"USD","max":100}]',
      ),
    });
    expect(await settle('remove', ...profile, '--provider', 'gateway', '--method', 'invoice')).toMatchObject({
      code: 0,
    });
    const listed = await settle('list', ...profile);
    expect(listed.code).toBe(0);
    expect(listed.output).toContain('gateway/card "Card" currencies EUR');
    expect(listed.output).toContain('gateway/wallet "Wallet" currencies EUR,USD');
    expect(listed.output).not.toContain('gateway/invoice');
    // The API sees the change within seconds.
    const offered = () => methodsFor({ total: 10, currency: 'USD', country: 'NL' });
    expect(
      await eventually(async () => ((await offered()).includes('wallet') ? offered() : undefined)),
    ).toEqual(['wallet']);
    // Above its maximum in USD: not offered.
    expect(await methodsFor({ total: 100.01, currency: 'USD', country: 'NL' })).toEqual([]);
    // Bad command lines: a usage error naming what is wrong; an unknown profile: a failure.
    expect((await settle('add', ...profile, '--provider', 'gateway', '--method', 'Wallet!')).code).toBe(2);
    const tooPrecise = await settle(
      'add',
      ...profile,
      '--provider',
      'gateway',
      '--method',
      'wallet',
      '--min-max-amounts',
      '[{"currency":"EUR","min":1.234}]',
    );
    expect(tooPrecise).toMatchObject({
      code: 2,
      output: expect.stringContaining(
        '--min-max-amounts (0.min): amount "1.234" has more than 2 decimals allowed for EUR',
      ),
    });
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
