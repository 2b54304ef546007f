import { generateKeyPairSync, sign } from 'node:crypto';
import express from 'express';
import { listen, type RunningServer } from '../../config/server';
import { sprykerSettingsOf } from '../../oms/spryker/door';
import { rsaPublicKey, tokenVerifier, type TokenRules } from '../../oms/spryker/tokens';
import { dummyTokenProvider } from '../../sim/spryker/accessToken';

/**
 * The door's access token checks (oms/spryker/tokens.ts) with jose's real verification, against tokens the
 * shop simulator signs as spryker/oauth-dummy does; the keys from a PEM (a dev shop's dev_only_public.key) or
 * a JWKS served by a real HTTP server.
 */
describe('Spryker access tokens', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // From a PEM, as a shop's config/Zed/dev_only_private.key.
  const shop = dummyTokenProvider({
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  const rules = (over: Partial<TokenRules> = {}): TokenRules => ({
    keys: { publicKey: rsaPublicKey(shop.publicKeyPem) },
    audiences: { bus: 'aop-event-platform', checkout: 'aop-app' },
    clockSkewSeconds: 60,
    tenantClaim: 'tenant_identifier',
    ...over,
  });
  const claimsOf = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

  it("takes oauth-dummy's tokens as they are: no kid, no iss, iat and exp with microseconds, aud a string", async () => {
    const token = shop.token('bus');
    const [header] = token.split('.').map((part) => part);
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ typ: 'JWT', alg: 'RS256' });
    const claims = claimsOf(token);
    expect(Object.keys(claims)).toEqual(['sub', 'iat', 'exp', 'aud', 'azp']);
    expect(claims).toMatchObject({
      sub: 'subject',
      aud: 'aop-event-platform',
      azp: 'dev_tenant_oauth_client_id_1',
    });
    expect((claims.exp as number) - (claims.iat as number)).toBeCloseTo(86_400, 3);
    // Seconds with microseconds, as lcobucci/jwt writes them.
    const at = Date.now() + 0.456;
    const precise = claimsOf(shop.sign({ audience: 'aop-event-platform', issuedAtMs: at }));
    expect(precise.iat).toBe(Number((Math.round(at * 1000) / 1e6).toFixed(6)));
    expect(Number.isInteger(precise.iat)).toBe(false);
    const verify = tokenVerifier(rules());
    expect(await verify(token, 'bus')).toMatchObject({ ok: true });
    expect(await verify(shop.sign({ audience: 'aop-event-platform', issuedAtMs: at }), 'bus')).toMatchObject({
      ok: true,
    });
    expect(await verify(shop.token('checkout'), 'checkout')).toMatchObject({ ok: true });
    expect(await verify(shop.token('checkout'), 'bus')).toEqual({
      ok: false,
      refused: 'the token is not for the audience "aop-event-platform"',
    });
  });

  it('checks the issuer when one is configured, and requires exp and RS256', async () => {
    const issuer = 'https://shop-tenant.eu.auth0.com/';
    const verify = tokenVerifier(rules({ issuer }));
    expect(await verify(shop.token('bus'), 'bus')).toEqual({
      ok: false,
      refused: `the token is not issued by "${issuer}"`,
    });
    expect(
      await verify(shop.sign({ audience: 'aop-event-platform', extraClaims: { iss: issuer } }), 'bus'),
    ).toMatchObject({ ok: true });

    // Hand-made tokens: one without exp, one with another algorithm.
    const made = (header: object, claims: object) => {
      const input = [header, claims]
        .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
        .join('.');
      return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    };
    const plain = tokenVerifier(rules());
    expect(await plain(made({ alg: 'RS256' }, { aud: 'aop-event-platform' }), 'bus')).toEqual({
      ok: false,
      refused: 'the token has no valid "exp" claim',
    });
    expect(
      await plain(made({ alg: 'RS512' }, { aud: 'aop-event-platform', exp: Date.now() / 1000 + 60 }), 'bus'),
    ).toEqual({ ok: false, refused: 'the token is not signed with RS256' });
  });

  it('answers "unavailable", not a refusal, while the JWKS cannot be fetched', async () => {
    let up = false;
    const app = express();
    app.get('/jwks', (_req, res) => void (up ? res.json({ keys: [shop.jwk] }) : res.status(500).end()));
    const server: RunningServer = await listen(app, 0);
    try {
      const verify = tokenVerifier(rules({ keys: { jwksUrl: `${server.url}/jwks`, refreshMs: 0 } }));
      const verdict = await verify(shop.token('bus'), 'bus');
      expect(verdict).toEqual({ ok: false, unavailable: expect.stringContaining(`${server.url}/jwks`) });
      up = true;
      expect(await verify(shop.token('bus'), 'bus')).toMatchObject({ ok: true });
    } finally {
      await server.close();
    }
  });

  it('refuses a configuration with both a JWKS URL and a PEM key, and a PEM that is no RSA public key', () => {
    const config = {
      SPRYKER_PAYMENT_METHODS: {},
      SPRYKER_APP_IDENTIFIER: 'settle',
      SPRYKER_CHECKOUT_WAIT: '20s',
      SPRYKER_BUS_AUDIENCE: 'aop-event-platform',
      SPRYKER_APP_AUDIENCE: 'aop-app',
      SPRYKER_JWT_CLOCK_SKEW: '60s',
      SPRYKER_JWKS_REFRESH: '30s',
      SPRYKER_JWT_TENANT_CLAIM: 'tenant_identifier',
    };
    expect(() =>
      sprykerSettingsOf({
        ...config,
        SPRYKER_JWKS_URL: 'https://tenant.example/.well-known/jwks.json',
        SPRYKER_JWT_PUBLIC_KEY: shop.publicKeyPem,
      }),
    ).toThrow(/SPRYKER_JWKS_URL and SPRYKER_JWT_PUBLIC_KEY: set one of them, not both/);
    const settings = sprykerSettingsOf({
      ...config,
      SPRYKER_JWT_PUBLIC_KEY: shop.publicKeyPem.replaceAll('\n', '\\n'),
    });
    expect(settings.tokens).toMatchObject({ clockSkewSeconds: 60, audiences: { bus: 'aop-event-platform' } });
    expect(() => rsaPublicKey('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----')).toThrow();
  });
});
