import { listen, type RunningServer } from '../../config/server';
import { GatewayProvider } from '../../providers/gateway';
import { ProviderRejectedError } from '../../providers/types';
import { createGatewaySimulator, type GatewaySimulator } from '../../sim/gateway/server';
import { capturedAuthorization } from '../helpers/gatewaySetUp';
import { authorizationRequest, providerCommand } from '../helpers/providerCommands';
import { eventually } from '../helpers/temporal';

/** The gateway adapter against the real gateway simulator, over HTTP. */
describe('gateway adapter', () => {
  const apiKey = 'key-12345678';
  let sim: GatewaySimulator;
  let gateway: RunningServer;
  let provider: GatewayProvider;

  beforeAll(async () => {
    sim = createGatewaySimulator({ apiKey, webhookSecret: 'hook-secret-1', control: { mode: 'immediate' } });
    gateway = await listen(sim.app, 0);
    provider = new GatewayProvider({ baseUrl: gateway.url, apiKey, webhookSecret: 'hook-secret-1' });
  });
  afterAll(async () => {
    sim.stop();
    await gateway.close();
  });
  beforeEach(() => {
    Object.assign(sim.control, { failNext: 0, declineNext: 0, loseAnswerNext: 0, down: false });
  });

  const shown = async (id: string) => {
    const response = await fetch(`${gateway.url}/v1/authorizations/${id}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    return (await response.json()) as Record<string, unknown>;
  };
  const keyed = (key: string) => sim.calls.filter((call) => call.idempotencyKey === key);

  it('reads who made an authorization and for how much: the workflow its checkout named', async () => {
    const request = authorizationRequest({ workflowId: 'order:deity:org:shop:prod:O-1', amountMinor: 2500 });
    const { transactionId } = await provider.authorize(request);
    expect(await provider.authorizationRecord(transactionId!)).toEqual({
      createdBy: 'order:deity:org:shop:prod:O-1',
      amountMinor: 2500,
    });
  });

  describe('authorize (checkout)', () => {
    it('holds the amount in a new authorization that names the workflow and the order', async () => {
      const request = authorizationRequest({ amountMinor: 12_345 });
      const result = await provider.authorize(request);
      expect(result).toEqual({
        outcome: 'settled',
        transactionId: expect.stringMatching(/^auth_/),
        status: 'authorized',
        expiresAt: expect.any(String),
      });
      expect(Date.parse(result.expiresAt!)).toBeGreaterThan(Date.now());
      expect(await shown(result.transactionId!)).toMatchObject({
        amount: 12_345,
        currency: 'EUR',
        status: 'authorized',
        metadata: { workflow_id: request.workflowId, order_reference: request.orderReference },
      });
      expect(keyed(request.idempotencyKey)).toEqual([
        { path: '/v1/authorizations', idempotencyKey: request.idempotencyKey, replayed: false },
      ]);
      // The other commands act on it.
      const query = { transactionId: result.transactionId!, amountMinor: 12_345, currency: 'EUR' };
      expect(await provider.inspectAuthorization(query)).toMatchObject({ validity: 'valid' });
      expect(await provider.execute(providerCommand('capture', result.transactionId!, 12_345))).toMatchObject(
        {
          outcome: 'settled',
        },
      );
    });

    it('answers a retry, also after a lost answer, with the same authorization', async () => {
      const request = authorizationRequest();
      sim.control.loseAnswerNext = 1;
      await expect(provider.authorize(request)).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
      const retried = await provider.authorize(request);
      expect(retried).toMatchObject({ outcome: 'settled' });
      expect(await provider.authorize(request)).toEqual(retried);
      expect(keyed(request.idempotencyKey).map((call) => call.replayed)).toEqual([false, true, true]);
      await expect(provider.authorize({ ...request, amountMinor: 1 })).rejects.toThrow(ProviderRejectedError);
    });

    it('declines what the gateway refuses, with its reason, and holds nothing', async () => {
      sim.control.declineNext = 1;
      expect(await provider.authorize(authorizationRequest())).toEqual({
        outcome: 'declined',
        status: 'declined',
        reason: 'card_declined',
      });
      expect(await provider.authorize(authorizationRequest({ amountMinor: 0 }))).toEqual({
        outcome: 'declined',
        status: 'rejected',
        reason: expect.stringMatching(/^gateway refused the request \(HTTP 400\): amount \(positive integer/),
      });
    });

    it.each([
      ['ISK', 5000],
      ['MGA', 5050],
      ['JPY', 500],
      ['KWD', 5125],
      ['CLP', 1500],
      ['CVE', 10_050],
      ['HUF', 1045],
    ])('carries %s in ISO minor units, as the simulator takes them: %d', async (currency, minor) => {
      expect(provider.amountProblem({ minor, currency })).toBeUndefined();
      const result = await provider.authorize(authorizationRequest({ amountMinor: minor, currency }));
      expect(await shown(result.transactionId!)).toMatchObject({ amount: minor, currency });
      const capture = { ...providerCommand('capture', result.transactionId!, minor), currency };
      expect(await provider.execute(capture)).toMatchObject({ outcome: 'settled' });
      expect(await shown(result.transactionId!)).toMatchObject({ captured: minor });
    });

    it('throws, for Temporal to retry with the same key, on 5xx and 429', async () => {
      const request = authorizationRequest();
      for (const status of [503, 500, 429]) {
        Object.assign(sim.control, { failNext: 1, failStatus: status });
        await expect(provider.authorize(request)).rejects.toThrow(`gateway answered HTTP ${status}`);
      }
      expect(keyed(request.idempotencyKey)).toEqual([]); // refused before acting
      expect(await provider.authorize(request)).toMatchObject({ outcome: 'settled' });
    });
  });
  describe('beyond the idempotency key (lookups, a key in flight)', () => {
    afterEach(() => Object.assign(sim.control, { answerDelayMs: 0 }));
    const captured = () => capturedAuthorization(gateway.url, apiKey, 4990);

    it('declares that it keeps a key 24 hours', () => {
      expect(provider.idempotencyKeyRetentionMs).toBe(24 * 3_600_000);
    });

    it('finds a refund whose answer was lost by its workflow id, after the gateway forgot the key', async () => {
      const command = providerCommand('refund', await captured());
      sim.control.loseAnswerNext = 1;
      expect(await provider.execute(command)).toMatchObject({ outcome: 'unknown' });
      sim.expireIdempotencyKeys();
      const found = await provider.fetchStatus(command);
      const [refund] = [...sim.operations.values()].filter(
        (op) => op.metadata.workflow_id === command.workflowId,
      );
      expect(found).toEqual({ outcome: 'settled', operationId: refund!.id, status: 'succeeded' });
      // Another command on the same authorization finds nothing of its own, a capture nothing either.
      expect(
        await provider.fetchStatus({ ...command, workflowId: 'payment:other:refund:0' }),
      ).toBeUndefined();
      expect(await provider.fetchStatus({ ...command, command: 'capture' })).toBeUndefined();
    });

    it('finds a reauthorization by its workflow id, and by its id', async () => {
      const response = await fetch(`${gateway.url}/v1/authorizations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          amount: 4990,
          currency: 'EUR',
          expires_at: new Date(Date.now() - 1000).toISOString(),
        }),
      });
      const expired = String(((await response.json()) as { id: string }).id);
      const command = providerCommand('revalidate', expired);
      const made = await provider.execute(command);
      expect(made).toMatchObject({ outcome: 'settled', authorization: { status: 'authorized' } });
      sim.expireIdempotencyKeys();
      expect(await provider.fetchStatus(command)).toEqual(made);
      expect(await provider.fetchStatus({ ...command, operationId: made.operationId })).toEqual(made);
    });

    it('finds an authorization made at checkout by its workflow id, after the gateway forgot the key', async () => {
      const request = authorizationRequest();
      expect(await provider.findAuthorization(request)).toBeUndefined();
      const made = await provider.authorize(request);
      sim.expireIdempotencyKeys();
      expect(await provider.findAuthorization(request)).toEqual(made);
    });

    it('retries a 409 idempotency_key_in_use, never declines it or stops for a person', async () => {
      const command = providerCommand('refund', await captured());
      sim.control.answerDelayMs = 1500;
      const first = provider.execute(command);
      await eventually(async () => (keyed(command.idempotencyKey).length === 1 ? true : undefined));
      const meanwhile = await provider.execute(command).catch((error: unknown) => error);
      expect(meanwhile).toBeInstanceOf(Error);
      expect(meanwhile).not.toBeInstanceOf(ProviderRejectedError);
      expect((meanwhile as Error).message).toMatch(/still in progress/);
      const answered = await first;
      expect(answered).toMatchObject({ outcome: 'settled' });
      expect(await provider.execute(command)).toEqual(answered);
      // The same key with other parameters still stops for a person.
      await expect(provider.execute({ ...command, amountMinor: 1 })).rejects.toThrow(ProviderRejectedError);
    });

    it('gives up on a request within its timeout and reports the answer as lost', async () => {
      const quick = new GatewayProvider({
        baseUrl: gateway.url,
        apiKey,
        webhookSecret: 'hook-secret-1',
        requestTimeoutMs: 300,
      });
      const command = providerCommand('refund', await captured());
      sim.control.answerDelayMs = 5000;
      expect(await quick.execute(command)).toMatchObject({
        outcome: 'unknown',
        reason: expect.stringMatching(/timeout/),
      });
    });
  });
});
