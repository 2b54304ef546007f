import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { listen, type RunningServer } from '../../config/server';
import { orderPaymentWorkflowId } from '../../domain/orderPayment';
import { createAnnouncer, type Announcement } from '../../oms/spryker/announce';
import { sprykerSettingsOf } from '../../oms/spryker/door';
import type { Stack } from '../../scripts/stack';
import { configureCall, disconnectCall, type AppStoreOptions } from '../../sim/spryker/appStore';
import { createBusClient } from '../../sim/spryker/bus';
import { commandAttributes, serializeMessage } from '../../sim/spryker/messageBroker';
import { OMS_STATES as S } from '../../sim/spryker/oms';
import type { ShopOrder } from '../../sim/spryker/orders';
import { createSprykerShopSimulator, type SprykerShopSimulator } from '../../sim/spryker/server';
import { orderPaymentQuery } from '../../workflows/orderPaymentMessages';
import { SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';
import { readMetrics } from '../helpers/metrics';
import { noBusErrors, onboardSprykerShop } from '../helpers/sprykerTenants';
import { startTestStack } from '../helpers/stacks';
import { eventually, listedWorkflows } from '../helpers/temporal';

/**
 * A Spryker tenant connected and disconnected as Spryker's ACP registry does it (`/spryker/private/configure`,
 * `/private/disconnect`), against the shop simulator as the demo shop's worker: its active-app filter lets
 * nothing but `app-events` through until Settle's AppConfigUpdated is stored. Commands Settle will not carry
 * out — a disconnected tenant's, or one for an order it does not know — are taken and dropped where an
 * operator sees them. Settle's API and worker on a Temporal dev server, the gateway simulator as provider.
 */
describe('Spryker tenants: onboarding, app-events and dropped messages (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  const TOKENS = { 'shop-new': 'new-shop-token-000001', 'shop-gone': 'gone-shop-token-00001' };
  const shops: { sim: SprykerShopSimulator; server: RunningServer }[] = [];

  beforeAll(async () => {
    ({ env, stack } = await startTestStack({
      env: {
        SPRYKER_CHECKOUT_WAIT: '3s',
        SPRYKER_TENANTS: Object.entries(TOKENS)
          .map(([tenant, token]) => `${tenant}=${token}`)
          .join(','),
      },
    }));
  });
  afterAll(async () => {
    for (const shop of shops) {
      await shop.sim.stop();
      await shop.server.close();
    }
    await stack?.stop();
    void env;
  });

  const registry = (tenant: keyof typeof TOKENS): AppStoreOptions => ({
    settleUrl: stack.api.url,
    tenant,
    token: TOKENS[tenant],
  });
  const shopOf = async (tenant: keyof typeof TOKENS) => {
    const sim = createSprykerShopSimulator({
      settleUrl: stack.api.url,
      tenant,
      token: TOKENS[tenant],
      mode: 'event',
      pollIntervalMs: 0,
    });
    shops.push({ sim, server: await listen(sim.app, 0) });
    return sim;
  };
  const reach = (shop: SprykerShopSimulator, reference: string, state: string) =>
    eventually(
      async () => {
        await shop.pollOnce();
        const order = shop.orders.get(reference)!;
        return order.items.every((item) => item.state === state) ? order : undefined;
      },
      60_000,
      `${reference} in ${state}`,
    );
  type Fetched = { MessageId: string; MessageBody: string; MessageAttributes: Record<string, string> };
  const dropRecord = async (tenant: string, messageId: string) => {
    const [record] = await listedWorkflows(
      stack.temporal,
      `WorkflowType = "sprykerDroppedMessageWorkflow" AND SettleFacets = "tenant:${tenant}"`,
    ).then((found) => found.filter((info) => info.workflowId.endsWith(messageId)));
    expect(record).toBeDefined();
    return {
      info: record!,
      result: await stack.temporal.workflow.getHandle(record!.workflowId).result(),
    };
  };

  it('a tenant configured through the onboarding endpoint hears AppConfigUpdated on app-events, and its shop fetches nothing else until then', async () => {
    const shop = await shopOf('shop-new');
    const placed = (await shop.placeOrder({
      paymentMethodToken: 'tok_visa', // direct checkout
      orderReference: 'DE--NEW-1',
      currency: 'EUR',
      items: [{ sku: 'A', unitPrice: 2500 }],
    })) as ShopOrder;
    expect(placed.initialize).toMatchObject({ status: 200 });
    // Not connected yet: each worker run fetches app-events only, and a command is dropped at the shop unsent.
    expect(await shop.pollOnce()).toMatchObject({ channels: ['app-events'], handled: 0 });
    expect(await shop.pollOnce()).toMatchObject({ channels: ['app-events'], handled: 0 });
    expect(await shop.operate('DE--NEW-1', 'cancel')).toMatchObject({
      ok: true,
      sent: { dropped: 'Could not map message to channel name' },
    });
    expect(placed.items[0]!.state).toBe(S.cancellationPending);
    const sentBefore = shop.journal.sent.filter((record) => record.status !== undefined);
    expect(sentBefore.map((record) => record.target)).toEqual(['private/initialize-payment']);

    // The registry's calls, refused as app-kernel refuses them.
    const raw = (headers: Record<string, string>, body?: string) =>
      fetch(`${stack.api.url}/spryker/private/configure`, { method: 'POST', headers, body }).then(
        async (answer) => ({ status: answer.status, body: await answer.json() }),
      );
    const auth = { authorization: `Bearer ${TOKENS['shop-new']}`, 'content-type': 'application/json' };
    expect(await raw(auth, '{}')).toEqual({
      status: 422,
      body: {
        errors: [
          { code: '422', message: 'X-Tenant-Identifier in header is required.', status: null, confirm: null },
        ],
      },
    });
    expect(
      await raw({ ...auth, 'x-tenant-identifier': 'shop-new' }, '{"data":{"type":"configuration"}}'),
    ).toEqual({
      status: 422,
      body: { errors: [{ code: '422', message: 'Wrong request format.', status: null, confirm: null }] },
    });
    expect(
      (await configureCall({ ...registry('shop-new'), token: 'not-the-token-0000000' }, { a: 1 })).status,
    ).toBe(401);

    // Configured twice: the second merges over the first.
    expect(await configureCall(registry('shop-new'), { mode: 'test', region: 'eu' })).toEqual({
      status: 200,
      body: { tenantIdentifier: 'shop-new', configuration: { mode: 'test', region: 'eu' } },
    });
    expect(await configureCall(registry('shop-new'), { region: 'us' })).toEqual({
      status: 200,
      body: { tenantIdentifier: 'shop-new', configuration: { mode: 'test', region: 'us' } },
    });

    // What waits on app-events, as any consumer of the tenant reads it.
    const bus = createBusClient({ settleUrl: stack.api.url, tenant: 'shop-new', token: TOKENS['shop-new'] });
    const waiting = (await bus.fetchMessages('app-events', 100)) as { status: number; body: Fetched[] };
    expect(waiting.status).toBe(200);
    expect(waiting.body.map((message) => JSON.parse(message.MessageBody))).toEqual([
      {
        appIdentifier: 'settle',
        status: 'NEW',
        isActive: true,
        config: { paymentMethods: ['Settle Card'] },
        messageChannels: ['payment-commands', 'payment-events', 'payment-method-commands'],
      },
      expect.objectContaining({ status: 'NEW', isActive: true }),
    ]);
    expect(waiting.body[0]!.MessageAttributes).toMatchObject({
      name: 'AppConfigUpdated',
      transferName: 'AppConfigUpdated',
      tenantIdentifier: 'shop-new',
      actorId: 'settle',
    });
    // Nothing in the tenant's configuration reaches the shop, which keeps the config in clear.
    expect(JSON.stringify(waiting.body)).not.toContain('region');

    // The run that stores the config fetched app-events only; the next fetches the payment channels too.
    expect(await shop.pollOnce()).toMatchObject({ channels: ['app-events'], handled: 2 });
    expect(shop.appConfigs()).toEqual([
      expect.objectContaining({ appIdentifier: 'settle', status: 'NEW', isActive: true }),
    ]);
    expect(await shop.pollOnce()).toMatchObject({
      channels: ['payment-events', 'payment-method-commands', 'app-events'],
    });
    expect(shop.paymentMethods()).toEqual([
      expect.objectContaining({ name: 'Settle Card', providerName: 'settle', isHidden: false }),
    ]);
    // The authorization made at checkout reached the shop once its channels opened.
    expect(shop.orders.get('DE--NEW-1')!.events.map((event) => event.name)).toEqual(['PaymentAuthorized']);
    expect(shop.journal.undecodable).toEqual([]);
    noBusErrors(shop);
  });

  it("after a disconnect the tenant's commands are taken, dropped and visible to an operator; a reconnect takes them again", async () => {
    const shop = await shopOf('shop-gone');
    await onboardSprykerShop(shop, registry('shop-gone'));
    const placed = (await shop.placeOrder({
      paymentMethodToken: 'tok_visa', // direct checkout
      orderReference: 'DE--GONE-1',
      currency: 'EUR',
      items: [
        { sku: 'A', unitPrice: 3000 },
        { sku: 'B', unitPrice: 1000 },
      ],
    })) as ShopOrder;
    const [a] = placed.items.map((item) => item.id);
    await reach(shop, 'DE--GONE-1', S.authorized);

    // An open order: the registry must confirm (app-payment's 21000), or cancels (21001). Settle reads the
    // tenant's orders from visibility, which follows a moment behind.
    await listedWorkflows(
      stack.temporal,
      'WorkflowType = "orderPaymentWorkflow" AND SettleFacets = "tenant:shop-gone" AND SettleOrderId = "DE--GONE-1"',
    );
    const open = await disconnectCall(registry('shop-gone'));
    expect(open.status).toBe(409);
    expect(open.body).toEqual({
      errors: [
        {
          code: '21000',
          message: expect.stringMatching(/open orders \(1\).*X-Confirmation-Status: true/),
          status: 409,
          confirm: { labelOk: 'Ignore & Disconnect', labelCancel: 'Cancel' },
        },
      ],
    });
    expect(await disconnectCall(registry('shop-gone'), 'false')).toEqual({
      status: 400,
      body: {
        errors: [
          {
            code: '21001',
            message: 'Please close any open orders and try again.',
            status: 400,
            confirm: null,
          },
        ],
      },
    });
    expect(await disconnectCall(registry('shop-gone'), 'true')).toEqual({ status: 204, body: null });

    // The shop hears it; within kernel-app's grace period its channels stay open and it still sends.
    await eventually(async () => {
      await shop.pollOnce();
      return shop.appConfigs().some((config) => config.isActive === false) ? true : undefined;
    });
    expect(shop.appConfigs()).toEqual([
      expect.objectContaining({ appIdentifier: 'settle', status: 'DISCONNECTED', isActive: false }),
    ]);
    expect(shop.paymentMethods()).toEqual([expect.objectContaining({ name: 'Settle Card', isHidden: true })]);
    // Its checkout is refused as app-kernel refuses a disconnected tenant's calls, and opens no order.
    const refused = (await shop.placeOrder({
      paymentMethodToken: 'tok_visa', // direct checkout
      orderReference: 'DE--GONE-CHECKOUT',
      currency: 'EUR',
      items: [{ sku: 'A', unitPrice: 1000 }],
    })) as ShopOrder;
    expect(refused.initialize).toEqual({
      status: 403,
      body: { errors: [{ code: 403, message: 'Tenant is disconnected.', status: null, confirm: null }] },
    });
    await expect(
      stack.temporal.workflow
        .getHandle(
          orderPaymentWorkflowId({
            door: 'spryker',
            tenant: 'shop-gone',
            orderReference: 'DE--GONE-CHECKOUT',
          }),
        )
        .describe(),
    ).rejects.toThrow(/not found/i);

    const metricsBefore = await readMetrics(stack.api.url);
    const capture = await shop.operate('DE--GONE-1', 'capture', [a!]);
    expect(capture).toMatchObject({ ok: true, sent: { status: 200 } });
    const messageId = (capture as { sent: { answer: { MessageId: string } } }).sent.answer.MessageId;
    expect(messageId).toMatch(/^[0-9a-f-]{36}$/);
    // Sent again (the same send retried): the same MessageId, one record.
    const retried = await createBusClient({
      settleUrl: stack.api.url,
      tenant: 'shop-gone',
      token: TOKENS['shop-gone'],
    }).send('payment-commands', {
      headers: (capture as { sent: { headers: Record<string, string> } }).sent.headers,
      body: (capture as { sent: { body: string } }).sent.body,
    });
    expect(retried).toEqual({ status: 200, body: { MessageId: messageId } });

    const { info, result } = await dropRecord('shop-gone', messageId);
    expect(result).toMatchObject({
      tenant: 'shop-gone',
      messageName: 'CapturePayment',
      messageId,
      reason: 'tenant-disconnected',
      orderReference: 'DE--GONE-1',
    });
    expect(info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.orderId)).toBe('DE--GONE-1');
    const metrics = await readMetrics(stack.api.url);
    expect(
      metrics.value('settle_spryker_dropped_messages_total', { reason: 'tenant-disconnected' }) -
        metricsBefore.value('settle_spryker_dropped_messages_total', { reason: 'tenant-disconnected' }),
    ).toBe(1);
    // Nothing moved: the order's payment took no command after its checkout's authorization.
    const key = { door: 'spryker', tenant: 'shop-gone', orderReference: 'DE--GONE-1' };
    const state = await stack.temporal.workflow
      .getHandle(orderPaymentWorkflowId(key))
      .query(orderPaymentQuery);
    expect(Object.values(state.commands).map((command) => command.command)).toEqual(['authorize']);

    // `settle register --door spryker` announces the payment methods to connected tenants only.
    const announce = createAnnouncer(
      stack.temporal,
      stack.config.TEMPORAL_TASK_QUEUE,
      sprykerSettingsOf(stack.config),
    );
    const activity = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR', () => {}) });
    const announced = (await activity.run(announce)) as Announcement[];
    expect(announced.map((announcement) => announcement.tenant)).toEqual(['shop-new']);

    // Connected again (CONNECTED): a new order's capture goes through. (The dropped capture left DE--GONE-1
    // blocked in capture pending at the shop, as a real shop's would be.)
    expect((await configureCall(registry('shop-gone'))).status).toBe(200);
    await eventually(async () => {
      await shop.pollOnce();
      return shop.appConfigs().some((config) => config.status === 'CONNECTED' && config.isActive)
        ? true
        : undefined;
    });
    expect(
      (
        (await shop.placeOrder({
          paymentMethodToken: 'tok_visa', // direct checkout
          orderReference: 'DE--GONE-2',
          currency: 'EUR',
          items: [{ sku: 'C', unitPrice: 1200 }],
        })) as ShopOrder
      ).initialize,
    ).toMatchObject({ status: 200 });
    await reach(shop, 'DE--GONE-2', S.authorized);
    expect(await shop.operate('DE--GONE-2', 'capture')).toMatchObject({ ok: true, sent: { status: 200 } });
    await reach(shop, 'DE--GONE-2', S.captured);
    noBusErrors(shop);
  });

  it('a command for an order Settle does not know is taken and dropped where an operator sees it', async () => {
    const bus = createBusClient({ settleUrl: stack.api.url, tenant: 'shop-new', token: TOKENS['shop-new'] });
    const answer = await bus.send(
      'payment-commands',
      serializeMessage({
        orderReference: 'DE--NOPE',
        orderItemIds: [7],
        amount: 1000,
        currencyIsoCode: 'EUR',
        messageAttributes: commandAttributes('CapturePayment', 'shop-new', TOKENS['shop-new']),
      }),
    );
    expect(answer.status).toBe(200);
    const { MessageId } = answer.body as { MessageId: string };
    const { result } = await dropRecord('shop-new', MessageId);
    expect(result).toMatchObject({
      messageName: 'CapturePayment',
      reason: 'unknown-order',
      orderReference: 'DE--NOPE',
    });
    await listedWorkflows(
      stack.temporal,
      'WorkflowType = "sprykerDroppedMessageWorkflow" AND SettleOrderId = "DE--NOPE"',
    );
    expect(
      (await readMetrics(stack.api.url)).value('settle_spryker_dropped_messages_total', {
        reason: 'unknown-order',
      }),
    ).toBe(1);
  });
});
