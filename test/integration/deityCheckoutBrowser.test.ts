import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, listen, type RunningServer } from '../../config/server';
import { PAGE_EXPIRED_REASON } from '../../domain/checkout';
import { orderPaymentOf } from '../../oms/orderPayments';
import Stripe from 'stripe';
import { startRabbitMq, type RabbitMq } from '../../scripts/rabbitmq';
import { startStripeMock, type RunningStripeMock } from '../../scripts/stripe-mock';
import type { Stack } from '../../scripts/stack';
import { createDeityShopSimulator, type DeityShopSimulator } from '../../sim/deity/server';
import type { ShopOrder } from '../../sim/deity/shopOrder';
import { BROKER_START_MS } from '../helpers/broker';
import { launchBrowser } from '../helpers/browser';
import { TWO_ITEM_ORDER, heardStatuses } from '../helpers/deityShop';
import { startTestStack } from '../helpers/stacks';
import { startStripeStandIn, type StripeStandIn } from '../helpers/stripeStandIn';
import { startAdyenStandIn, type AdyenStandIn } from '../helpers/adyenStandIn';
import { eventually } from '../helpers/temporal';

/**
 * A Deity order paid on Settle's payment page, end to end: the Deity shop simulator validates, is answered
 * redirect with the page's address, the customer pays there in a real browser (the system's Chromium) on the
 * gateway simulator's card form with 3-D Secure, comes back to the shop's return page, and the shop sends the
 * post-redirect update and hears the status event on RabbitMQ. Settle's API and worker run on a Temporal dev
 * server; the page lasts CHECKOUT_PAGE_TTL, short here so that an abandoned page expires within the test. A
 * Stripe method's page runs against stripe-mock behind the stateful stand-in, its confirmation by Stripe.js
 * stood in by the server-side call, its outcome the signed webhook to Settle's /webhooks/stripe.
 */
