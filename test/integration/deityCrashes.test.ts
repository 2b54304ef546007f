import type { Client } from '@temporalio/client';
import { orderPaymentWorkflowId } from '../../domain/orderPayment';
import { createDeityShopSimulator, type DeityShopSimulator } from '../../sim/deity/server';
import type { GatewayControl, GatewaySimulator } from '../../sim/gateway/server';
import { orderPaymentQuery } from '../../workflows/orderPaymentMessages';
import { BROKER_START_MS } from '../helpers/broker';
import { killHard, type SettleProcess } from '../helpers/processes';
import type { ProcessStack } from '../helpers/stacks';
import { eventually } from '../helpers/temporal';
import { startDeityProcessStack, TWO_ITEM_ORDER, type StackBroker } from '../helpers/deityShop';

/**
 * The Deity door loses no event when Settle's worker dies while it publishes: the worker and the API as
 * `npm run worker` and `npm run api` run them, each in one process, on a Temporal dev server and a RabbitMQ
 * broker of the test's; the gateway and the Deity shop simulators in the test process, the shop consuming its
 * profile's queue. Eight orders are authorized. Three are shipped with the broker stopped: their captures
 * settle by webhook and their reports fail and retry until the worker is SIGKILLed; the broker and the worker
 * start again. Five more are shipped with the broker up, their webhooks released together, and the worker is
 * SIGKILLed as the first of their events reaches the shop. In the end every order's shop heard authorized,
 * then paid, once each; the gateway captured each order once.
 */
