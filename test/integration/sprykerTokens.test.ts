import express from 'express';
import { listen, type RunningServer } from '../../config/server';
import type { Stack } from '../../scripts/stack';
import { dummyTokenProvider, type DummyTokenProvider } from '../../sim/spryker/accessToken';
import { createBusClient } from '../../sim/spryker/bus';
import { commandAttributes, serializeMessage } from '../../sim/spryker/messageBroker';
import { OMS_STATES as S } from '../../sim/spryker/oms';
import { createSprykerShopSimulator, type SprykerShopSimulator } from '../../sim/spryker/server';
import { readMetrics } from '../helpers/metrics';
import { eventsOf, placeThreeItems, reachStates } from '../helpers/sprykerShop';
import { noBusErrors, onboardSprykerShop } from '../helpers/sprykerTenants';
import { startTestStack } from '../helpers/stacks';
import { eventually } from '../helpers/temporal';

/**
 * Shops that authenticate as a real Spryker shop does: RS256 access tokens of its token provider (signed as
 * spryker/oauth-dummy signs: no kid, float iat/exp, one audience per kind of call), checked by Settle against
 * a JWKS served by a real local HTTP server, which rotates to a new key. The tenants have no static token, so
 * every call of theirs that succeeds was let in by its access token.
 */
describe('the Spryker door with access tokens (dev server)', () => {
  let stack: Stack;
  let jwksServer: RunningServer;
  /** The keys the JWKS serves; a test rotates them. */
  let served: Record<string, unknown>[] = [];
  const shopKey: DummyTokenProvider = dummyTokenProvider();
  const shops: { sim: SprykerShopSimulator; server: RunningServer }[] = [];
  let shop: SprykerShopSimulator;
  let legacyShop: SprykerShopSimulator;

  beforeAll(async () => {
    const jwks = express();
    jwks.get('/.well-known/jwks.json', (_req, res) => void res.json({ keys: served }));
    jwksServer = await listen(jwks, 0);
    served = [shopKey.jwk];
    ({ stack } = await startTestStack({
      env: {
        SPRYKER_CHECKOUT_WAIT: '3s',
        SPRYKER_TENANTS: 'static-shop=static-shop-token-0001',
        SPRYKER_JWKS_URL: `${jwksServer.url}/.well-known/jwks.json`,
        SPRYKER_JWKS_REFRESH: '1s',
      },
    }));
    for (const [tenant, legacyRefunds] of [
      ['jwt-shop', false],
      ['legacy-shop', true],
    ] as const) {
      const sim = createSprykerShopSimulator({
        settleUrl: stack.api.url,
        tenant,
        token: shopKey,
        mode: 'event',
        legacyRefunds,
        pollIntervalMs: 0,
      });
      shops.push({ sim, server: await listen(sim.app, 0) });
      await onboardSprykerShop(sim, { settleUrl: stack.api.url, tenant, token: shopKey });
    }
    [shop, legacyShop] = shops.map((running) => running.sim) as [SprykerShopSimulator, SprykerShopSimulator];
  });
  afterAll(async () => {
    for (const running of shops) {
      await running.sim.stop();
      await running.server.close();
    }
    await stack?.stop();
    await jwksServer?.close();
  });

  const reach = reachStates;
  /** Places the order and waits until the shop has it authorized. */
  const place = async (sim: SprykerShopSimulator, orderReference: string) => {
    const order = await placeThreeItems(sim, orderReference);
    const [a, b, c] = order.items.map((item) => item.id) as [number, number, number];
    await reach(sim, orderReference, { [a]: S.authorized, [b]: S.authorized, [c]: S.authorized });
    return [a, b, c] as const;
  };
  /** The claims of a JWT, unverified (what the shop sent). */
  const claimsOf = (authorization: string) =>
    JSON.parse(Buffer.from(authorization.replace('Bearer ', '').split('.')[1]!, 'base64url').toString()) as {
      aud: string;
      exp: number;
    };
  const busAs = (tenant: string, token: string) =>
    createBusClient({ settleUrl: stack.api.url, tenant, token: { token: () => token } });
  const money = { currencyIsoCode: 'EUR' };

  it("carries an order's checkout, capture, partial refund and cancel on access tokens alone", async () => {
    const [a, b, c] = await place(shop, 'DE--JWT-1');
    expect((await shop.operate('DE--JWT-1', 'capture', [a, b])).ok).toBe(true);
    await reach(shop, 'DE--JWT-1', { [a]: S.captured, [b]: S.captured });
    expect((await shop.operate('DE--JWT-1', 'refund', [a])).ok).toBe(true);
    await reach(shop, 'DE--JWT-1', { [a]: S.refundSucceeded });
    expect((await shop.operate('DE--JWT-1', 'cancel', [c])).ok).toBe(true);
    const order = await reach(shop, 'DE--JWT-1', {
      [a]: S.refundSucceeded,
      [b]: S.captured,
      [c]: S.cancelled,
    });
    expect(eventsOf(order)).toEqual([
      {
        name: 'PaymentAuthorized',
        orderReference: 'DE--JWT-1',
        ...money,
        orderItemIds: [a, b, c],
        amount: 7000,
      },
      { name: 'PaymentCaptured', orderReference: 'DE--JWT-1', ...money, orderItemIds: [a, b], amount: 5500 },
      { name: 'PaymentRefunded', orderReference: 'DE--JWT-1', ...money, orderItemIds: [a], amount: -3000 },
      { name: 'PaymentCanceled', orderReference: 'DE--JWT-1', ...money, orderItemIds: [c], amount: 7000 },
    ]);
    // Checkout went out with a token for the payment app's audience, each command with one of its own for
    // the bus's.
    const sent = shop.journal.sent.filter((record) => record.body.includes('DE--JWT-1'));
    const authorizations = sent.map(
      (record) => record.headers.authorization ?? record.headers.Authorization!,
    );
    expect(sent.map((record) => [record.target, record.status])).toEqual([
      ['private/initialize-payment', 200],
      ['payment-commands', 200],
      ['payment-commands', 200],
      ['payment-commands', 200],
    ]);
    expect(authorizations.map((authorization) => claimsOf(authorization).aud)).toEqual([
      'aop-app',
      'aop-event-platform',
      'aop-event-platform',
      'aop-event-platform',
    ]);
    expect(new Set(authorizations).size).toBe(4);
  });

  it('refuses tokens for another audience, expired, signed by another key or for another tenant: 401 with the reason', async () => {
    const bus = 'aop-event-platform';
    const dayAndMore = (seconds: number) => Date.now() - (86_400 + seconds) * 1000;
    const cases: [string, string, RegExp][] = [
      [
        'the checkout audience on the bus',
        shopKey.sign({ audience: 'aop-app' }),
        /not for the audience "aop-event-platform"/,
      ],
      [
        'expired past the clock skew',
        shopKey.sign({ audience: bus, issuedAtMs: dayAndMore(120) }),
        /the token has expired/,
      ],
      ['signed by another key', dummyTokenProvider().sign({ audience: bus }), /not signed by a trusted key/],
      [
        "another tenant's claim",
        shopKey.sign({ audience: bus, extraClaims: { tenant_identifier: 'static-shop' } }),
        /"tenant_identifier" claim names another tenant/,
      ],
    ];
    const failures = async () =>
      (await readMetrics(stack.api.url)).value('settle_api_auth_failures_total', {
        gate: '/spryker/<channel>',
      });
    const before = await failures();
    for (const [what, token, reason] of cases) {
      const answer = await busAs('jwt-shop', token).fetchMessages('payment-events', 10);
      expect({ what, status: answer.status }).toEqual({ what, status: 401 });
      expect({ what, error: (answer.body as { error: string }).error }).toEqual({
        what,
        error: expect.stringMatching(reason),
      });
    }
    // Counted by the throttle of failed authentications, as every refusal of a credential.
    expect((await failures()) - before).toBe(cases.length);
    // Expired within the clock skew (60 s), its own tenant's claim: let in. A static token still serves.
    const lenient = [
      busAs('jwt-shop', shopKey.sign({ audience: bus, issuedAtMs: dayAndMore(20) })),
      busAs('jwt-shop', shopKey.sign({ audience: bus, extraClaims: { tenant_identifier: 'jwt-shop' } })),
      busAs('static-shop', 'static-shop-token-0001'),
    ];
    for (const client of lenient) expect((await client.fetchMessages('payment-events', 10)).status).toBe(200);
  });

  it("follows the JWKS's key rotation: a new kid is fetched, and kid-less tokens are tried with each key", async () => {
    const rotated = dummyTokenProvider({ kid: 'key-2' });
    const withNewKey = busAs('jwt-shop', rotated.sign({ audience: 'aop-event-platform' }));
    served = [shopKey.jwk, rotated.jwk];
    // Settle fetches the set again for the kid it lacks (at most once a second, SPRYKER_JWKS_REFRESH).
    await eventually(
      async () => ((await withNewKey.fetchMessages('payment-events', 10)).status === 200 ? true : undefined),
      30_000,
      'the rotated key accepted',
    );
    // The shop's kid-less tokens now match two keys: the one that verifies is found.
    const [a] = await place(shop, 'DE--JWT-ROTATED');
    expect((await shop.operate('DE--JWT-ROTATED', 'capture', [a])).ok).toBe(true);
    await reach(shop, 'DE--JWT-ROTATED', { [a]: S.captured });
  });

  it('takes a capture the money does not allow and answers it with PaymentCaptureFailed', async () => {
    const [a, b, c] = await place(shop, 'DE--JWT-TOO-MUCH');
    // Another sender captures the whole authorization first (the shop does not know of it).
    const whole = serializeMessage({
      orderReference: 'DE--JWT-TOO-MUCH',
      orderItemIds: [b, c],
      amount: 7000,
      currencyIsoCode: 'EUR',
      messageAttributes: commandAttributes('CapturePayment', 'jwt-shop', shopKey.token('bus')),
    });
    const first = await createBusClient({
      settleUrl: stack.api.url,
      tenant: 'jwt-shop',
      token: shopKey,
    }).send('payment-commands', whole);
    expect(first.status).toBe(200);
    // Nothing is left to capture: accepted on the bus all the same, then failed.
    const operated = await shop.operate('DE--JWT-TOO-MUCH', 'capture', [a]);
    expect(operated.ok).toBe(true);
    expect(operated.ok && operated.sent?.status).toBe(200);
    expect(operated.ok && operated.sent?.answer).toEqual({ MessageId: expect.any(String) });
    await reach(shop, 'DE--JWT-TOO-MUCH', { [a]: S.captureFailed });
    // The back office retries it (a new send of the same command): failed again, and told so again.
    const retried = await shop.operate('DE--JWT-TOO-MUCH', 'capture', [a]);
    expect(retried.ok && retried.sent?.status).toBe(200);
    const order = await reach(shop, 'DE--JWT-TOO-MUCH', { [a]: S.captureFailed });
    const failed = {
      name: 'PaymentCaptureFailed',
      orderReference: 'DE--JWT-TOO-MUCH',
      ...money,
      orderItemIds: [a],
      amount: 3500,
    };
    await eventually(async () => {
      await shop.pollOnce();
      return eventsOf(order).filter((event) => event.name === 'PaymentCaptureFailed').length === 2
        ? true
        : undefined;
    });
    expect(eventsOf(order).filter((event) => event.name === 'PaymentCaptureFailed')).toEqual([
      failed,
      failed,
    ]);
  });

  it('serves a refund as sales-payment 1.7.0 sends it: orderItemIds only', async () => {
    const [a, b, c] = await place(legacyShop, 'DE--LEGACY-1');
    expect((await legacyShop.operate('DE--LEGACY-1', 'capture', [a, b, c])).ok).toBe(true);
    await reach(legacyShop, 'DE--LEGACY-1', { [a]: S.captured, [b]: S.captured, [c]: S.captured });
    const refunded = await legacyShop.operate('DE--LEGACY-1', 'refund', [b]);
    expect(refunded.ok).toBe(true);
    const sentBody = JSON.parse(refunded.ok ? refunded.sent!.body : '{}') as Record<string, unknown>;
    expect(sentBody).toEqual({
      orderReference: 'DE--LEGACY-1',
      orderItemIds: [b],
      currencyIsoCode: 'EUR',
      amount: -2000,
    });
    const order = await reach(legacyShop, 'DE--LEGACY-1', { [b]: S.refundSucceeded });
    expect(eventsOf(order).at(-1)).toEqual({
      name: 'PaymentRefunded',
      orderReference: 'DE--LEGACY-1',
      ...money,
      orderItemIds: [b],
      amount: -2000,
    });
  });

  it("answered every fetch and acknowledgement of the shops' workers 2xx: no worker run ended early", () => {
    noBusErrors(shop);
    noBusErrors(legacyShop);
  });
});
