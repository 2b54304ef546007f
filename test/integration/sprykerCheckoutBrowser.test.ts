import type { Browser, Page } from 'playwright-core';
import { freePort, listen, type RunningServer } from '../../config/server';
import type { Stack } from '../../scripts/stack';
import { OMS_STATES as S } from '../../sim/spryker/oms';
import type { ShopOrder } from '../../sim/spryker/orders';
import { createSprykerShopSimulator, type SprykerShopSimulator } from '../../sim/spryker/server';
import { launchBrowser } from '../helpers/browser';
import { eventsOf, reachStates } from '../helpers/sprykerShop';
import { onboardSprykerShop } from '../helpers/sprykerTenants';
import { startTestStack } from '../helpers/stacks';

/**
 * A Spryker shop's checkout through Settle's payment page, end to end in a real browser (the system's
 * Chromium, headless): the shop simulator places the order, initialize-payment answers the page, the customer
 * pays on the gateway simulator's card form with 3-D Secure and comes back to the shop's success or cancel
 * page, and the shop's OMS moves on PaymentAuthorized or PaymentAuthorizationFailed from payment-events. Settle's
 * API and worker run against a Temporal dev server; the payment page expires after a few seconds.
 */
describe('Spryker checkout on the payment page, in a browser', () => {
  const TENANT = 'shop-page';
  const TOKEN = 'page-shop-token-000001';
  let stack: Stack;
  let shop: SprykerShopSimulator;
  let storefront: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [{ stack }, browser] = await Promise.all([
      // The page's links carry the API's public URL: its port is chosen before it listens.
      freePort().then((api) =>
        startTestStack({
          ports: { api },
          env: { CHECKOUT_PAGE_TTL: '20s', SPRYKER_TENANTS: `${TENANT}=${TOKEN}` },
        }),
      ),
      launchBrowser(),
    ]);
    shop = createSprykerShopSimulator({
      settleUrl: stack.api.url,
      tenant: TENANT,
      token: TOKEN,
      mode: 'event',
      pollIntervalMs: 0,
    });
    storefront = await listen(shop.app, 0);
    shop.useShopUrl(storefront.url);
    await onboardSprykerShop(shop, { settleUrl: stack.api.url, tenant: TENANT, token: TOKEN });
    page = await browser.newPage({ viewport: { width: 640, height: 720 } });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await shop?.stop();
    await storefront?.close();
    await stack?.stop();
  });

  const ids = (order: ShopOrder) => order.items.map((item) => item.id) as [number, number];
  const all = (order: ShopOrder, state: string) =>
    Object.fromEntries(order.items.map((item) => [item.id, state]));

  /** Checkout in page mode (no payment method token): initialize-payment answers Settle's page. */
  const checkout = async (orderReference: string): Promise<ShopOrder> => {
    const order = (await shop.placeOrder({
      orderReference,
      currency: 'EUR',
      items: [
        { sku: 'A', unitPrice: 3000 },
        { sku: 'B', unitPrice: 2000 },
      ],
      expenses: [{ type: 'SHIPMENT_EXPENSE_TYPE', name: 'Standard', unitPrice: 500 }],
    })) as ShopOrder;
    expect(order.initialize).toEqual({
      status: 200,
      body: { isSuccessful: true, redirectUrl: expect.stringMatching(`^${stack.api.url}/pay/`) },
    });
    expect(order.redirectUrl).toBe((order.initialize as { body: { redirectUrl: string } }).body.redirectUrl);
    expect(order.items.map((item) => item.state)).toEqual([S.pending, S.pending]);
    return order;
  };
  /** The customer, redirected to the page, opens the gateway's card form and submits the 3-D Secure card. */
  const toChallenge = async (order: ShopOrder) => {
    await page.goto(order.redirectUrl!);
    await page.waitForSelector('#gateway-form', { timeout: 60_000 });
    expect((await page.getByTestId('amount').textContent())?.trim()).toBe('55.00 EUR');
    await page.getByRole('link', { name: 'Pay by card' }).click();
    await page.getByLabel('Card number').fill('4000 0000 0000 3220');
    await page.getByLabel('Expiry (MM/YY)').fill('12/34');
    await page.getByLabel('CVC').fill('123');
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.waitForURL(/\/challenge$/);
  };
  const successUrl = () => `${storefront.url}/en/payment/order-success`;
  const cancelUrl = (reference: string) =>
    `${storefront.url}/en/payment/order-cancel?orderReference=${reference}`;

  it('passes 3-D Secure: PaymentAuthorized at the shop, then a capture and a partial refund', async () => {
    const order = await checkout('DE--PAGE-PASS');
    const [a, b] = ids(order);
    await toChallenge(order);
    await page.getByRole('button', { name: 'Pass' }).click();
    await page.waitForURL(successUrl(), { timeout: 60_000 });
    expect(await page.textContent('h1')).toBe('Thank you for your order');

    await reachStates(shop, order.orderReference, all(order, S.authorized));
    expect(eventsOf(order)).toEqual([
      {
        name: 'PaymentAuthorized',
        orderReference: order.orderReference,
        orderItemIds: [a, b],
        amount: 5500,
        currencyIsoCode: 'EUR',
      },
    ]);

    expect((await shop.operate(order.orderReference, 'capture')).ok).toBe(true);
    await reachStates(shop, order.orderReference, all(order, S.captured));
    expect((await shop.operate(order.orderReference, 'refund', [b])).ok).toBe(true);
    await reachStates(shop, order.orderReference, { [a]: S.captured, [b]: S.refundSucceeded });
    expect(eventsOf(order).map((event) => [event.name, event.amount])).toEqual([
      ['PaymentAuthorized', 5500],
      ['PaymentCaptured', 5500],
      ['PaymentRefunded', -2000],
    ]);
    const authorization = [...stack.gateway.sim.operations.values()].filter(
      (operation) => operation.object === 'capture' || operation.object === 'refund',
    );
    expect(authorization.map(({ object, amount }) => [object, amount])).toEqual(
      expect.arrayContaining([
        ['capture', 5500],
        ['refund', 2000],
      ]),
    );
  });

  it("fails 3-D Secure: PaymentAuthorizationFailed, and the shop's cancel page cancels the order, confirmed", async () => {
    const order = await checkout('DE--PAGE-FAIL');
    await toChallenge(order);
    await page.getByRole('button', { name: 'Fail' }).click();
    await page.waitForURL(cancelUrl(order.orderReference), { timeout: 60_000 });
    expect(await page.textContent('h1')).toBe('Your order was cancelled');

    await reachStates(shop, order.orderReference, all(order, S.cancelled));
    const names = eventsOf(order).map((event) => event.name);
    expect(names).toEqual(expect.arrayContaining(['PaymentAuthorizationFailed', 'PaymentCanceled']));
    expect(names).not.toContain('PaymentCancellationFailed');
    const sent = shop.journal.sent.filter(
      (record) => record.name === 'CancelPayment' && JSON.stringify(record).includes(order.orderReference),
    );
    expect(sent).toHaveLength(1);
  });

  it('abandons 3-D Secure: the page expires, PaymentAuthorizationFailed, and the gateway session with it', async () => {
    const order = await checkout('DE--PAGE-ABANDON');
    await toChallenge(order);
    await page.getByRole('button', { name: 'Abandon' }).click();
    await page.waitForURL(/\/return$/);
    // The page refreshes itself until the order's payment declines it at its expiry, then returns to the shop.
    await page.waitForURL(cancelUrl(order.orderReference), { timeout: 90_000 });

    await reachStates(shop, order.orderReference, all(order, S.cancelled));
    const names = eventsOf(order).map((event) => event.name);
    expect(names).toEqual(expect.arrayContaining(['PaymentAuthorizationFailed', 'PaymentCanceled']));
    const sessions = [...stack.gateway.sim.checkoutSessions.values()].filter(
      (session) => session.amount === 5500 && session.metadata?.workflow_id?.includes(order.orderReference),
    );
    expect(sessions).toHaveLength(1);
    expect(Date.parse(sessions[0]!.expires_at)).toBeLessThanOrEqual(Date.now());
  });
});
