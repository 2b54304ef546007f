import type { Client } from '@temporalio/client';
import { orderPaymentWorkflowId, type OrderPaymentState } from '../../domain/orderPayment';
import type { GatewayControl, GatewaySimulator } from '../../sim/gateway/server';
import { createBusClient } from '../../sim/spryker/bus';
import { commandAttributes, serializeMessage } from '../../sim/spryker/messageBroker';
import { OMS_STATES as S } from '../../sim/spryker/oms';
import type { ShopOrder } from '../../sim/spryker/orders';
import { createSprykerShopSimulator, type SprykerShopSimulator } from '../../sim/spryker/server';
import { orderPaymentQuery } from '../../workflows/orderPaymentMessages';
import { killHard, type SettleProcess } from '../helpers/processes';
import { startProcessStack, type ProcessStack } from '../helpers/stacks';
import { onboardSprykerShop } from '../helpers/sprykerTenants';
import { eventually } from '../helpers/temporal';

/**
 * The Spryker door loses no event when Settle's processes die mid-flow: the worker and the API as
 * `npm run worker` and `npm run api` run them, each in one process, on a Temporal dev server; the gateway
 * and the Spryker shop simulators in the test process. Four orders are authorized at checkout; two captures
 * settle and their events are fetched but not acknowledged; one capture waits for its webhook and one for
 * the gateway's answer when both processes are SIGKILLed. After the restart every order's events reach the
 * shop once, each capture moved the money once, and the events fetched before the crash are handed out
 * again with the same MessageIds.
 */
