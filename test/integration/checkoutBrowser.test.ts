import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { listen, type RunningServer } from '../../config/server';
import type { CheckoutPageView } from '../../domain/checkout';
import { GatewayProvider } from '../../providers/gateway';
import type { ProviderEvent } from '../../providers/types';
import { createGatewaySimulator, type GatewaySimulator } from '../../sim/gateway/server';
import { showSignal } from '../fixtures/checkoutPageWorkflow';
import { launchBrowser } from '../helpers/browser';
import {
  collectWebhooks,
  inAnHour,
  pageView,
  startCheckoutPageStack,
  type CheckoutPageStack,
} from '../helpers/checkoutPageStack';
import { PROJECT_ROOT } from '../helpers/paths';
import { authorizationRequest } from '../helpers/providerCommands';
import { eventually } from '../helpers/temporal';

/**
 * The payment page and the gateway's card form in a real browser (the system's Chromium, headless): the page in
 * each state, and the customer paying with 3-D Secure passed, failed and abandoned. A small test workflow
 * answers the page's query on a real Temporal dev server, as the order's workflow does; the gateway simulator
 * and its webhook are real. The screenshots go to docs/img/checkout-*.png, which docs/checkout.md shows.
 */
describe('payment page in a browser', () => {
  const key = 'checkout-page-key-for-the-browser-0001';
  let stack: CheckoutPageStack;
  let settle: RunningServer;
  let sim: GatewaySimulator;
  let gateway: RunningServer;
  let provider: GatewayProvider;
  let browser: Browser;
  let page: Page;
  const events: ProviderEvent[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startCheckoutPageStack(key), launchBrowser()]);
    settle = stack.settle;
    collectWebhooks(stack.app, '/webhooks/gateway', () => provider, events);
    stack.app.get('/shop/:outcome', (req, res) =>
      res.type('html').send(`<h1>Shop: ${req.params.outcome}</h1>`),
    );
    sim = createGatewaySimulator({
      apiKey: 'key-12345678',
      webhookSecret: 'hook-secret-1',
      control: { webhookUrl: `${settle.url}/webhooks/gateway` },
    });
    gateway = await listen(sim.app, 0);
    provider = new GatewayProvider({
      baseUrl: gateway.url,
      apiKey: 'key-12345678',
      webhookSecret: 'hook-secret-1',
    });
    page = await browser.newPage({ viewport: { width: 640, height: 720 } });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    sim?.stop();
    await gateway?.close();
    await stack?.stop();
  });

  const view = (fields: Partial<CheckoutPageView> = {}): CheckoutPageView =>
    pageView({
      returnTo: { successUrl: `${settle.url}/shop/success`, cancelUrl: `${settle.url}/shop/cancel` },
      ...fields,
    });
  const order = (shown: CheckoutPageView) => stack.order(shown);
  const screenshot = (name: string) =>
    page.screenshot({ path: join(PROJECT_ROOT, 'docs', 'img', `checkout-${name}.png`), fullPage: true });

  /** An order whose page is open on a new gateway session, the way the order's workflow shows it. */
  const openOrder = async () => {
    const { handle, token } = await order(view());
    const request = authorizationRequest({
      mode: 'page',
      amountMinor: 4990,
      returnUrl: `${settle.url}/pay/${token}/return`,
      expiresAt: inAnHour(),
    });
    const opened = await provider.authorize(request);
    await handle.signal(showSignal, view({ state: 'open', session: opened.session }));
    return { handle, token, request };
  };
  /** The order learns the outcome from the gateway's webhook (the order workflow's part). */
  const learnOutcome = async (handle: Awaited<ReturnType<typeof order>>['handle'], workflowId: string) => {
    const event = await eventually(async () => events.find((e) => e.workflowId === workflowId));
    await handle.signal(
      showSignal,
      event.outcome === 'settled'
        ? view({ state: 'authorized' })
        : view({ state: 'failed', reason: event.reason }),
    );
    return event;
  };
  const payByCard = async (number: string) => {
    await page.getByRole('link', { name: 'Pay by card' }).click();
    await fillCard(number);
  };
  const fillCard = async (number: string) => {
    await page.getByLabel('Card number').fill(number);
    await page.getByLabel('Expiry (MM/YY)').fill('12/34');
    await page.getByLabel('CVC').fill('123');
  };

  it('shows the page while preparing, refreshing itself until the session is open', async () => {
    const { handle, token } = await order(view());
    await page.goto(`${settle.url}/pay/${token}`);
    expect(await page.textContent('h1')).toBe('Preparing your payment…');
    expect((await page.getByTestId('amount').textContent())?.trim()).toBe('49.90 EUR');
    await screenshot('preparing');
    await handle.signal(
      showSignal,
      view({ state: 'open', session: { kind: 'gateway', formUrl: `${gateway.url}/checkout/cs_x` } }),
    );
    await page.waitForSelector('#gateway-form', { timeout: 30_000 });
    expect(await page.textContent('h1')).toBe('Pay for your order');
  });

  it('takes the card and passes 3-D Secure: the gateway authorizes, and the customer lands on the shop once Settle knows', async () => {
    const { handle, token, request } = await openOrder();
    await page.goto(`${settle.url}/pay/${token}`);
    await screenshot('open');
    await payByCard('4000 0000 0000 3220');
    await screenshot('card-form');
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.waitForURL(/\/challenge$/);
    expect(await page.textContent('h1')).toBe('3-D Secure');
    await screenshot('3ds-challenge');
    await page.getByRole('button', { name: 'Pass' }).click();
    await page.waitForURL(/\/return$/);
    expect(await page.textContent('h1')).toBe('Confirming your payment…');
    await screenshot('confirming');
    const event = await learnOutcome(handle, request.workflowId);
    expect(event.outcome).toBe('settled');
    await page.waitForURL(`${settle.url}/shop/success`, { timeout: 30_000 });
    await page.goto(`${settle.url}/pay/${token}`);
    expect(await page.textContent('h1')).toBe('Payment authorized');
    await screenshot('authorized');
  });

  it("fails 3-D Secure: declined, and the customer lands on the shop's cancel page", async () => {
    const { handle, token, request } = await openOrder();
    await page.goto(`${settle.url}/pay/${token}`);
    await payByCard('4000 0000 0000 3220');
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByRole('button', { name: 'Fail' }).click();
    const event = await learnOutcome(handle, request.workflowId);
    expect(event).toMatchObject({ outcome: 'declined', reason: 'authentication_failed' });
    await page.waitForURL(`${settle.url}/shop/cancel`, { timeout: 30_000 });
    await page.goto(`${settle.url}/pay/${token}`);
    expect(await page.getByTestId('message').textContent()).toContain('authentication_failed');
    await screenshot('failed');
  });

  it('abandons 3-D Secure: nothing happens at the gateway, the page stays open until it expires', async () => {
    const { handle, token, request } = await openOrder();
    await page.goto(`${settle.url}/pay/${token}`);
    await payByCard('4000 0000 0000 3220');
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByRole('button', { name: 'Abandon' }).click();
    await page.waitForURL(/\/return$/);
    expect(await page.textContent('h1')).toBe('Confirming your payment…');
    expect(await provider.findAuthorization(request)).toMatchObject({
      outcome: 'pending',
      status: 'awaiting_customer',
    });
    expect(events.find((e) => e.workflowId === request.workflowId)).toBeUndefined();
    // The page's expiry (the order's part): the customer, still waiting, is sent to the cancel page.
    await handle.signal(showSignal, view({ state: 'expired' }));
    await page.waitForURL(`${settle.url}/shop/cancel`, { timeout: 30_000 });
    await page.goto(`${settle.url}/pay/${token}`);
    expect(await page.textContent('h1')).toBe('Payment page expired');
    await screenshot('expired');
  });

  it('declines a declined card on the form, and shows a wrong card number on the form itself', async () => {
    const { handle, request, token } = await openOrder();
    await page.goto(`${settle.url}/pay/${token}`);
    await payByCard('4242 4242 4242 4241');
    await page.getByRole('button', { name: /^Pay / }).click();
    expect(await page.getByRole('alert').textContent()).toBe('The card number is not valid.');
    await screenshot('card-invalid');
    await fillCard('4000 0000 0000 0002');
    await page.getByRole('button', { name: /^Pay / }).click();
    const event = await learnOutcome(handle, request.workflowId);
    expect(event).toMatchObject({ outcome: 'declined', reason: 'card_declined' });
    await page.waitForURL(`${settle.url}/shop/cancel`, { timeout: 30_000 });
  });

  it("refuses a link that is not one of Settle's with a clear page", async () => {
    const answer = await page.goto(`${settle.url}/pay/not-a-token`);
    expect(answer?.status()).toBe(404);
    expect(await page.getByTestId('message').textContent()).toBe('This payment link is not valid.');
    await screenshot('invalid-link');
  });
});