describe('the Deity checkout on the payment page (dev server, RabbitMQ, Chromium, stripe-mock, Adyen stand-in)', () => {
  jest.setTimeout(BROKER_START_MS);
  let stack: Stack;
  let broker: RabbitMq;
  let stripeMock: RunningStripeMock;
  let stripe: StripeStandIn;
  let adyen: AdyenStandIn;
  const ADYEN = {
    ADYEN_API_KEY: 'AQE-settle-deity-page-key',
    ADYEN_MERCHANT_ACCOUNT: 'SettleECOM',
    ADYEN_HMAC_KEY: 'B0C71FC68D9D0C057550C48EC2ACF6BA05644782DEF547AAA06C910C43932B1E',
    ADYEN_CLIENT_KEY: 'test_SETTLEDEITYPAGECLIENTKEY',
  };
  const STRIPE = {
    STRIPE_API_KEY: 'sk_test_settleDeityPage',
    STRIPE_WEBHOOK_SECRET: 'whsec_settleDeityPage',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_settleDeityPage',
  };
  let shop: DeityShopSimulator;
  let shopServer: RunningServer;
  let browser: Browser;
  let page: Page;
  const brokerDir = mkdtempSync(join(tmpdir(), 'settle-deity-page-broker-'));
  const PROFILE = { serviceUser: 'acme:web:page', serviceToken: 'acme-web-page-token-01' };
  const PAGE_METHOD = { provider: 'gateway', method: 'card-page' };
  const STRIPE_METHOD = { provider: 'stripe', method: 'card' };
  const ADYEN_METHOD = { provider: 'adyen', method: 'scheme' };
  const PROFILES = JSON.stringify([
    {
      ...PROFILE,
      // No paymentMethod: the customer pays on Settle's payment page.
      methods: [
        { ...PAGE_METHOD, currencies: ['EUR'] },
        { ...STRIPE_METHOD, currencies: ['EUR'] },
        { ...ADYEN_METHOD, currencies: ['EUR'] },
      ],
    },
  ]);

  beforeAll(async () => {
    const [apiPort, shopPort] = await Promise.all([freePort(), freePort()]);
    [{ stack }, browser] = await Promise.all([
      startTestStack({
        // The page's links name the API's address (PUBLIC_URL), so it listens on a port known beforehand.
        ports: { api: apiPort },
        env: { DEITY_VALIDATE_WAIT: '5s', DEITY_PROFILES: PROFILES, CHECKOUT_PAGE_TTL: '15s' },
        alongside: async () => {
          const startStripe = async () => {
            stripeMock = await startStripeMock(process.env.STRIPE_MOCK_PATH);
            stripe = await startStripeStandIn(stripeMock.url, {
              webhookSecret: STRIPE.STRIPE_WEBHOOK_SECRET,
            });
          };
          const startAdyen = async () => {
            adyen = await startAdyenStandIn({
              apiKey: ADYEN.ADYEN_API_KEY,
              merchantAccount: ADYEN.ADYEN_MERCHANT_ACCOUNT,
              hmacKey: ADYEN.ADYEN_HMAC_KEY,
            });
          };
          [broker] = await Promise.all([startRabbitMq({ dataDir: brokerDir }), startStripe(), startAdyen()]);
          return {
            env: {
              AMQP_URL: broker.url,
              ...STRIPE,
              STRIPE_API_BASE: stripe.url,
              ...ADYEN,
              ADYEN_CHECKOUT_URL: adyen.url,
              ADYEN_CA_FILE: adyen.caFile,
            },
            stop: async () => {
              await broker.stop();
              await adyen.stop();
              await stripe.stop();
              await stripeMock.stop();
            },
          };
        },
      }),
      launchBrowser(),
    ]);
    shop = createDeityShopSimulator({
      settleUrl: stack.api.url,
      ...PROFILE,
      amqpUrl: broker.url,
      publicUrl: `http://127.0.0.1:${shopPort}`,
    });
    shopServer = await listen(shop.app, shopPort);
    stripe.control.webhookUrl = `${stack.api.url}/webhooks/stripe`;
    adyen.control.webhookUrl = `${stack.api.url}/webhooks/adyen`;
    await shop.start();
    page = await browser.newPage({ viewport: { width: 640, height: 720 } });
  }, BROKER_START_MS);
  afterAll(async () => {
    await browser?.close();
    await shop?.stop();
    await shopServer?.close();
    await stack?.stop();
  });

  /** Places the order at the shop: validate answers redirect to the payment page. */
  const place = async (id: string, extra: object = {}) => {
    const placed = await shop.placeOrder({ id, ...TWO_ITEM_ORDER, method: PAGE_METHOD, ...extra });
    if (!placed.ok) throw new Error(`placing ${id}: ${JSON.stringify(placed)}`);
    const { order } = placed;
    expect(order.validate).toMatchObject({
      status: 200,
      body: {
        orderId: id,
        status: 'redirect',
        intermediateStep: { url: expect.stringMatching(`^${stack.api.url}/pay/`), method: 'GET' },
      },
    });
    return {
      order,
      url: (order.validate.body as { intermediateStep: { url: string } }).intermediateStep.url,
    };
  };
  const heard = (order: ShopOrder, statuses: string[]) => heardStatuses(order, statuses);
  const returnPage = (id: string) => `${shopServer.url}/checkout/return/${id}`;
  /** The customer, on the page, pays with the 3-D Secure card and sees the challenge. */
  const payToChallenge = async (url: string) => {
    await page.goto(url);
    await page.getByRole('link', { name: 'Pay by card' }).click();
    await page.getByLabel('Card number').fill('4000 0000 0000 3220');
    await page.getByLabel('Expiry (MM/YY)').fill('12/34');
    await page.getByLabel('CVC').fill('123');
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.waitForURL(/\/challenge$/);
  };

  it('passes 3-D Secure: back at the shop the post-redirect update answers complete, the shop hears authorized, then ships and refunds', async () => {
    const { order, url } = await place('DEITY-PAGE-1');
    await payToChallenge(url);
    await page.getByRole('button', { name: 'Pass' }).click();
    // Settle's return waits for the gateway's word, then sends the customer to the shop's return page.
    await page.waitForURL(returnPage('DEITY-PAGE-1'), { timeout: 60_000 });
    expect(await page.textContent('#status')).toBe('complete');
    expect(order.paymentUpdates).toEqual([
      expect.objectContaining({
        answer: {
          status: 200,
          body: expect.objectContaining({ orderId: 'DEITY-PAGE-1', status: 'complete' }),
        },
      }),
    ]);
    expect(shop.journal.calls.map((call) => call.path)).toContain('/payment/DEITY-PAGE-1');
    const [authorized] = await heard(order, ['authorized']);
    expect(authorized!.payload).toMatchObject({ amount: 55, currency: 'EUR', provider: 'gateway' });

    expect(await shop.ship('DEITY-PAGE-1')).toMatchObject({ answer: { status: 202 } });
    await heard(order, ['authorized', 'paid']);
    expect(await shop.refund('DEITY-PAGE-1', {})).toMatchObject({ answer: { status: 202 } });
    const history = await heard(order, ['authorized', 'paid', 'refunded']);
    expect(history.map((entry) => (entry.payload as { amount: number }).amount)).toEqual([55, 55, 55]);
  });

  it('fails 3-D Secure: the post-redirect update answers failed, and the shop hears failed', async () => {
    const { order, url } = await place('DEITY-PAGE-FAIL');
    await payToChallenge(url);
    await page.getByRole('button', { name: 'Fail' }).click();
    await page.waitForURL(returnPage('DEITY-PAGE-FAIL'), { timeout: 60_000 });
    expect(await page.textContent('#status')).toBe('failed');
    expect(order.paymentUpdates.at(-1)?.answer).toEqual({
      status: 200,
      body: expect.objectContaining({ orderId: 'DEITY-PAGE-FAIL', status: 'failed' }),
    });
    const [failed] = await heard(order, ['failed']);
    expect((failed!.payload as { reason?: string }).reason).toContain('authentication_failed');
  });

  it('abandons the page: redirect while it is open, then failed once it expires, and the waiting customer is sent back', async () => {
    const { order, url } = await place('DEITY-PAGE-GONE');
    await payToChallenge(url);
    await page.getByRole('button', { name: 'Abandon' }).click();
    await page.waitForURL(/\/return$/);
    // The shop asks meanwhile: the customer may still pay on the page.
    const meanwhile = await shop.customerReturned('DEITY-PAGE-GONE', {});
    expect(meanwhile).toMatchObject({
      ok: true,
      answer: { status: 200, body: { status: 'redirect', intermediateStep: { url, method: 'GET' } } },
    });
    // The page expires: the order is declined, the customer still waiting on Settle's return is sent back.
    const [failed] = await heard(order, ['failed']);
    expect((failed!.payload as { reason?: string }).reason).toBe(PAGE_EXPIRED_REASON);
    await page.waitForURL(returnPage('DEITY-PAGE-GONE'), { timeout: 60_000 });
    expect(await page.textContent('#status')).toBe('failed');
    expect(order.paymentUpdates.at(-1)?.answer).toMatchObject({ status: 200, body: { status: 'failed' } });
  });

  it('refuses a return URL that is not http(s), naming it, and opens no order', async () => {
    const validate = (returnUrl: string) =>
      fetch(`${stack.api.url}/api/payment`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${PROFILE.serviceUser}:${PROFILE.serviceToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          id: 'DEITY-PAGE-BAD-RETURN',
          currency: 'EUR',
          total: { grandTotal: 10 },
          items: [{ id: 1, quantity: 1, price: 10 }],
          ...PAGE_METHOD,
          returnUrl,
        }),
      });
    const refused = await validate('javascript:alert(1)');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      issues: [{ path: 'body.returnUrl', message: 'an http(s) URL' }],
    });
    const key = { door: 'deity', tenant: PROFILE.serviceUser, orderReference: 'DEITY-PAGE-BAD-RETURN' };
    expect(await orderPaymentOf(stack.temporal, key)).toBeUndefined();
  });

  it("the shop's scripted customer pays through 3-D Secure over HTTP and comes back to the shop", async () => {
    const placed = await shop.placeOrder({
      id: 'DEITY-PAGE-SCRIPTED',
      ...TWO_ITEM_ORDER,
      method: PAGE_METHOD,
      customer: 'challenge-pass',
    });
    if (!placed.ok) throw new Error(JSON.stringify(placed));
    const { order } = placed;
    expect(order.customer).toMatchObject({
      choice: 'challenge-pass',
      finalUrl: returnPage('DEITY-PAGE-SCRIPTED'),
    });
    expect(order.customer?.visited).toContainEqual(expect.stringMatching(/\/challenge$/));
    expect(order.paymentUpdates.map((update) => update.answer)).toEqual([
      { status: 200, body: expect.objectContaining({ status: 'complete' }) },
    ]);
    await heard(order, ['authorized']);
  });

  it("pays a Stripe method's page: a manual-capture PaymentIntent for the order, confirmed as Stripe.js would, authorized by Stripe's signed webhook", async () => {
    const { order, url } = await place('DEITY-PAGE-STRIPE', { method: STRIPE_METHOD });
    // The page mounts the Payment Element once the authorize command has opened the PaymentIntent.
    const html = await eventually(async () => {
      const text = await (await fetch(url)).text();
      return text.includes('js.stripe.com/v3') ? text : undefined;
    });
    const intent = [...stripe.intents.values()].find(
      (candidate) => candidate.metadata.order_reference === 'DEITY-PAGE-STRIPE',
    );
    expect(intent).toMatchObject({
      amount: 5500,
      currency: 'eur',
      capture_method: 'manual',
      status: 'requires_payment_method',
      payment_method: null,
    });
    expect(html).toContain(intent!.client_secret);
    expect(html).toContain(STRIPE.STRIPE_PUBLISHABLE_KEY);
    // Not authorized until Stripe says so.
    expect(await shop.customerReturned('DEITY-PAGE-STRIPE', {})).toMatchObject({
      answer: { status: 200, body: { status: 'redirect' } },
    });

    // Stripe.js confirms with the publishable key and the client secret; the server-side call stands in for it.
    const base = new URL(stripe.url);
    await new Stripe(STRIPE.STRIPE_API_KEY, {
      host: base.hostname,
      port: base.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    }).paymentIntents.confirm(intent!.id, { payment_method: 'pm_card_visa' });
    const [authorized] = await heard(order, ['authorized']);
    expect(authorized!.payload).toMatchObject({ provider: 'stripe', amount: 55, paymentId: intent!.id });
    expect(stripe.webhooks).toContainEqual(
      expect.objectContaining({ type: 'payment_intent.amount_capturable_updated', status: 200 }),
    );
    // Back at the shop: complete, with the PaymentIntent as the provider's transaction.
    expect(await shop.customerReturned('DEITY-PAGE-STRIPE', {})).toMatchObject({
      ok: true,
      answer: { status: 200, body: { orderId: 'DEITY-PAGE-STRIPE', status: 'complete', id: intent!.id } },
    });
  });

  it("pays an Adyen method's page: a Checkout session for the order in Drop-in, authorized by Adyen's signed AUTHORISATION", async () => {
    const { order, url } = await place('DEITY-PAGE-ADYEN', { method: ADYEN_METHOD });
    const html = await eventually(async () => {
      const text = await (await fetch(url)).text();
      return text.includes('checkoutshopper-test.adyen.com') ? text : undefined;
    });
    const session = [...adyen.sessions.values()].find((candidate) =>
      JSON.stringify(candidate.request).includes('DEITY-PAGE-ADYEN'),
    );
    expect(session?.request).toMatchObject({
      merchantAccount: ADYEN.ADYEN_MERCHANT_ACCOUNT,
      amount: { value: 5500, currency: 'EUR' },
      returnUrl: expect.stringMatching(`^${stack.api.url}/pay/.+/return$`),
    });
    expect(html).toContain(session!.id);
    expect(html).toContain(ADYEN.ADYEN_CLIENT_KEY);

    // The shopper pays in Drop-in: Adyen authorises and notifies.
    const psp = adyen.completeSession(session!.id, true);
    const [authorized] = await heard(order, ['authorized']);
    expect(authorized!.payload).toMatchObject({ provider: 'adyen', amount: 55, paymentId: psp });
    expect(await shop.customerReturned('DEITY-PAGE-ADYEN', {})).toMatchObject({
      ok: true,
      answer: { status: 200, body: { orderId: 'DEITY-PAGE-ADYEN', status: 'complete', id: psp } },
    });
  });
});
