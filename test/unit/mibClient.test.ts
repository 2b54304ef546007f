import express from 'express';
import { listen, type RunningServer } from '../../config/server';
import { requestAccessToken } from '../../oms/mib/accessToken';
import { createMibClient, MibClient, MibRejectedError, MibUnavailableError } from '../../oms/mib/client';
import { createMibSimulator, type MibSimulator } from '../../sim/mib/server';
import { loadSettleConfig } from '../../oms';

/** The MIB client against the MIB simulator over HTTP: token life, and which failures may be retried. */
describe('MibClient', () => {
  let sim: MibSimulator;
  let server: RunningServer;
  beforeAll(async () => {
    sim = createMibSimulator({ clientId: 'client-1', clientSecret: 'secret-123', tokenTtlSeconds: 20 });
    server = await listen(sim.app, 0);
  });
  afterAll(() => server.close());

  const client = (options: Partial<ConstructorParameters<typeof MibClient>[0]> = {}) =>
    new MibClient({
      baseUrl: server.url,
      tokenUrl: `${server.url}/oauth/token`,
      clientId: 'client-1',
      clientSecret: 'secret-123',
      endpointName: 'custom-payment',
      // The simulator speaks plain http.
      allowPlainHttp: true,
      ...options,
    });
  const notification = (id: string) => ({
    id,
    method: 'magento.payments.payments_management.notify_refunded',
    params: { payment: { reference: 'R' } },
  });

  it('refuses a plain-http token URL unless MIB_ALLOW_PLAIN_HTTP allows it, and sends nothing there', async () => {
    const refusal =
      `invalid configuration:\n  MIB_TOKEN_URL ${server.url}/oauth/token is plain http, which would send ` +
      'the client secret unencrypted: use https, or set MIB_ALLOW_PLAIN_HTTP=true for a local MIB simulator';
    const before = sim.stats.tokensIssued;
    expect(() => client({ allowPlainHttp: false })).toThrow(refusal);
    expect(() => client({ allowPlainHttp: undefined })).toThrow(refusal);
    // The token request on its own refuses too, before any connection.
    await expect(
      requestAccessToken({
        tokenUrl: `${server.url}/oauth/token`,
        clientId: 'client-1',
        clientSecret: 'secret-123',
      }),
    ).rejects.toThrow(/is plain http, .*MIB_ALLOW_PLAIN_HTTP=true/);
    expect(sim.stats.tokensIssued).toBe(before);

    // From the configuration: off by default, on only when set; https needs nothing.
    const settings = {
      MOM_CLIENT: 'client-1',
      SERVICE_BUS_SECRET: 'secret-123',
      MIB_INTAKE_SECRET: 'intake-secret',
      MIB_BASE_URL: server.url,
      MIB_TOKEN_URL: `${server.url}/oauth/token`,
    };
    const mibConfig = (env: Record<string, string>) =>
      loadSettleConfig({ ...settings, ...env }, { owners: ['mib'] });
    expect(mibConfig({}).MIB_ALLOW_PLAIN_HTTP).toBe(false);
    expect(() => createMibClient(mibConfig({}))).toThrow(refusal);
    await createMibClient(mibConfig({ MIB_ALLOW_PLAIN_HTTP: 'true' })).notify(notification('h-1'));
    expect(sim.stats.tokensIssued).toBe(before + 1);
    expect(() =>
      createMibClient(mibConfig({ MIB_TOKEN_URL: 'https://mib.example/oauth/token' })),
    ).not.toThrow();
    expect(() => mibConfig({ MIB_ALLOW_PLAIN_HTTP: 'yes' })).toThrow(
      /service_bus\.allow_plain_http \(MIB_ALLOW_PLAIN_HTTP\): must be true or false/,
    );
  });

  it('builds the registration and delegate URLs from base, client id and endpoint name', () => {
    const mib = client({ baseUrl: 'https://mib.example/' });
    expect(mib.registrationUrl).toBe('https://mib.example/client-1/');
    expect(mib.delegateUrl).toBe('https://mib.example/client-1/delegate/custom-payment');
  });

  it('registers an endpoint at <base>/<client_id>/ with the same token', async () => {
    const mib = client({ refreshMarginMs: 0 });
    const before = sim.stats.tokensIssued;
    await mib.notify(notification('g-1'));
    const registration = { id: 'custom-payment', url: 'https://settle.example/mib', contracts: ['c'] };
    await mib.register(registration, 'reg-1');
    expect(sim.registrations.at(-1)).toEqual({ ...registration, receivedAt: expect.any(String) });
    expect(sim.stats.tokensIssued - before).toBe(1);
  });

  it('keeps its token across calls until the refresh margin before expiry', async () => {
    const before = sim.stats.tokensIssued;
    const relaxed = client({ refreshMarginMs: 0 });
    for (const id of ['k-1', 'k-2', 'k-3']) await relaxed.notify(notification(id));
    expect(sim.stats.tokensIssued - before).toBe(1);
    // The simulator's tokens live 20 s; with a 30 s margin every call needs a fresh one.
    const eager = client({ refreshMarginMs: 30_000 });
    await eager.notify(notification('t-1'));
    await eager.notify(notification('t-2'));
    expect(sim.stats.tokensIssued - before).toBe(3);
  });

  it('shares one token request between concurrent notifications', async () => {
    const before = sim.stats.tokensIssued;
    const shared = client({ refreshMarginMs: 0 });
    await Promise.all(['c-1', 'c-2', 'c-3'].map((id) => shared.notify(notification(id))));
    expect(sim.stats.tokensIssued - before).toBe(1);
  });

  it('refreshes a token MIB no longer honours exactly once, and sends the call once more', async () => {
    const mib = client({ refreshMarginMs: 0 });
    await mib.notify(notification('r-1'));
    const [issued, refused] = [sim.stats.tokensIssued, sim.stats.tokensRefused];
    await fetch(`${server.url}/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ revokeTokens: true }),
    });
    await mib.notify(notification('r-2'));
    expect(sim.stats.tokensIssued - issued).toBe(1);
    expect(sim.stats.tokensRefused - refused).toBe(1);
    expect(sim.notifications.filter((n) => n.id === 'r-2')).toHaveLength(1);
    // The fresh token is cached again.
    await mib.notify(notification('r-3'));
    expect(sim.stats.tokensIssued - issued).toBe(1);
  });

  it('gives up after one refresh when MIB still answers 401, leaving the call retryable', async () => {
    const mib = client({ refreshMarginMs: 0 });
    await mib.notify(notification('a-1'));
    const issued = sim.stats.tokensIssued;
    Object.assign(sim.faults, { failNext: 3, failStatus: 401 });
    try {
      await expect(mib.notify(notification('a-2'))).rejects.toBeInstanceOf(MibUnavailableError);
      // Two attempts, one new token: the third injected 401 is still waiting.
      expect(sim.faults.failNext).toBe(1);
      expect(sim.stats.tokensIssued - issued).toBe(1);
    } finally {
      sim.faults.failNext = 0;
    }
  });

  it('sends client credentials form-encoded in HTTP Basic, as RFC 6749 asks', async () => {
    const odd = createMibSimulator({ clientId: 'client:1', clientSecret: 'a secret+with %:signs' });
    const oddServer = await listen(odd.app, 0);
    try {
      const mib = client({
        baseUrl: oddServer.url,
        tokenUrl: `${oddServer.url}/oauth/token`,
        clientId: 'client:1',
        clientSecret: 'a secret+with %:signs',
      });
      await mib.notify(notification('b-1'));
      expect(odd.notifications.map((n) => n.id)).toEqual(['b-1']);
    } finally {
      await oddServer.close();
    }
  });

  it('keeps a notification retryable while the client credentials are refused, naming the settings', async () => {
    const error = await client({ clientSecret: 'wrong-secret' })
      .notify(notification('w-1'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MibUnavailableError);
    expect((error as Error).message).toMatch(
      /refused the client credentials \(HTTP 401\): check MOM_CLIENT and SERVICE_BUS_SECRET/,
    );
    expect((error as Error).message).not.toContain('wrong-secret');
  });

  it('treats an unknown method as a rejection (JSON-RPC -32601)', async () => {
    const error = await client()
      .notify({ ...notification('m-1'), method: 'magento.payments.payments_management.notify_exploded' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MibRejectedError);
    expect((error as Error).message).toMatch(/-32601/);
  });

  it('keeps a notification retryable on 5xx, 429, and 403 or 404 (a wrong client or endpoint)', async () => {
    for (const failStatus of [500, 503, 429, 403, 404]) {
      Object.assign(sim.faults, { failNext: 1, failStatus });
      await expect(client().notify(notification(`f-${failStatus}`))).rejects.toBeInstanceOf(
        MibUnavailableError,
      );
    }
  });

  it('treats another 4xx as a rejection that retrying cannot mend', async () => {
    for (const failStatus of [400, 409, 422]) {
      Object.assign(sim.faults, { failNext: 1, failStatus });
      const error = await client()
        .notify(notification(`x-${failStatus}`))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MibRejectedError);
      expect((error as MibRejectedError).status).toBe(failStatus);
    }
  });

  it('keeps a notification retryable while the token endpoint is down or answers nonsense', async () => {
    const app = express();
    let answer: (res: express.Response) => void = () => {};
    app.post('/oauth/token', (_req, res) => answer(res));
    const broken = await listen(app, 0);
    const viaBroken = client({ tokenUrl: `${broken.url}/oauth/token` });
    try {
      const cases: [(res: express.Response) => void, RegExp][] = [
        [(res) => res.status(503).send('maintenance'), /answered HTTP 503: check MIB_TOKEN_URL/],
        [(res) => res.status(404).json({}), /answered HTTP 404: check MIB_TOKEN_URL/],
        [(res) => res.type('html').send('<html></html>'), /without a usable access token/],
        [(res) => res.json({ token_type: 'Bearer' }), /without a usable access token/],
      ];
      for (const [reply, message] of cases) {
        answer = reply;
        const error = await viaBroken.notify(notification('d-1')).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MibUnavailableError);
        expect((error as Error).message).toMatch(message);
      }
    } finally {
      await broken.close();
    }
    const error = await viaBroken.notify(notification('d-2')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MibUnavailableError);
    expect((error as Error).message).toMatch(/token endpoint .* not reachable: .*check MIB_TOKEN_URL/);
    expect(sim.notifications.filter((n) => String(n.id).startsWith('d-'))).toEqual([]);
  });

  it('does not take a 200 that is not a JSON-RPC result for the notification as delivered', async () => {
    const app = express();
    app.post('/oauth/token', (_req, res) =>
      res.json({ access_token: 't', token_type: 'Bearer', expires_in: 3600 }),
    );
    let answer: (res: express.Response) => void = () => {};
    app.post('/client-1/delegate/custom-payment', (_req, res) => answer(res));
    const proxy = await listen(app, 0);
    try {
      const behindProxy = client({ baseUrl: proxy.url, tokenUrl: `${proxy.url}/oauth/token` });
      for (const reply of [
        (res: express.Response) => res.type('html').send('<html>Please log in</html>'),
        (res: express.Response) => res.status(200).end(),
        (res: express.Response) => res.json({ jsonrpc: '2.0', id: 'someone-else', result: {} }),
      ]) {
        answer = reply;
        await expect(behindProxy.notify(notification('p-1'))).rejects.toBeInstanceOf(MibUnavailableError);
      }
      answer = (res) => res.json({ jsonrpc: '2.0', id: 'p-1', result: {} });
      await expect(behindProxy.notify(notification('p-1'))).resolves.toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  it('treats a refused connection as an outage', async () => {
    const unreachable = client({ baseUrl: 'http://127.0.0.1:1', tokenUrl: 'http://127.0.0.1:1/oauth/token' });
    await expect(unreachable.notify(notification('u-1'))).rejects.toBeInstanceOf(MibUnavailableError);
  });
});