describe('the Spryker door when the worker and the API are killed mid-flow', () => {
  jest.setTimeout(240_000);
  const TENANT = 'shop-crash';
  const TOKEN = 'crash-shop-token-0001';
  const ORDERS = ['DE--CRASH-A', 'DE--CRASH-B', 'DE--CRASH-C', 'DE--CRASH-D'] as const;
  const [A, B, C, D] = ORDERS;
  let settle: ProcessStack;
  let gatewaySim: GatewaySimulator;
  let shop: SprykerShopSimulator;
  let settleUrl: string;
  let worker: SettleProcess;
  let api: SettleProcess;
  let client: Client;

  beforeAll(async () => {
    settle = await startProcessStack({
      name: 'spryker-crashes',
      env: { SPRYKER_TENANTS: `${TENANT}=${TOKEN}` },
    });
    ({ gatewaySim } = settle.simulators);
    ({ apiUrl: settleUrl, client } = settle);
    [api, worker] = await Promise.all([settle.startApi(), settle.startWorker()]);
    shop = createSprykerShopSimulator({
      settleUrl,
      tenant: TENANT,
      token: TOKEN,
      mode: 'event',
      pollIntervalMs: 0,
    });
    await onboardSprykerShop(shop, { settleUrl, tenant: TENANT, token: TOKEN });
  });
  afterAll(async () => {
    await shop?.stop();
    await settle?.stop();
  });

  type Fetched = { MessageId: string; MessageBody: string; MessageAttributes: { name: string } };
  /** The shop's bus as another consumer of the tenant would read it: fetched, never acknowledged. */
  const fetchEvents = () =>
    createBusClient({ settleUrl, tenant: TENANT, token: TOKEN }).fetchMessages('payment-events', 100);
  const peek = async () => {
    const answer = await fetchEvents();
    expect(answer.status).toBe(200);
    return answer.body as Fetched[];
  };
  const peekCaptured = async (references: readonly string[]) => {
    const answer = await fetchEvents();
    // The restarted API answers 503 while the restarted worker cannot answer yet: the shop fetches again.
    if (answer.status === 503) return undefined;
    expect(answer.status).toBe(200);
    const found = (answer.body as Fetched[]).filter(
      (message) =>
        message.MessageAttributes.name === 'PaymentCaptured' &&
        references.includes((JSON.parse(message.MessageBody) as { orderReference: string }).orderReference),
    );
    return found.length === references.length ? found : undefined;
  };

  /** Polls the shop's worker until every item of the orders is in the state. */
  const reach = (references: readonly string[], state: string) =>
    eventually(
      async () => {
        await shop.pollOnce();
        const orders = references.map((reference) => shop.orders.get(reference)!);
        return orders.every((order) => order.items.every((item) => item.state === state))
          ? orders
          : undefined;
      },
      120_000,
      `${references.join(', ')} in ${state}`,
    );

  const capture = async (reference: string) => {
    const answer = await shop.operate(reference, 'capture');
    expect(answer).toMatchObject({ ok: true, sent: { status: 200 } });
  };
  const setGateway = (control: Partial<GatewayControl>) => settle.setGateway(control);
  const capturesAtGateway = (reference: string) =>
    [...gatewaySim.operations.values()].filter(
      (operation) =>
        operation.object === 'capture' && operation.metadata.workflow_id?.includes(`:${reference}:`),
    );
  const gatewayActed = (reference: string) =>
    eventually(
      async () => (capturesAtGateway(reference).length > 0 ? true : undefined),
      60_000,
      `the capture of ${reference} at the gateway`,
    );

  it('loses no event, duplicates none, and moves each capture once', async () => {
    const placed: ShopOrder[] = [];
    for (const [i, orderReference] of ORDERS.entries()) {
      const order = (await shop.placeOrder({
        // Direct checkout: the shop sends its payment method token.
        paymentMethodToken: 'tok_visa',
        orderReference,
        currency: 'EUR',
        items: [
          { sku: 'A', unitPrice: 1000 + 100 * i },
          { sku: 'B', unitPrice: 2500 },
        ],
        expenses: [{ type: 'SHIPMENT_EXPENSE_TYPE', name: 'Standard', unitPrice: 495 }],
      })) as ShopOrder;
      expect(order.initialize).toEqual({ status: 200, body: { isSuccessful: true } });
      placed.push(order);
    }
    await reach(ORDERS, S.authorized);

    // A and B: captured at once; their events are fetched and left unacknowledged.
    await setGateway({ mode: 'immediate' });
    await Promise.all([capture(A), capture(B)]);
    const fetchedBefore = await eventually(() => peekCaptured([A, B]), 60_000, 'the captures of A and B');

    // C: the gateway takes the capture and holds its webhook. D: the gateway captures and withholds its answer.
    await setGateway({ mode: 'pending', holdWebhooks: true, webhookDelayMs: 10, webhookTimeoutMs: 1000 });
    await capture(C);
    await gatewayActed(C);
    await setGateway({ answerDelayMs: 20_000 });
    await capture(D);
    await gatewayActed(D);

    // Both killed with the commands accepted and their events not fetched yet.
    await Promise.all([killHard(worker), killHard(api)]);
    await setGateway({ answerDelayMs: 0 });
    const restartedWorker = settle.startWorker();
    api = await settle.startApi();
    // The webhooks reach the new API, which records them in Temporal while the worker may still be starting.
    await setGateway({ holdWebhooks: false });
    worker = await restartedWorker;

    // Fetched before the crash, not acknowledged: handed out again, the same messages with the same ids.
    const fetchedAfter = await eventually(
      () => peekCaptured([A, B]),
      60_000,
      'the captures of A and B again',
    );
    expect(fetchedAfter).toEqual(fetchedBefore);

    // D's capture is retried once its heartbeat times out: refused as in use (409) until the gateway's first answer
    // is due, then answered from that first request.
    const orders = await reach(ORDERS, S.captured);
    for (const [i, order] of orders.entries()) {
      const ids = placed[i]!.items.map((item) => item.id);
      const money = { orderReference: order.orderReference, currencyIsoCode: 'EUR', orderItemIds: ids };
      expect(order.events.map(({ name, body }) => ({ name, ...body }))).toEqual([
        { name: 'PaymentAuthorized', ...money, amount: placed[i]!.grandTotal },
        { name: 'PaymentCaptured', ...money, amount: placed[i]!.grandTotal },
      ]);
    }

    // Every command ended; nothing more is waiting, and nothing was handed out twice or garbled.
    const states = await Promise.all(
      ORDERS.map((orderReference) =>
        client.workflow
          .getHandle(orderPaymentWorkflowId({ door: 'spryker', tenant: TENANT, orderReference }))
          .query(orderPaymentQuery),
      ),
    );
    // The order's commands beside its checkout's authorize.
    const moneyCommands = (state: OrderPaymentState) =>
      Object.values(state.commands)
        .filter((command) => command.command !== 'authorize')
        .map((command) => command.workflowId);
    const commandIds = states.map(moneyCommands);
    for (const [workflowId] of commandIds) {
      expect(await client.workflow.getHandle(workflowId!).result()).toMatchObject({ outcome: 'settled' });
    }
    await shop.pollOnce();
    expect(await peek()).toEqual([]);
    const journal = shop.journal;
    expect(journal.undecodable).toEqual([]);
    expect(journal.duplicates).toEqual([]);
    const events = journal.received.filter((record) => record.channel === 'payment-events');
    expect(events).toHaveLength(2 * ORDERS.length);
    expect(events.every((record) => record.outcome === 'handled')).toBe(true);
    expect(journal.acks.filter((ack) => ack.status !== 200)).toEqual([]);

    // The gateway moved each capture once, for the order's total; only D's was asked again (and replayed).
    for (const [i, state] of states.entries()) {
      expect(state).toMatchObject({ capturedMinor: placed[i]!.grandTotal, refundedMinor: 0 });
      expect(capturesAtGateway(ORDERS[i]!)).toEqual([
        expect.objectContaining({
          authorization: state.authorization!.transactionId,
          amount: placed[i]!.grandTotal,
          status: 'succeeded',
        }),
      ]);
      // Refusals of D's key while its first request was still being answered (409 in use) are retried.
      const calls = gatewaySim.calls.filter(
        (call) => call.idempotencyKey === commandIds[i]![0] && !call.inUse,
      );
      expect(calls.map((call) => call.replayed)).toEqual(ORDERS[i] === D ? [false, true] : [false]);
    }
    expect(commandIds.every((ids) => ids.length === 1)).toBe(true);
  });

  // The API killed after Settle admitted a command but before its answer left: the shop's send fails, its
  // transaction rolls back and the items stay authorized. The capture goes on, and its PaymentCaptured reaches
  // the shop while its items cannot take it. The shop sends the capture again; Settle, knowing the outcome,
  // answers the same MessageId and posts the event again, which now moves the items. The command goes straight
  // onto the bus here, as the killed API left it: admitted, the shop's items unmoved.
  it('a capture admitted as the API died and sent again by the shop reaches its items: the event is posted again', async () => {
    await setGateway({ mode: 'immediate', holdWebhooks: false, answerDelayMs: 0 });
    const reference = 'DE--CRASH-ANSWER-LOST';
    const order = (await shop.placeOrder({
      // Direct checkout: the shop sends its payment method token.
      paymentMethodToken: 'tok_visa',
      orderReference: reference,
      currency: 'EUR',
      items: [{ sku: 'A', unitPrice: 1000 }],
    })) as ShopOrder;
    const [item] = (await reach([reference], S.authorized))[0]!.items;
    const admitted = await createBusClient({ settleUrl, tenant: TENANT, token: TOKEN }).send(
      'payment-commands',
      serializeMessage({
        orderReference: reference,
        orderItemIds: [item!.id],
        currencyIsoCode: 'EUR',
        amount: 1000,
        messageAttributes: commandAttributes('CapturePayment', TENANT, TOKEN),
      }),
    );
    expect(admitted.status).toBe(200);
    // The shop consumes the event while its item is still authorized: the OMS skips the item.
    await eventually(
      async () => {
        await shop.pollOnce();
        return order.events.some((event) => event.name === 'PaymentCaptured') ? true : undefined;
      },
      60_000,
      `the capture event of ${reference}`,
    );
    expect(item!.state).toBe(S.authorized);

    const retried = await shop.operate(reference, 'capture');
    expect(retried).toMatchObject({ ok: true, sent: { status: 200, answer: admitted.body } });
    const state = await client.workflow
      .getHandle(orderPaymentWorkflowId({ door: 'spryker', tenant: TENANT, orderReference: reference }))
      .query(orderPaymentQuery);
    const [commandId, ...more] = Object.values(state.commands)
      .filter((command) => command.command !== 'authorize')
      .map((command) => command.workflowId);
    expect(more).toEqual([]);
    expect(await client.workflow.getHandle(commandId!).result()).toMatchObject({ outcome: 'settled' });
    await reach([reference], S.captured);
    expect(await peek()).toEqual([]);
    expect(order.events.map((event) => event.name)).toEqual([
      'PaymentAuthorized',
      'PaymentCaptured',
      'PaymentCaptured',
    ]);
    // The money moved once.
    expect(capturesAtGateway(reference)).toEqual([
      expect.objectContaining({ amount: 1000, status: 'succeeded' }),
    ]);
  });
});
