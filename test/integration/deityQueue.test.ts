import type { Client } from '@temporalio/client';
import { orderPaymentWorkflowId } from '../../domain/orderPayment';
import { createJournal } from '../../sim/deity/journal';
import { createOrderPublisher } from '../../sim/deity/orderPublisher';
import { createDeityShopSimulator, type DeityShopSimulator } from '../../sim/deity/server';
import type { ShopOrder } from '../../sim/deity/shopOrder';
import { orderPaymentQuery } from '../../workflows/orderPaymentMessages';
import { BROKER_START_MS, queueDepth } from '../helpers/broker';
import {
  heardStatuses,
  startDeityProcessStack,
  TWO_ITEM_ORDER,
  type StackBroker,
} from '../helpers/deityShop';
import { stopOrKill, type SettleProcess } from '../helpers/processes';
import type { ProcessStack } from '../helpers/stacks';
import { eventually, listedWorkflows } from '../helpers/temporal';

/**
 * A Deity shop sends its order updates over RabbitMQ: Settle's worker and API as `npm run worker` and
 * `npm run api` run them, on a Temporal dev server and a RabbitMQ broker of the test's, where the shop logs in
 * as its profile's own broker user, allowed to publish to `dpsg.orders` and to read its event queue only. The
 * shop simulator places its orders over REST and publishes its shipments and refunds (persistent, confirmed);
 * the API consumes them; the worker publishes the events; the gateway simulator is the provider.
 */
