import { randomUUID } from 'node:crypto';
import type { CheckoutPageView } from '../../domain/checkout';
import { signCheckoutToken } from '../../domain/checkoutToken';
import { listen, type RunningServer } from '../../config/server';
import { GatewayProvider } from '../../providers/gateway';
import { payOnPage } from '../../sim/customer';
import { createGatewaySimulator, type GatewaySimulator } from '../../sim/gateway/server';
import { showSignal } from '../fixtures/checkoutPageWorkflow';
import {
  inAnHour,
  pageView,
  startCheckoutPageStack,
  type CheckoutPageStack,
} from '../helpers/checkoutPageStack';
import { authorizationRequest } from '../helpers/providerCommands';
import { eventually } from '../helpers/temporal';

/**
 * The hosted payment page against a real Temporal dev server: a small test workflow answers the page's query
 * as the order's payment workflow does; the gateway simulator's card form is real; a customer pays over HTTP.
 */
describe('hosted payment page', () => {
  const key = 'checkout-page-key-for-the-tests-0001';
  let stack: CheckoutPageStack;
  let settle: RunningServer;
  let sim: GatewaySimulator;
  let gateway: RunningServer;
  const logged = () => stack.logged;

  beforeAll(async () => {
    stack = await startCheckoutPageStack(key, 'http://placeholder');
    settle = stack.settle;
    sim = createGatewaySimulator({ apiKey: 'key-12345678', webhookSecret: 'hook-secret-1' });
    gateway = await listen(sim.app, 0);
  }, 120_000);
  afterAll(async () => {
    sim?.stop();
    await gateway?.close();
    await stack?.stop();
  });

  const view = (fields: Partial<CheckoutPageView> = {}) => pageView({ expiresAt: inAnHour(), ...fields });
  const order = (shown: CheckoutPageView | undefined) => stack.order(shown);
  const get = (path: string) => fetch(`${settle.url}${path}`, { redirect: 'manual' });

  it('refuses a link Settle did not make with 404, logged once, and asks Temporal nothing', async () => {
    logged().length = 0;
    const forged = signCheckoutToken('order:test:none', inAnHour(), 'another-key-entirely-0000000000');
    const answer = await get(`/pay/${forged}`);
    expect(answer.status).toBe(404);
    expect(await answer.text()).toContain('This payment link is not valid.');
    expect(logged().filter((line) => line.message.startsWith('payment page link refused'))).toHaveLength(1);
    expect(JSON.stringify(logged())).not.toContain(forged);
  });

  it('answers 410 for an expired link, and 404 for an order that has no checkout', async () => {
    const expired = signCheckoutToken('order:test:late', new Date(Date.now() - 1000).toISOString(), key);
    expect((await get(`/pay/${expired}`)).status).toBe(410);
    const unknown = signCheckoutToken(`order:test:${randomUUID()}`, inAnHour(), key);
    expect((await get(`/pay/${unknown}`)).status).toBe(404);
    const { token } = await order(undefined);
    expect((await get(`/pay/${token}`)).status).toBe(404);
  });

  it('shows the order and refreshes itself while preparing, with the security headers', async () => {
    const { token } = await order(view());
    const answer = await get(`/pay/${token}`);
    expect(answer.status).toBe(200);
    const page = await answer.text();
    expect(page).toContain('DE--1001');
    expect(page).toContain('49.90 EUR');
    expect(page).toContain(`<meta http-equiv="refresh" content="1;url=/pay/${token}" />`);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
    expect(answer.headers.get('content-security-policy')).toMatch(
      /default-src 'none'.*frame-ancestors 'none'/,
    );
  });

  it('shows each provider component with only the origins it needs, and its state without the session', async () => {
    const stripe = await order(
      view({
        state: 'open',
        provider: 'stripe',
        session: { kind: 'stripe', clientSecret: 'pi_123_secret_456', publishableKey: 'pk_test_123' },
      }),
    );
    const stripePage = await get(`/pay/${stripe.token}`);
    const stripeHtml = await stripePage.text();
    expect(stripeHtml).toContain('<script src="https://js.stripe.com/v3/"></script>');
    expect(stripeHtml).toContain('"clientSecret":"pi_123_secret_456"');
    expect(stripeHtml).toContain(`"returnUrl":"http://placeholder/pay/${stripe.token}/return"`);
    const stripeCsp = stripePage.headers.get('content-security-policy')!;
    expect(stripeCsp).toContain('https://js.stripe.com');
    expect(stripeCsp).not.toContain('adyen');
    const state = (await (await get(`/pay/${stripe.token}/state`)).json()) as Record<string, unknown>;
    expect(state).toEqual({
      orderReference: 'DE--1001',
      amountMinor: 4990,
      currency: 'EUR',
      provider: 'stripe',
      state: 'open',
      expiresAt: expect.any(String),
    });

    const adyen = await order(
      view({
        state: 'open',
        provider: 'adyen',
        session: {
          kind: 'adyen',
          sessionId: 'CS1234',
          sessionData: 'Ab02b4c0</script>',
          clientKey: 'test_ABC',
          environment: 'test',
        },
      }),
    );
    const adyenPage = await get(`/pay/${adyen.token}`);
    const adyenHtml = await adyenPage.text();
    expect(adyenHtml).toContain('https://checkoutshopper-test.adyen.com/checkoutshopper/sdk/');
    expect(adyenHtml).toContain('"sessionData":"Ab02b4c0\\u003c/script\\u003e"');
    expect(adyenPage.headers.get('content-security-policy')).not.toContain('stripe');
  });

  it('sends the customer from the card form back to confirming, then to the shop once Settle knows', async () => {
    const { handle, token } = await order(view());
    const provider = new GatewayProvider({
      baseUrl: gateway.url,
      apiKey: 'key-12345678',
      webhookSecret: 'hook-secret-1',
    });
    const request = authorizationRequest({ mode: 'page', returnUrl: `${settle.url}/pay/${token}/return` });
    const opened = await provider.authorize(request);
    await handle.signal(showSignal, view({ state: 'open', session: opened.session }));
    const journey = payOnPage(`${settle.url}/pay/${token}`, {
      choice: 'challenge-pass',
      stopAt: (url) => url.startsWith('https://shop.example/'),
    });
    // What the order learns from the provider's webhook (the core's part), once the customer has paid.
    const authorized = await eventually(async () => {
      const found = await provider.findAuthorization(request);
      return found?.outcome === 'settled' ? found : undefined;
    });
    const confirming = await (await get(`/pay/${token}/return?redirect_status=succeeded`)).text();
    expect(confirming).toContain('Confirming your payment');
    await handle.signal(showSignal, view({ state: 'authorized' }));
    const { finalUrl, visited } = await journey;
    expect(finalUrl).toBe('https://shop.example/success');
    expect(visited.filter((url) => url.endsWith(`/pay/${token}/return`)).length).toBeGreaterThanOrEqual(1);
    expect(authorized.transactionId).toMatch(/^auth_/);
    const failed = await order(view({ state: 'failed', reason: 'card_declined' }));
    const back = await get(`/pay/${failed.token}/return`);
    expect([back.status, back.headers.get('location')]).toEqual([303, 'https://shop.example/cancel']);
  });
});
