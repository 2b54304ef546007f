import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { localDefaults } from '../../config';
import { listen, type RunningServer } from '../../config/server';
import { createAnnouncer } from '../../oms/spryker/announce';
import { sprykerSettingsOf } from '../../oms/spryker/door';
import { orderPaymentWorkflowId } from '../../domain/orderPayment';
import type { PaymentDetails } from '../../api/paymentSchemas';
import type { Stack } from '../../scripts/stack';
import { createBusClient } from '../../sim/spryker/bus';
import { commandAttributes, serializeMessage } from '../../sim/spryker/messageBroker';
import { OMS_STATES as S } from '../../sim/spryker/oms';
import type { ShopOrder } from '../../sim/spryker/orders';
import { createSprykerShopSimulator, type SprykerShopSimulator } from '../../sim/spryker/server';
import { orderPaymentQuery } from '../../workflows/orderPaymentMessages';
import { SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';
import { runEntryPoint } from '../helpers/processes';
import { eventsOf, placeThreeItems, reachStates } from '../helpers/sprykerShop';
import { startTestStack } from '../helpers/stacks';
import { onboardSprykerShop } from '../helpers/sprykerTenants';
import { eventually, listedWorkflows } from '../helpers/temporal';

/**
 * A Spryker shop drives its orders' payments through Settle with no code of its own: the shop simulator
 * (a shop's Zed, in both OMS modes) against Settle's API and worker on a Temporal dev server, with the
 * gateway simulator as the provider.
 */
describe('the Spryker door (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  const TOKENS = { 'shop-event': 'event-shop-token-0001', 'shop-cond': 'cond-shop-token-00001' };
  const shops: { sim: SprykerShopSimulator; server: RunningServer }[] = [];
  let eventShop: SprykerShopSimulator;
  let conditionalShop: SprykerShopSimulator;

  beforeAll(async () => {
    ({ env, stack } = await startTestStack({
      env: {
        SPRYKER_CHECKOUT_WAIT: '3s',
        SPRYKER_TENANTS: Object.entries(TOKENS)
          .map(([tenant, token]) => `${tenant}=${token}`)
          .join(','),
      },
    }));
    for (const [tenant, mode] of [
      ['shop-event', 'event'],
      ['shop-cond', 'conditional'],
    ] as const) {
      const sim = createSprykerShopSimulator({
        settleUrl: stack.api.url,
        tenant,
        token: TOKENS[tenant],
        mode,
        pollIntervalMs: 0,
      });
      shops.push({ sim, server: await listen(sim.app, 0) });
      await onboardSprykerShop(sim, { settleUrl: stack.api.url, tenant, token: TOKENS[tenant] });
    }
    [eventShop, conditionalShop] = shops.map((shop) => shop.sim) as [
      SprykerShopSimulator,
      SprykerShopSimulator,
    ];
  });
  afterAll(async () => {
    for (const shop of shops) {
      await shop.sim.stop();
      await shop.server.close();
    }
    await stack?.stop();
  });

  const reach = reachStates;
  const place = placeThreeItems;
  const ids = (order: ShopOrder) => order.items.map((item) => item.id) as [number, number, number];
  const gatewayOperations = (transactionId: string) =>
    [...stack.gateway.sim.operations.values()]
      .filter((operation) => operation.authorization === transactionId)
      .map(({ object, amount, status }) => ({ object, amount, status }));

  it('event mode: authorized at checkout, two partial captures, a partial refund, then the rest cancelled', async () => {
    const placed = await place(eventShop, 'DE--EVENT-1');
    const [a, b, c] = ids(placed);
    await reach(eventShop, 'DE--EVENT-1', { [a]: S.authorized, [b]: S.authorized, [c]: S.authorized });

    expect((await eventShop.operate('DE--EVENT-1', 'capture', [a])).ok).toBe(true);
    await reach(eventShop, 'DE--EVENT-1', { [a]: S.captured, [b]: S.authorized });
    expect((await eventShop.operate('DE--EVENT-1', 'capture', [b])).ok).toBe(true);
    await reach(eventShop, 'DE--EVENT-1', { [b]: S.captured });
    expect((await eventShop.operate('DE--EVENT-1', 'refund', [a])).ok).toBe(true);
    await reach(eventShop, 'DE--EVENT-1', { [a]: S.refundSucceeded });
    expect((await eventShop.operate('DE--EVENT-1', 'cancel', [c])).ok).toBe(true);
    const order = await reach(eventShop, 'DE--EVENT-1', {
      [a]: S.refundSucceeded,
      [b]: S.captured,
      [c]: S.cancelled,
    });

    const money = { orderReference: 'DE--EVENT-1', currencyIsoCode: 'EUR' };
    expect(eventsOf(order)).toEqual([
      { name: 'PaymentAuthorized', ...money, orderItemIds: [a, b, c], amount: 7000 },
      // The first capture carries the order's expenses.
      { name: 'PaymentCaptured', ...money, orderItemIds: [a], amount: 3500 },
      { name: 'PaymentCaptured', ...money, orderItemIds: [b], amount: 2000 },
      { name: 'PaymentRefunded', ...money, orderItemIds: [a], amount: -3000 },
      { name: 'PaymentCanceled', ...money, orderItemIds: [c], amount: 7000 },
    ]);
    const journal = eventShop.journal;
    expect(journal.undecodable).toEqual([]);
    expect(journal.duplicates).toEqual([]);
    // Every fetch and acknowledgement was answered 2xx: no worker run ended early.
    expect(journal.errors).toEqual([]);

    const state = await stack.temporal.workflow
      .getHandle(
        orderPaymentWorkflowId({ door: 'spryker', tenant: 'shop-event', orderReference: 'DE--EVENT-1' }),
      )
      .query(orderPaymentQuery);
    expect(state).toMatchObject({ capturedMinor: 5500, refundedMinor: 3000, canceled: true });
    expect(gatewayOperations(state.authorization!.transactionId!)).toEqual([
      { object: 'capture', amount: 3500, status: 'succeeded' },
      { object: 'capture', amount: 2000, status: 'succeeded' },
      { object: 'refund', amount: 3000, status: 'succeeded' },
      { object: 'cancellation', amount: 1500, status: 'succeeded' },
    ]);
  });

  it("shows an operator the act the order retries for a capture through the provider's outage", async () => {
    const placed = await place(eventShop, 'DE--OUTAGE-1');
    const [a] = ids(placed);
    await reach(eventShop, 'DE--OUTAGE-1', { [a]: S.authorized });
    const orderId = orderPaymentWorkflowId({
      door: 'spryker',
      tenant: 'shop-event',
      orderReference: 'DE--OUTAGE-1',
    });
    Object.assign(stack.gateway.sim.control, { failNext: 1000, failStatus: 503 });
    try {
      expect((await eventShop.operate('DE--OUTAGE-1', 'capture', [a])).ok).toBe(true);
      const captureId = await eventually(async () => {
        const { commands } = await stack.temporal.workflow.getHandle(orderId).query(orderPaymentQuery);
        return Object.values(commands).find((command) => command.command === 'capture')?.workflowId;
      });
      // The order acts for the capture: its retried call shows on the capture, as a turn's would.
      const shown = await eventually(async () => {
        const response = await fetch(`${stack.api.url}/payments/${encodeURIComponent(captureId)}`, {
          headers: { authorization: `Bearer ${stack.config.ADMIN_TOKEN!}` },
        });
        const details = (await response.json()) as PaymentDetails;
        return (details.pendingActivities[0]?.attempt ?? 0) >= 2 ? details : undefined;
      });
      expect(shown.pendingActivities).toEqual([
        {
          activity: 'executeProviderCommand',
          state: expect.stringMatching(/^(scheduled|started)$/),
          attempt: expect.any(Number),
          lastFailure: expect.stringContaining('gateway answered HTTP 503'),
          nextAttemptAt: expect.any(String),
        },
      ]);
    } finally {
      stack.gateway.sim.control.failNext = 0;
    }
    // Once the gateway is back, the retried call captures, once.
    await reach(eventShop, 'DE--OUTAGE-1', { [a]: S.captured });
  });

  it('conditional mode: the stored status moves the items, also those a partial capture did not list', async () => {
    const placed = await place(conditionalShop, 'DE--COND-1', { form: true });
    const [a, b, c] = ids(placed);
    await reach(conditionalShop, 'DE--COND-1', { [a]: S.authorized, [b]: S.authorized, [c]: S.authorized });
    expect((await conditionalShop.operate('DE--COND-1', 'capture', [a])).ok).toBe(true);
    // The shop keeps one status per order: "captured" passes IsCaptured for every authorized item.
    await reach(conditionalShop, 'DE--COND-1', { [a]: S.captured, [b]: S.captured, [c]: S.captured });
    expect(conditionalShop.statusOf('DE--COND-1')).toBe('captured');
    expect((await conditionalShop.operate('DE--COND-1', 'refund', [a])).ok).toBe(true);
    await reach(conditionalShop, 'DE--COND-1', { [a]: S.refundSucceeded });
    expect(conditionalShop.statusOf('DE--COND-1')).toBe('refunded');
    expect(eventsOf(conditionalShop.orders.get('DE--COND-1')!).map((event) => event.name)).toEqual([
      'PaymentAuthorized',
      'PaymentCaptured',
      'PaymentRefunded',
    ]);
  });

  describe('the message bus', () => {
    const bus = () =>
      createBusClient({ settleUrl: stack.api.url, tenant: 'shop-event', token: TOKENS['shop-event'] });
    const capture = (body: Record<string, unknown>) =>
      serializeMessage({
        ...body,
        messageAttributes: commandAttributes('CapturePayment', 'shop-event', TOKENS['shop-event']),
      });

    it('takes a command redelivered three times once: one provider action, one event, one MessageId; asked again after its outcome, it answers again', async () => {
      const placed = await place(eventShop, 'DE--REDELIVER');
      await reach(eventShop, 'DE--REDELIVER', { [placed.items[0]!.id]: S.authorized });
      const body = {
        orderReference: 'DE--REDELIVER',
        orderItemIds: [placed.items[0]!.id],
        amount: 3500,
        currencyIsoCode: 'EUR',
      };
      const answers = [];
      for (let i = 0; i < 3; i += 1) answers.push(await bus().send('payment-commands', capture(body)));
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
      const ids = new Set(answers.map((answer) => (answer.body as { MessageId: string }).MessageId));
      expect(ids.size).toBe(1);

      // Fetched twice before acknowledging: the same MessageIds.
      const fetchCaptured = async () => {
        const answer = await bus().fetchMessages('payment-events', 100);
        const found = (
          answer.body as { MessageId: string; MessageBody: string; MessageAttributes: { name: string } }[]
        ).filter(
          (message) =>
            message.MessageAttributes.name === 'PaymentCaptured' &&
            message.MessageBody.includes('DE--REDELIVER'),
        );
        return found.length > 0 ? found : undefined;
      };
      const first = await eventually(fetchCaptured, 60_000, 'the capture event');
      const again = await fetchCaptured();
      expect(first).toHaveLength(1);
      expect(again!.map((message) => message.MessageId)).toEqual(first.map((message) => message.MessageId));
      expect(first[0]!.MessageAttributes).toMatchObject({
        tenantIdentifier: 'shop-event',
        storeReference: 'shop-event',
        actorId: 'settle',
        transferName: 'PaymentCaptured',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/),
      });

      expect((await bus().acknowledge('payment-events', [first[0]!.MessageId])).body).toEqual({
        acknowledged: 1,
      });
      expect(await fetchCaptured()).toBeUndefined();
      // Sent again after its outcome (a shop whose send failed rolled its items back): the event again, under a
      // new MessageId; the same send retried (its Correlation-Id) adds nothing; the money moved once.
      const sendAgain = capture(body);
      expect((await bus().send('payment-commands', sendAgain)).status).toBe(200);
      expect((await bus().send('payment-commands', sendAgain)).status).toBe(200);
      const resent = await eventually(fetchCaptured, 60_000, 'the event posted again');
      expect(resent).toHaveLength(1);
      expect(resent[0]!.MessageId).not.toBe(first[0]!.MessageId);
      expect(JSON.parse(resent[0]!.MessageBody)).toEqual(JSON.parse(first[0]!.MessageBody));
      await bus().acknowledge('payment-events', [resent[0]!.MessageId]);
      const state = await stack.temporal.workflow
        .getHandle(
          orderPaymentWorkflowId({ door: 'spryker', tenant: 'shop-event', orderReference: 'DE--REDELIVER' }),
        )
        .query(orderPaymentQuery);
      expect(gatewayOperations(state.authorization!.transactionId!)).toEqual([
        { object: 'capture', amount: 3500, status: 'succeeded' },
      ]);
      expect(await fetchCaptured()).toBeUndefined();
    });

    const checkout = (orderReference: string, grandTotal: number) =>
      bus().initializePayment({
        headers: { 'x-tenant-identifier': 'shop-event', authorization: `Bearer ${TOKENS['shop-event']}` },
        body: JSON.stringify({
          orderData: {
            orderReference,
            currencyCode: 'EUR',
            grandTotal,
            items: [{ idSalesOrderItem: 41, sku: 'A', quantity: 1, unitPrice: grandTotal }],
            additionalPaymentData: { paymentMethodToken: 'tok_visa' },
          },
          redirectSuccessUrl: 'https://shop.example.com/checkout/success',
        }),
      });
    const authorizations = (orderReference: string) =>
      [...stack.gateway.sim.authorizations.values()].filter(
        (authorization) => authorization.metadata?.order_reference === orderReference,
      );

    it('answers a checkout without a payment method token with the payment page at once, and authorizes nothing before the customer pays', async () => {
      const answer = await bus().initializePayment({
        headers: { 'x-tenant-identifier': 'shop-event', authorization: `Bearer ${TOKENS['shop-event']}` },
        body: JSON.stringify({
          orderData: {
            orderReference: 'DE--PAGE',
            currencyCode: 'EUR',
            grandTotal: 1200,
            items: [{ idSalesOrderItem: 41, sku: 'A', quantity: 1, unitPrice: 1200 }],
          },
          redirectSuccessUrl: 'https://shop.example.com/checkout/success',
        }),
      });
      expect(answer).toEqual({
        status: 200,
        body: { isSuccessful: true, redirectUrl: expect.stringMatching(/\/pay\/[\w-]+\.[\w-]+$/) as string },
      });
      const handle = stack.temporal.workflow.getHandle(
        orderPaymentWorkflowId({ door: 'spryker', tenant: 'shop-event', orderReference: 'DE--PAGE' }),
      );
      // The order waits for its customer: its authorize command runs, and the gateway holds no money for it.
      const state = await handle.query(orderPaymentQuery);
      expect(Object.values(state.commands).map((command) => [command.command, command.state])).toEqual([
        ['authorize', 'running'],
      ]);
      expect(authorizations('DE--PAGE')).toEqual([]);
    });

    it('authorizes an order once, however often checkout calls, and refuses it with another amount', async () => {
      expect(await checkout('DE--CHECKOUT-TWICE', 1200)).toEqual({
        status: 200,
        body: { isSuccessful: true },
      });
      expect(await checkout('DE--CHECKOUT-TWICE', 1200)).toEqual({
        status: 200,
        body: { isSuccessful: true },
      });
      expect(await checkout('DE--CHECKOUT-TWICE', 1300)).toEqual({
        status: 200,
        body: {
          isSuccessful: false,
          message: 'order DE--CHECKOUT-TWICE was opened with another amount (1200 minor units)',
        },
      });
      expect(authorizations('DE--CHECKOUT-TWICE')).toHaveLength(1);
    });

    it('answers checkout when the provider is slow, and the shop hears the authorization later', async () => {
      stack.gateway.sim.control.answerDelayMs = 6000;
      try {
        expect(await checkout('DE--CHECKOUT-SLOW', 900)).toEqual({
          status: 200,
          body: {
            isSuccessful: false,
            message: 'the payment provider has not answered yet; the shop hears the outcome as an event',
          },
        });
      } finally {
        stack.gateway.sim.control.answerDelayMs = 0;
      }
      const authorized = await eventually(async () => {
        const waiting = (await bus().fetchMessages('payment-events', 1000)).body as {
          MessageBody: string;
          MessageAttributes: { name: string };
        }[];
        return waiting.find(
          (message) =>
            message.MessageAttributes.name === 'PaymentAuthorized' &&
            message.MessageBody.includes('DE--CHECKOUT-SLOW'),
        );
      });
      expect(JSON.parse(authorized.MessageBody)).toEqual({
        orderReference: 'DE--CHECKOUT-SLOW',
        orderItemIds: [41],
        amount: 900,
        currencyIsoCode: 'EUR',
      });
      expect(authorizations('DE--CHECKOUT-SLOW')).toHaveLength(1);
    });

    it('refuses what it cannot take, clearly, and starts nothing', async () => {
      const placed = await place(eventShop, 'DE--REFUSE');
      await reach(eventShop, 'DE--REFUSE', { [placed.items[0]!.id]: S.authorized });
      const item = placed.items[0]!.id;
      const refund = serializeMessage({
        orderReference: 'DE--REFUSE',
        orderItemIds: [item],
        orderItems: [{ orderItemId: item, sku: 'A' }],
        amount: -3000,
        currencyIsoCode: 'EUR',
        messageAttributes: commandAttributes('RefundPayment', 'shop-event', TOKENS['shop-event']),
      });
      const valid = {
        orderReference: 'DE--REFUSE',
        orderItemIds: [item],
        amount: 3000,
        currencyIsoCode: 'EUR',
      };
      const cases: [string, Promise<{ status: number; body: unknown }>, number, RegExp][] = [
        // Taken as the bus takes every message; answered with PaymentRefundFailed (below).
        ['a refund before any capture', bus().send('payment-commands', refund), 200, /"MessageId"/],
        [
          'a malformed body',
          bus().send('payment-commands', { ...capture(valid), body: '{"orderReference":' }),
          400,
          /invalid message/,
        ],
        [
          'a capture of a negative amount',
          bus().send('payment-commands', capture({ ...valid, amount: -5 })),
          400,
          /invalid message/,
        ],
        [
          'a wrong token',
          createBusClient({
            settleUrl: stack.api.url,
            tenant: 'shop-event',
            token: 'not-the-token-00000',
          }).send(
            'payment-commands',
            serializeMessage({
              ...valid,
              messageAttributes: commandAttributes('CapturePayment', 'shop-event', 'not-the-token-00000'),
            }),
          ),
          401,
          /wrong bearer token/,
        ],
        [
          'an unknown tenant',
          bus().send(
            'payment-commands',
            serializeMessage({
              ...valid,
              messageAttributes: commandAttributes('CapturePayment', 'shop-nobody', TOKENS['shop-event']),
            }),
          ),
          401,
          /unknown tenant/,
        ],
      ];
      for (const [what, answer, status, error] of cases) {
        const { status: got, body } = await answer;
        expect({ what, status: got }).toEqual({ what, status });
        expect(JSON.stringify(body)).toMatch(error);
      }
      // Nothing started: the order has no command but its checkout's authorize, and the gateway moved no money.
      const state = await stack.temporal.workflow
        .getHandle(
          orderPaymentWorkflowId({ door: 'spryker', tenant: 'shop-event', orderReference: 'DE--REFUSE' }),
        )
        .query(orderPaymentQuery);
      expect(Object.values(state.commands).map((command) => command.command)).toEqual(['authorize']);
      expect(gatewayOperations(state.authorization!.transactionId!)).toEqual([]);
      const waiting = (await bus().fetchMessages('payment-events', 100)).body as {
        MessageBody: string;
        MessageAttributes: { name: string };
      }[];
      const failed = waiting.filter((message) => message.MessageBody.includes('DE--REFUSE'));
      expect(failed.map((message) => message.MessageAttributes.name)).toEqual(['PaymentRefundFailed']);
      expect(JSON.parse(failed[0]!.MessageBody)).toEqual({
        orderReference: 'DE--REFUSE',
        orderItemIds: [item],
        amount: -3000,
        currencyIsoCode: 'EUR',
      });
    });
  });

  it("finds the door's payments by tenant in the Web UI's query language", async () => {
    const executions = await listedWorkflows(
      stack.temporal,
      `SettleFacets = "tenant:shop-event" AND SettleFacets = "command:capture" AND SettlePhase = "done"`,
      3,
    );
    for (const execution of executions)
      expect(execution.typedSearchAttributes.get(SEARCH_ATTRIBUTES.facets)).toContain('door:spryker');
  });

  it('announces its payment methods with settle register --door spryker, and withdraws one no longer configured', async () => {
    const cli = runEntryPoint(
      'cli/main.ts',
      {
        PATH: process.env.PATH,
        ...localDefaults({ api: stack.api.port, mib: stack.mib.port, gateway: stack.gateway.port }),
        TEMPORAL_ADDRESS: env.address,
      },
      ['register', '--door', 'spryker'],
    );
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain('announced to shop-event: Settle Card');
    const methods = await eventually(async () => {
      await eventShop.pollOnce();
      const list = eventShop.paymentMethods();
      return list.length > 0 ? list : undefined;
    });
    expect(methods).toEqual([
      expect.objectContaining({
        name: 'Settle Card',
        providerName: 'settle',
        paymentAuthorizationEndpoint: `${stack.config.PUBLIC_URL}/spryker/private/initialize-payment`,
        isHidden: false,
      }),
    ]);

    // The same announcement from a worker whose settings no longer name the method.
    const announce = createAnnouncer(
      stack.temporal,
      stack.config.TEMPORAL_TASK_QUEUE,
      sprykerSettingsOf({ ...stack.config, SPRYKER_PAYMENT_METHODS: {} }),
    );
    const activity = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR', () => {}) });
    expect(await activity.run(announce)).toContainEqual({
      tenant: 'shop-event',
      added: [],
      deleted: ['Settle Card'],
    });
    await eventually(async () => {
      await eventShop.pollOnce();
      return eventShop.paymentMethods()[0]?.isHidden ? true : undefined;
    });
    expect(eventShop.journal.undecodable).toEqual([]);
  });
});