describe('Deity order updates over RabbitMQ (processes)', () => {
  jest.setTimeout(BROKER_START_MS + 180_000);
  const PROFILE = { serviceUser: 'acme:web:queue', serviceToken: 'acme-web-queue-token-01' };
  const ORDERS_QUEUE = `dpsg.${PROFILE.serviceUser}.orders`;
  const PARKED_QUEUE = `dpsg.${PROFILE.serviceUser}.orders.parked`;
  let settle: ProcessStack;
  let broker: StackBroker;
  let api: SettleProcess;
  let shop: DeityShopSimulator;
  let client: Client;

  /** The broker as the shop reaches it: logged in as the profile's broker user (its serviceUser). */
  const shopUrl = () =>
    `amqp://${encodeURIComponent(PROFILE.serviceUser)}:${encodeURIComponent(PROFILE.serviceToken)}@127.0.0.1:${broker.current.port}`;
  const escaped = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  beforeAll(async () => {
    ({ settle, broker } = await startDeityProcessStack('deity-queue', PROFILE));
    client = settle.client;
    await broker.current.ctl('add_user', PROFILE.serviceUser, PROFILE.serviceToken);
    await broker.current.ctl(
      'set_permissions',
      '-p',
      '/',
      PROFILE.serviceUser,
      '^$',
      '^dpsg\\.orders$',
      `^${escaped(`dpsg.${PROFILE.serviceUser}`)}$`,
    );
    [api] = await Promise.all([settle.startApi(), settle.startWorker()]);
    shop = createDeityShopSimulator({
      settleUrl: settle.apiUrl,
      ...PROFILE,
      amqpUrl: shopUrl(),
      orderUpdates: 'queue',
    });
    await shop.start();
  }, BROKER_START_MS);
  afterAll(async () => {
    await shop?.stop();
    await settle?.stop();
  });

  const place = async (id: string) => {
    const placed = await shop.placeOrder({ id, ...TWO_ITEM_ORDER });
    if (!placed.ok) throw new Error(`placing ${id}: ${JSON.stringify(placed)}`);
    return placed.order;
  };
  const heard = (order: ShopOrder, statuses: string[]) =>
    heardStatuses(order, statuses, () => `; errors ${JSON.stringify(shop.journal.errors.slice(-2))}`);
  const stateOf = (orderReference: string) =>
    client.workflow
      .getHandle(orderPaymentWorkflowId({ door: 'deity', tenant: PROFILE.serviceUser, orderReference }))
      .query(orderPaymentQuery);
  const gatewayOperations = (transactionId: string) =>
    [...settle.simulators.gatewaySim.operations.values()]
      .filter((operation) => operation.authorization === transactionId)
      .map(({ object, amount, status }) => ({ object, amount, status }));
  const drained = (queue: string, depth = 0) =>
    eventually(
      async () => ((await queueDepth(broker.current, queue)) === depth ? true : undefined),
      60_000,
      `${queue} to hold ${depth} message(s)`,
    );
  const shipment = (orderId: string) => ({
    provider: 'gateway',
    orderId,
    status: 'shipped',
    additionalData: { shippingData: { items: [{ id: '1' }, { id: '2' }] } },
  });

  it('takes a shipment from the queue once, however often it comes, and the events carry the four ids', async () => {
    const order = await place('DEITY-Q-1');
    await heard(order, ['authorized']);
    // Published twice under one messageId (the shop's retry), and once more under another (sent twice).
    await shop.orderQueue!.publish(shipment('DEITY-Q-1'), { messageId: 'ship-q-1' });
    await shop.orderQueue!.publish(shipment('DEITY-Q-1'), { messageId: 'ship-q-1' });
    await shop.orderQueue!.publish(shipment('DEITY-Q-1'), { messageId: 'ship-q-1-again' });
    await drained(ORDERS_QUEUE);
    await heard(order, ['authorized', 'paid']);

    const state = await stateOf('DEITY-Q-1');
    expect(Object.values(state.commands).map((command) => command.command)).toEqual(['authorize', 'capture']);
    expect(state.capturedMinor).toBe(5500);
    const transactionId = state.authorization!.transactionId!;
    expect(gatewayOperations(transactionId)).toEqual([
      { object: 'capture', amount: 5500, status: 'succeeded' },
    ]);
    const bodies = shop.journal.received.filter((r) => r.orderId === 'DEITY-Q-1').map((r) => r.body);
    expect(bodies).toEqual([
      expect.objectContaining({
        event: 'PAYMENT_STATUS_UPDATED',
        orderId: `order:deity:${PROFILE.serviceUser}:DEITY-Q-1`,
        shopOrderId: 'DEITY-Q-1',
        gatewayOrderId: transactionId,
        status: 'authorized',
        payload: expect.objectContaining({ amount: 55, currency: 'EUR' }),
      }),
      expect.objectContaining({
        orderId: `order:deity:${PROFILE.serviceUser}:DEITY-Q-1`,
        shopOrderId: 'DEITY-Q-1',
        gatewayOrderId: transactionId,
        status: 'paid',
      }),
    ]);
    expect(await queueDepth(broker.current, PARKED_QUEUE)).toBe(0);
    expect(shop.journal.errors).toEqual([]);
  });

  it('parks what it will not carry out, once each, where an operator sees it, and tells the shop', async () => {
    const stranger = createOrderPublisher({
      url: broker.current.url,
      serviceUser: PROFILE.serviceUser,
      journal: createJournal(),
    });
    try {
      await shop.orderQueue!.publishRaw('{"orderId": "DEITY-Q-1", ', { messageId: 'bad-json' });
      await shop.orderQueue!.publish(
        { provider: 'gateway', orderId: 'DEITY-Q-1', status: 'teleported' },
        { messageId: 'bad-status' },
      );
      await shop.orderQueue!.publish(shipment('DEITY-Q-NONE'), { messageId: 'no-such-order' });
      await shop.orderQueue!.publish(
        {
          provider: 'gateway',
          orderId: 'DEITY-Q-1',
          status: 'refunded',
          additionalData: { refundData: { amount: '999.00', currency: 'EUR' } },
        },
        { messageId: 'too-much' },
      );
      // Another broker user (guest) on the profile's routing key: the binding is no authentication.
      await stranger.publish(
        {
          provider: 'gateway',
          orderId: 'DEITY-Q-1',
          status: 'refunded',
          additionalData: { refundData: { amount: '5.00', currency: 'EUR' } },
        },
        { messageId: 'from-a-stranger' },
      );
    } finally {
      await stranger.stop();
    }

    await drained(PARKED_QUEUE, 5);
    await drained(ORDERS_QUEUE);
    const records = await listedWorkflows(
      client,
      `WorkflowType = "deityParkedMessageWorkflow" AND SettleFacets = "tenant:${PROFILE.serviceUser}"`,
      5,
    );
    const results = await Promise.all(
      records.map((record) => client.workflow.getHandle(record.workflowId).result()),
    );
    const byId = Object.fromEntries(
      results.map((result: { messageId: string; reason: string }) => [result.messageId, result.reason]),
    );
    expect(byId).toEqual({
      'bad-json': 'malformed',
      'bad-status': 'invalid',
      'no-such-order': 'unknown-order',
      'too-much': 'refused',
      'from-a-stranger': 'wrong-sender',
    });
    expect(results.find((result) => result.messageId === 'from-a-stranger')).toMatchObject({
      publishedBy: 'guest',
      parkedQueue: PARKED_QUEUE,
    });
    // Nothing went back to the queue: the records, the parked messages and the log lines stay at five.
    await eventually(
      async () => ((api.output().match(/Deity order update parked/g) ?? []).length === 5 ? true : undefined),
      30_000,
      'five log lines',
    );
    expect(await queueDepth(broker.current, ORDERS_QUEUE)).toBe(0);
    expect(await queueDepth(broker.current, PARKED_QUEUE)).toBe(5);
    const metrics = await (await fetch(`${settle.apiUrl}/metrics`)).text();
    for (const reason of ['malformed', 'invalid', 'unknown-order', 'refused', 'wrong-sender'])
      expect(metrics).toContain(`settle_deity_parked_messages_total{reason="${reason}"} 1`);

    // The shop hears of its own four (not of the stranger's), each as a PAYMENT_ERROR.
    const errors = await eventually(
      async () => (shop.journal.errors.length >= 4 ? shop.journal.errors : undefined),
      60_000,
      'four payment errors',
    );
    expect(errors.map((error) => error.body)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event: 'PAYMENT_ERROR',
          shopOrderId: 'DEITY-Q-NONE',
          error: expect.objectContaining({ code: 'update_parked' }),
        }),
        expect.objectContaining({
          orderId: `order:deity:${PROFILE.serviceUser}:DEITY-Q-1`,
          shopOrderId: 'DEITY-Q-1',
          error: expect.objectContaining({
            code: 'update_parked',
            message: expect.stringContaining('refused'),
          }),
        }),
      ]),
    );
    expect(errors).toHaveLength(4);
    // Nothing moved: not even the stranger's well-formed refund.
    const state = await stateOf('DEITY-Q-1');
    expect(Object.values(state.commands).map((command) => command.command)).toEqual(['authorize', 'capture']);
    expect(state.refundedMinor).toBe(0);
  });

  it('tells a declined authorization as failed and as a PAYMENT_ERROR', async () => {
    await settle.setGateway({ declineNext: 1 });
    const placed = await shop.placeOrder({ id: 'DEITY-Q-DECLINED', ...TWO_ITEM_ORDER });
    if (!placed.ok) throw new Error(JSON.stringify(placed));
    await heard(placed.order, ['failed']);
    const declined = await eventually(
      async () => shop.journal.errors.find((error) => error.orderId === 'DEITY-Q-DECLINED'),
      60_000,
      'the payment error of DEITY-Q-DECLINED',
    );
    expect(declined.body).toEqual({
      event: 'PAYMENT_ERROR',
      orderId: `order:deity:${PROFILE.serviceUser}:DEITY-Q-DECLINED`,
      shopOrderId: 'DEITY-Q-DECLINED',
      ...(declined.body.gatewayOrderId ? { gatewayOrderId: declined.body.gatewayOrderId } : {}),
      error: {
        code: 'declined',
        message: expect.stringContaining('the authorize was declined'),
        status: 'failed',
      },
    });
  });

  it('takes an update again, not parked, while Temporal is unreachable, and admits it once Temporal is back', async () => {
    const order = await place('DEITY-Q-3');
    await heard(order, ['authorized']);
    const warned = () => (api.output().match(/Deity order update not admitted yet/g) ?? []).length;
    const before = warned();
    await settle.temporal.stop();
    try {
      await shop.orderQueue!.publish(shipment('DEITY-Q-3'));
      await eventually(
        async () => (warned() >= before + 2 ? true : undefined),
        90_000,
        'the update delivered again while Temporal is down',
      );
    } finally {
      await settle.temporal.start();
    }
    await heard(order, ['authorized', 'paid']);
    await drained(ORDERS_QUEUE);
    const state = await stateOf('DEITY-Q-3');
    expect(Object.values(state.commands).map((command) => command.command)).toEqual(['authorize', 'capture']);
    expect(await queueDepth(broker.current, PARKED_QUEUE)).toBe(5);
  });

  it('loses no update and no event when the broker restarts mid-flow', async () => {
    const order = await place('DEITY-Q-2');
    await heard(order, ['authorized']);
    await settle.setGateway({ holdWebhooks: true, webhookDelayMs: 10, webhookTimeoutMs: 1000 });

    // The update waits in the durable queue, unconsumed, across a broker restart.
    await stopOrKill(api);
    await shop.orderQueue!.publish(shipment('DEITY-Q-2'));
    await broker.stop();
    [api] = await Promise.all([settle.startApi(), broker.restart()]);
    const admitted = await eventually(
      async () => {
        const state = await stateOf('DEITY-Q-2');
        return Object.values(state.commands).some((command) => command.command === 'capture')
          ? state
          : undefined;
      },
      90_000,
      'the shipment admitted from the queue',
    );
    expect(admitted.capturedMinor).toBe(0);

    // The capture settles while the broker is down: its event waits for it.
    await broker.stop();
    await settle.setGateway({ holdWebhooks: false });
    await eventually(
      async () => ((await stateOf('DEITY-Q-2')).capturedMinor === 5500 ? true : undefined),
      60_000,
      'the capture settled',
    );
    expect(order.statusHistory.map((entry) => entry.status)).toEqual(['authorized']);
    await broker.restart();
    await heard(order, ['authorized', 'paid']);

    // The consumer and the shop's publisher are back: a refund over the queue goes through.
    const refunded = await shop.refund('DEITY-Q-2', { amount: '10.00' });
    expect(refunded).toMatchObject({
      ok: true,
      answer: { status: 202 },
    });
    await heard(order, ['authorized', 'paid', 'partially_refunded']);
    const state = await stateOf('DEITY-Q-2');
    expect(gatewayOperations(state.authorization!.transactionId!)).toEqual([
      { object: 'capture', amount: 5500, status: 'succeeded' },
      { object: 'refund', amount: 1000, status: 'succeeded' },
    ]);
    await drained(ORDERS_QUEUE);
  });
});
