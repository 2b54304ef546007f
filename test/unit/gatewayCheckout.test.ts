import express from 'express';
import { listen, type RunningServer } from '../../config/server';
import { GatewayProvider } from '../../providers/gateway';
import type { ProviderEvent } from '../../providers/types';
import { payOnPage, type CustomerChoice } from '../../sim/customer';
import { createGatewaySimulator, type GatewaySimulator } from '../../sim/gateway/server';
import { authorizationRequest } from '../helpers/providerCommands';
import { collectWebhooks } from '../helpers/checkoutPageStack';
import { eventually } from '../helpers/temporal';

/**
 * The gateway's checkout sessions in page mode, against the real simulator over HTTP: the adapter opens a
 * session, a customer pays on the hosted card form (plain HTTP, sim/customer.ts), the gateway's webhook
 * reaches a real HTTP endpoint, and the adapter reads both.
 */
describe('gateway checkout sessions (page mode)', () => {
  const apiKey = 'key-12345678';
  const webhookSecret = 'hook-secret-1';
  let sim: GatewaySimulator;
  let gateway: RunningServer;
  let shop: RunningServer;
  let provider: GatewayProvider;
  const events: ProviderEvent[] = [];

  beforeAll(async () => {
    provider = new GatewayProvider({ baseUrl: 'http://unused', apiKey, webhookSecret });
    // Settle's webhook endpoint and the page the gateway sends the customer back to.
    const app = express();
    collectWebhooks(app, '/webhooks/gateway', () => provider, events);
    app.get('/pay/:token/return', (_req, res) => res.type('html').send('<p>confirming…</p>'));
    shop = await listen(app, 0);
    sim = createGatewaySimulator({
      apiKey,
      webhookSecret,
      control: { webhookUrl: `${shop.url}/webhooks/gateway` },
    });
    gateway = await listen(sim.app, 0);
    provider = new GatewayProvider({ baseUrl: gateway.url, apiKey, webhookSecret });
  });
  afterAll(async () => {
    sim.stop();
    await gateway.close();
    await shop.close();
  });

  const pageRequest = () =>
    authorizationRequest({
      mode: 'page',
      returnUrl: `${shop.url}/pay/token-1/return`,
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
    });

  it('opens a session on the hosted form instead of authorizing, once per idempotency key', async () => {
    const request = pageRequest();
    const opened = await provider.authorize(request);
    expect(opened).toEqual({
      outcome: 'pending',
      transactionId: expect.stringMatching(/^cs_[0-9a-f]{32}$/),
      status: 'awaiting_customer',
      redirectUrl: `${gateway.url}/checkout/${opened.transactionId}`,
      session: { kind: 'gateway', formUrl: `${gateway.url}/checkout/${opened.transactionId}` },
    });
    expect(await provider.authorize(request)).toEqual(opened);
    expect(sim.authorizations.size).toBe(0);
    expect(await provider.findAuthorization(request)).toEqual(opened);
    const form = await fetch(opened.session!.kind === 'gateway' ? opened.session!.formUrl : '');
    expect(form.status).toBe(200);
    expect(form.headers.get('cache-control')).toBe('no-store');
    expect(await form.text()).toContain('49.90 EUR');
  });

  it.each<[CustomerChoice, 'settled' | 'declined', string | undefined]>([
    ['pay', 'settled', undefined],
    ['challenge-pass', 'settled', undefined],
    ['challenge-fail', 'declined', 'authentication_failed'],
    ['decline', 'declined', 'card_declined'],
  ])(
    'the customer (%s): the gateway tells Settle by webhook and sends the browser back',
    async (choice, outcome, reason) => {
      const request = pageRequest();
      const opened = await provider.authorize(request);
      const journey = await payOnPage((opened.session as { formUrl: string }).formUrl, { choice });
      expect(journey.finalUrl).toBe(request.returnUrl);
      expect(journey.visited.some((url) => url.endsWith('/challenge'))).toBe(choice.startsWith('challenge'));
      const event = await eventually(async () => events.find((e) => e.workflowId === request.workflowId));
      expect(event).toMatchObject({ outcome, ...(reason ? { reason } : {}) });
      const found = await provider.findAuthorization(request);
      if (outcome === 'settled') {
        expect(found).toEqual({ outcome, transactionId: event.operationId, status: 'authorized' });
        expect(sim.authorizations.get(event.operationId)).toMatchObject({
          amount: 4990,
          currency: 'EUR',
          status: 'authorized',
          metadata: { workflow_id: request.workflowId },
        });
      } else {
        expect(found).toEqual({ outcome, status: 'declined', reason });
      }
    },
  );

  it('leaves the session awaiting the customer when the customer abandons the challenge', async () => {
    const request = pageRequest();
    const opened = await provider.authorize(request);
    const journey = await payOnPage((opened.session as { formUrl: string }).formUrl, {
      choice: 'challenge-abandon',
    });
    expect(journey.finalUrl).toBe(request.returnUrl);
    expect(await provider.findAuthorization(request)).toMatchObject({
      outcome: 'pending',
      status: 'awaiting_customer',
    });
    expect(sim.webhooks.length).toBe(events.length);
  });

  it('refuses a wrong card on the form, naming what is wrong, and acts on nothing', async () => {
    const opened = await provider.authorize(pageRequest());
    const formUrl = (opened.session as { formUrl: string }).formUrl;
    const post = (number: string, expiry = '12/34', cvc = '123') =>
      fetch(formUrl, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ number, expiry, cvc }).toString(),
      });
    const bad = await post('4242 4242 4242 4241');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('The card number is not valid.');
    expect(await (await post('4242424242424242', '13/34')).text()).toContain('MM/YY');
    expect(await (await post('4242424242424242', '12/34', '1')).text()).toContain('CVC');
    expect(sim.checkoutSessions.get(opened.transactionId!)?.status).toBe('open');
  });

  it('ends a session at its expiry: the form answers 410 and the status API says expired', async () => {
    const request = { ...pageRequest(), expiresAt: new Date(Date.now() + 1500).toISOString() };
    const opened = await provider.authorize(request);
    const formUrl = (opened.session as { formUrl: string }).formUrl;
    await eventually(async () => ((await fetch(formUrl)).status === 410 ? true : undefined));
    expect(await provider.findAuthorization(request)).toMatchObject({
      outcome: 'pending',
      status: 'expired',
    });
  });

  it('closes an unpaid session once the page expired, and leaves a paid one as it is', async () => {
    const unpaid = pageRequest();
    const opened = await provider.authorize(unpaid);
    expect(await provider.closeSession(unpaid)).toMatchObject({ outcome: 'pending', status: 'expired' });
    expect(await provider.closeSession(unpaid)).toMatchObject({ outcome: 'pending', status: 'expired' });
    expect((await fetch((opened.session as { formUrl: string }).formUrl)).status).toBe(410);

    const paid = pageRequest();
    const session = await provider.authorize(paid);
    await payOnPage((session.session as { formUrl: string }).formUrl, { choice: 'pay' });
    expect(await provider.closeSession(paid)).toMatchObject({ outcome: 'settled', status: 'authorized' });
    expect(await provider.closeSession(authorizationRequest({ mode: 'page' }))).toBeUndefined();
  });

  it('refuses a session without an amount or with an expiry in the past, naming it', async () => {
    const past = await provider.authorize({ ...pageRequest(), expiresAt: '2020-01-01T00:00:00Z' });
    expect(past).toMatchObject({
      outcome: 'declined',
      reason: expect.stringContaining('expires_at must be in the future'),
    });
    const none = await provider.authorize({ ...pageRequest(), amountMinor: 0 });
    expect(none).toMatchObject({
      outcome: 'declined',
      reason: expect.stringContaining('amount (positive integer'),
    });
  });
});
