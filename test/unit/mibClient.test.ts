import express from 'express';
import { listen, type RunningServer } from '../../config/server';
import { MibClient, MibRejectedError, MibUnavailableError } from '../../mib/client';
import { createMibSimulator, type MibSimulator } from '../../sim/mib/server';

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
      ...options,
    });
  const notification = (id: string) => ({
    id,
    method: 'magento.payments.payments_management.notify_refunded',
    params: { payment: { reference: 'R' } },
  });

  it('builds the delegate URL from base, client id and endpoint name', () => {
    expect(client({ baseUrl: 'https://mib.example/' }).delegateUrl).toBe(
      'https://mib.example/client-1/delegate/custom-payment',
    );
  });

  it('fetches a new token before the cached one is within the refresh margin of its expiry', async () => {
    // The simulator's tokens live 20 s; with a 30 s margin every call needs a fresh one, with 0 s none does.
    const before = sim.stats.tokensIssued;
    const eager = client();
    await eager.notify(notification('t-1'));
    await eager.notify(notification('t-2'));
    expect(sim.stats.tokensIssued - before).toBe(2);
    const relaxed = client({ refreshMarginMs: 0 });
    await relaxed.notify(notification('t-3'));
    await relaxed.notify(notification('t-4'));
    expect(sim.stats.tokensIssued - before).toBe(3);
  });

  it('shares one token request between concurrent notifications', async () => {
    const before = sim.stats.tokensIssued;
    const shared = client({ refreshMarginMs: 0 });
    await Promise.all(['c-1', 'c-2', 'c-3'].map((id) => shared.notify(notification(id))));
    expect(sim.stats.tokensIssued - before).toBe(1);
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

  it('keeps a notification retryable while the delegate URL answers 403 or 404 (a wrong client or endpoint)', async () => {
    for (const failStatus of [403, 404]) {
      Object.assign(sim.faults, { failNext: 1, failStatus });
      await expect(client().notify(notification(`f-${failStatus}`))).rejects.toBeInstanceOf(
        MibUnavailableError,
      );
    }
  });

  it('does not take a 200 that is not a JSON-RPC result for the notification as delivered', async () => {
    const app = express();
    app.post('/oauth/token', (_req, res) => res.json({ access_token: 't', expires_in: 3600 }));
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