describe('the Deity door when the worker is killed while publishing', () => {
  jest.setTimeout(BROKER_START_MS + 180_000);
  const PROFILE = { serviceUser: 'acme:web:crash', serviceToken: 'acme-web-crash-token-01' };
  const OUTAGE = ['DEITY-CRASH-A', 'DEITY-CRASH-B', 'DEITY-CRASH-C'] as const;
  const FLOWING = [
    'DEITY-CRASH-D',
    'DEITY-CRASH-E',
    'DEITY-CRASH-F',
    'DEITY-CRASH-G',
    'DEITY-CRASH-H',
  ] as const;
  const ORDERS: readonly string[] = [...OUTAGE, ...FLOWING];
  let settle: ProcessStack;
  let broker: StackBroker;
  let gatewaySim: GatewaySimulator;
  let shop: DeityShopSimulator;
  let worker: SettleProcess;
  let client: Client;

  const killWorker = () => killHard(worker);
  beforeAll(async () => {
    ({ settle, broker } = await startDeityProcessStack('deity-crashes', PROFILE));
    ({ gatewaySim } = settle.simulators);
    client = settle.client;
    [, worker] = await Promise.all([settle.startApi(), settle.startWorker()]);
    shop = createDeityShopSimulator({ settleUrl: settle.apiUrl, ...PROFILE, amqpUrl: broker.current.url });
    await shop.start();
  }, BROKER_START_MS);
  afterAll(async () => {
    await shop?.stop();
    await settle?.stop();
  });

  const order = (id: string) => shop.orders.get(id)!;
  // The statuses the shop's consumer handled for the order, repeats dropped: from its journal rather than the
  // order's history, since an event may overtake validate's answer, before the shop's book holds the order.
  const statuses = (id: string) =>
    shop.journal.received.filter((record) => record.orderId === id).map((record) => record.status);
  /** Waits until the shop has heard exactly `expected`, in order, for each of the orders. */
  const heard = (ids: readonly string[], expected: string[], timeoutMs = 120_000) =>
    eventually(
      async () =>
        ids.every((id) => JSON.stringify(statuses(id)) === JSON.stringify(expected)) ? true : undefined,
      timeoutMs,
      `${ids.join(', ')} to hear ${expected.join(', ')} (heard ${ids.map((id) => `${id}: ${statuses(id).join(', ')}`).join('; ')})`,
    );
  const stateOf = (orderReference: string) =>
    client.workflow
      .getHandle(orderPaymentWorkflowId({ door: 'deity', tenant: PROFILE.serviceUser, orderReference }))
      .query(orderPaymentQuery);
  const setGateway = (control: Partial<GatewayControl>) => settle.setGateway(control);
  const transactionOf = (id: string) => (order(id).validate.body as { id: string }).id;
  const gatewayOperations = (id: string) =>
    [...gatewaySim.operations.values()]
      .filter((operation) => operation.authorization === transactionOf(id))
      .map(({ object, amount, status }) => ({ object, amount, status }));
  const ship = async (ids: readonly string[]) => {
    for (const id of ids) expect(await shop.ship(id)).toMatchObject({ answer: { status: 202 } });
  };
  const gatewayTookCaptures = (ids: readonly string[]) =>
    eventually(
      async () => (ids.every((id) => gatewayOperations(id).length === 1) ? true : undefined),
      60_000,
      `the captures of ${ids.join(', ')} at the gateway`,
    );
  /** The order's one money command's report, once it has failed at least once: Temporal retries it. */
  const failingReport = async (id: string) => {
    const [commandId] = Object.values((await stateOf(id)).commands)
      .filter((command) => command.command !== 'authorize')
      .map((command) => command.workflowId);
    if (!commandId) return undefined;
    const { raw } = await client.workflow.getHandle(commandId).describe();
    return raw.pendingActivities?.find(
      (activity) => activity.activityType?.name === 'reportOutcome' && (activity.attempt ?? 0) >= 2,
    );
  };

  it('delivers every status once after the consumer drops repeats, and captures each order once', async () => {
    for (const id of ORDERS) {
      const placed = await shop.placeOrder({ id, ...TWO_ITEM_ORDER });
      expect(placed).toMatchObject({ ok: true, order: { validate: { status: 200 } } });
    }
    await heard(ORDERS, ['authorized']);

    // The broker down for the length of the settlements: the captures settle by webhook, the reports fail.
    await broker.stop();
    await setGateway({ mode: 'pending', holdWebhooks: true, webhookDelayMs: 10, webhookTimeoutMs: 1000 });
    await ship(OUTAGE);
    await gatewayTookCaptures(OUTAGE);
    await setGateway({ holdWebhooks: false });
    const failing = await eventually(
      async () => {
        const found = await Promise.all(OUTAGE.map(failingReport));
        return found.every(Boolean) ? found : undefined;
      },
      60_000,
      `the reports of ${OUTAGE.join(', ')} failing`,
    );
    for (const activity of failing) expect(activity!.lastFailure?.message).toMatch(/RabbitMQ/);
    for (const id of OUTAGE) expect(statuses(id)).toEqual(['authorized']);

    // The worker killed while the reports retry; the broker and the worker come back.
    await killWorker();
    [worker] = await Promise.all([settle.startWorker(), broker.restart()]);
    await heard(OUTAGE, ['authorized', 'paid']);

    // The broker up and events flowing: five webhooks at once, the worker killed as the first event lands.
    await setGateway({ holdWebhooks: true });
    await ship(FLOWING);
    await gatewayTookCaptures(FLOWING);
    await setGateway({ holdWebhooks: false });
    await eventually(
      async () => (FLOWING.some((id) => statuses(id).includes('paid')) ? true : undefined),
      60_000,
      `a paid event of ${FLOWING.join(', ')}`,
    );
    const heardWhenKilled = FLOWING.filter((id) => statuses(id).includes('paid')).length;
    await killWorker();
    worker = await settle.startWorker();
    await heard(ORDERS, ['authorized', 'paid']);

    // Every command ended settled; the payments hold the capture once.
    for (const id of ORDERS) {
      const state = await stateOf(id);
      expect(state).toMatchObject({ capturedMinor: 5500, refundedMinor: 0, canceled: false });
      // The checkout's authorize and one capture, both settled.
      const commands = Object.values(state.commands);
      expect(commands.map((command) => command.command)).toEqual(['authorize', 'capture']);
      for (const { workflowId } of commands) {
        expect(await client.workflow.getHandle(workflowId).result()).toMatchObject({ outcome: 'settled' });
      }
      expect(gatewayOperations(id)).toEqual([{ object: 'capture', amount: 5500, status: 'succeeded' }]);
    }

    // Each status handled once, under one messageId per event; nothing garbled.
    const { received, duplicates, unparseable } = shop.journal;
    expect(unparseable).toEqual([]);
    const handled = received.filter((record) => ORDERS.includes(record.orderId));
    expect(handled).toHaveLength(2 * ORDERS.length);
    expect(new Set(handled.map((record) => record.messageId)).size).toBe(handled.length);
    expect(handled.every((record) => record.messageId !== null)).toBe(true);
    // The orders' histories hold the same, but for an event that came before the shop knew its order.
    for (const id of ORDERS) {
      const known = handled.filter((record) => record.orderId === id && record.known);
      expect(order(id).statusHistory.map((entry) => entry.messageId)).toEqual(
        known.map((record) => record.messageId),
      );
    }
    // A publish the broker confirmed before the worker died, whose activity had not completed, is published
    // again by the retry with the same messageId: the consumer drops it. So repeats may be counted here (0
    // when every kill fell between publishes); each is an event the shop handled before, never a new one.
    for (const duplicate of duplicates) {
      expect(handled).toContainEqual(
        expect.objectContaining({
          messageId: duplicate.messageId,
          orderId: duplicate.orderId,
          status: duplicate.status,
        }),
      );
    }
    console.info(
      `Deity crashes: ${heardWhenKilled} of ${FLOWING.length} paid events heard when the worker was killed; ` +
        `${duplicates.length} repeated deliveries dropped by messageId`,
    );
  });
});
