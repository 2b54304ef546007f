import express from 'express';
import { listen, type RunningServer } from '../../config/server';
import { verifySignature } from '../../domain/signature';
import { createGatewaySimulator, type GatewaySimulator } from '../../sim/gateway/server';
import { eventually } from '../helpers/temporal';

/** The gateway simulator keeps the documented contract that the adapter and the tests rely on. */
describe('gateway simulator', () => {
  let sim: GatewaySimulator;
  let gateway: RunningServer;
  let receiver: RunningServer;
  const received: { body: Buffer; signature: string | undefined }[] = [];
  let failFirst = 0;

  beforeAll(async () => {
    const app = express();
    app.post('/hook', express.raw({ type: () => true }), (req, res) => {
      received.push({
        body: req.body as Buffer,
        signature: req.headers['gateway-signature'] as string | undefined,
      });
      res.status(failFirst-- > 0 ? 500 : 200).end();
    });
    receiver = await listen(app, 0);
    sim = createGatewaySimulator({
      apiKey: 'key-12345678',
      webhookSecret: 'hook-secret-1',
      control: { webhookUrl: `${receiver.url}/hook` },
    });
    gateway = await listen(sim.app, 0);
  });
  afterAll(async () => {
    sim.stop();
    await gateway.close();
    await receiver.close();
  });

  const post = async (path: string, body: object, key?: string) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer key-12345678',
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('refuses a missing API key and a missing Idempotency-Key', async () => {
    const noKey = await fetch(`${gateway.url}/v1/authorizations`, { method: 'POST' });
    expect(noKey.status).toBe(401);
    expect((await post('/v1/authorizations/a/captures', { amount: 1, currency: 'EUR' })).status).toBe(400);
  });

  it('refuses a capture above the authorized amount and a refund above the captured amount', async () => {
    sim.control.mode = 'immediate';
    const auth = (await post('/v1/authorizations', { amount: 1000, currency: 'EUR' })).body;
    const path = `/v1/authorizations/${auth.id}`;
    expect((await post(`${path}/captures`, { amount: 600, currency: 'EUR' }, 'k1')).body.status).toBe(
      'succeeded',
    );
    const over = await post(`${path}/captures`, { amount: 600, currency: 'EUR' }, 'k2');
    expect(over).toMatchObject({
      status: 402,
      body: { status: 'declined', decline_reason: 'amount_exceeds_authorization' },
    });
    const refund = await post(`${path}/refunds`, { amount: 700, currency: 'EUR' }, 'k3');
    expect(refund.body.decline_reason).toBe('amount_exceeds_captured');
    // Cancelling releases what is not captured; the captured funds can still be refunded.
    const cancel = await post(`${path}/cancellations`, { amount: 400, currency: 'EUR' }, 'k4');
    expect(cancel.body.status).toBe('succeeded');
    const late = await post(`${path}/captures`, { amount: 100, currency: 'EUR' }, 'k5');
    expect(late.body.decline_reason).toBe('authorization_cancelled');
    expect((await post(`${path}/refunds`, { amount: 600, currency: 'EUR' }, 'k6')).body.status).toBe(
      'succeeded',
    );
    const whole = (await post('/v1/authorizations', { amount: 500, currency: 'EUR' })).body;
    await post(`/v1/authorizations/${whole.id}/captures`, { amount: 500, currency: 'EUR' }, 'k7');
    const tooLate = await post(
      `/v1/authorizations/${whole.id}/cancellations`,
      { amount: 0, currency: 'EUR' },
      'k8',
    );
    expect(tooLate.body.decline_reason).toBe('authorization_already_captured');
  });

  it('replays an idempotent request and refuses the key with other parameters', async () => {
    sim.control.mode = 'immediate';
    const first = await post(
      '/v1/authorizations/auth_idem/captures',
      { amount: 100, currency: 'EUR' },
      'idem-1',
    );
    expect(
      await post('/v1/authorizations/auth_idem/captures', { amount: 100, currency: 'EUR' }, 'idem-1'),
    ).toEqual(first);
    const other = await post(
      '/v1/authorizations/auth_idem/captures',
      { amount: 200, currency: 'EUR' },
      'idem-1',
    );
    expect(other).toMatchObject({ status: 409, body: { error: { type: 'idempotency_error' } } });
  });

  it('authorizes at checkout once per Idempotency-Key, declines on declineNext, and keeps set-ups as they were', async () => {
    const body = {
      amount: 2500,
      currency: 'EUR',
      metadata: { workflow_id: 'wf-1', order_reference: 'ORD-1' },
    };
    const first = await post('/v1/authorizations', body, 'checkout-1');
    expect(first).toMatchObject({
      status: 200,
      body: { status: 'authorized', amount: 2500, metadata: body.metadata },
    });
    expect(await post('/v1/authorizations', body, 'checkout-1')).toEqual(first);
    expect(await post('/v1/authorizations', { ...body, amount: 2600 }, 'checkout-1')).toMatchObject({
      status: 409,
      body: { error: { type: 'idempotency_error' } },
    });
    expect(
      sim.calls.filter((call) => call.idempotencyKey === 'checkout-1').map((call) => call.replayed),
    ).toEqual([false, true, true]);

    sim.control.declineNext = 1;
    // A set-up without a key is never declined, and leaves declineNext to the next keyed request.
    expect((await post('/v1/authorizations', body)).body.status).toBe('authorized');
    const declined = await post('/v1/authorizations', body, 'checkout-2');
    expect(declined).toMatchObject({
      status: 402,
      body: { id: expect.stringMatching(/^auth_/), status: 'declined', decline_reason: 'card_declined' },
    });
    expect(await post('/v1/authorizations', body, 'checkout-2')).toEqual(declined);
    expect(sim.control.declineNext).toBe(0);
    expect((await post('/v1/authorizations', { amount: 0, currency: 'EUR' }, 'checkout-3')).status).toBe(400);
  });

  it('settles a pending operation by a signed webhook, redelivered until acknowledged', async () => {
    Object.assign(sim.control, { mode: 'pending', webhookDelayMs: 10 });
    failFirst = 1;
    const before = received.length;
    const { body } = await post(
      '/v1/authorizations/auth_hook/refunds',
      { amount: 0, currency: 'EUR' },
      'hook-0',
    );
    expect(body.error).toBeDefined(); // amount 0 is invalid
    // A refund needs a capture first.
    sim.control.mode = 'immediate';
    await post('/v1/authorizations/auth_hook/captures', { amount: 500, currency: 'EUR' }, 'hook-1');
    sim.control.mode = 'pending';
    const refund = await post(
      '/v1/authorizations/auth_hook/refunds',
      { amount: 500, currency: 'EUR' },
      'hook-2',
    );
    expect(refund.body.status).toBe('pending');
    await eventually(
      async () => (received.length >= before + 2 ? true : undefined),
      undefined,
      'a redelivered webhook',
    );
    const [failed, delivered] = received.slice(before);
    expect(delivered!.body.equals(failed!.body)).toBe(true); // the same event, redelivered
    const event = JSON.parse(delivered!.body.toString());
    expect(event).toMatchObject({
      type: 'refund.succeeded',
      data: { operation: { id: refund.body.id, status: 'succeeded' } },
    });
    expect(() => verifySignature(delivered!.signature, delivered!.body, 'hook-secret-1')).not.toThrow();
    expect(sim.webhooks.filter((w) => w.operationId === refund.body.id).map((w) => w.status)).toEqual([
      500, 200,
    ]);
  });

  it('holds pending operations against the authorization, as a real gateway would', async () => {
    Object.assign(sim.control, { mode: 'pending', webhookDelayMs: 60_000 });
    const auth = (await post('/v1/authorizations', { amount: 1000, currency: 'EUR' })).body;
    const path = `/v1/authorizations/${auth.id}`;
    expect((await post(`${path}/captures`, { amount: 700, currency: 'EUR' }, 'p1')).body.status).toBe(
      'pending',
    );
    const second = await post(`${path}/captures`, { amount: 400, currency: 'EUR' }, 'p2');
    expect(second.body.decline_reason).toBe('amount_exceeds_authorization');
    const rest = await post(`${path}/captures`, { amount: 300, currency: 'EUR' }, 'p2b');
    expect(rest.body.status).toBe('pending');
    const cancel = await post(`${path}/cancellations`, { amount: 0, currency: 'EUR' }, 'p3');
    expect(cancel.body.decline_reason).toBe('authorization_already_captured');

    const other = (await post('/v1/authorizations', { amount: 1000, currency: 'EUR' })).body;
    const otherPath = `/v1/authorizations/${other.id}`;
    expect((await post(`${otherPath}/cancellations`, { amount: 0, currency: 'EUR' }, 'p4')).body.status).toBe(
      'pending',
    );
    const late = await post(`${otherPath}/captures`, { amount: 100, currency: 'EUR' }, 'p5');
    expect(late.body.decline_reason).toBe('authorization_cancelled');
  });

  it("settles by the authorization's own settlement mode, and holds webhooks until released", async () => {
    Object.assign(sim.control, { mode: 'pending', webhookDelayMs: 10, holdWebhooks: false });
    const instant = (
      await post('/v1/authorizations', { amount: 900, currency: 'EUR', settlement: 'immediate' })
    ).body;
    expect(instant.settlement).toBe('immediate');
    const captured = await post(
      `/v1/authorizations/${instant.id}/captures`,
      { amount: 900, currency: 'EUR' },
      'm1',
    );
    expect(captured.body.status).toBe('succeeded');
    expect(
      (await post('/v1/authorizations', { amount: 1, currency: 'EUR', settlement: 'later' })).status,
    ).toBe(400);

    await post('/_control', { holdWebhooks: true });
    const before = received.length;
    const held = await Promise.all(
      ['h1', 'h2', 'h3'].map((key) =>
        post(`/v1/authorizations/auth_${key}/captures`, { amount: 5, currency: 'EUR' }, key),
      ),
    );
    expect(held.map((answer) => answer.body.status)).toEqual(['pending', 'pending', 'pending']);
    await new Promise((done) => setTimeout(done, 100));
    expect(sim.heldCount()).toBe(3);
    expect(received.length).toBe(before); // nothing settles while held

    expect((await post('/_control', { holdWebhooks: false })).body.holdWebhooks).toBe(false);
    expect(sim.heldCount()).toBe(0);
    await eventually(
      async () => (received.length >= before + 3 ? true : undefined),
      undefined,
      'released webhooks',
    );
    const types = received.slice(before).map((hook) => JSON.parse(hook.body.toString()).type);
    expect(types).toEqual(['capture.succeeded', 'capture.succeeded', 'capture.succeeded']);
  });

  it('shows an authorization past its expiry as expired and refuses to capture on it', async () => {
    sim.control.mode = 'immediate';
    const auth = (await post('/v1/authorizations', { amount: 1000, currency: 'EUR' })).body;
    const path = `/v1/authorizations/${auth.id}`;
    expect(await post(`${path}/captures`, { amount: 400, currency: 'EUR' }, 'exp-c1')).toMatchObject({
      status: 200,
    });
    const expired = {
      id: 'auth_expired_unit',
      amount: 1000,
      currency: 'EUR',
      expires_at: '2020-01-01T00:00:00Z',
    };
    expect((await post('/v1/authorizations', expired)).body).toMatchObject({ status: 'expired' });
    const capture = await post(
      '/v1/authorizations/auth_expired_unit/captures',
      { amount: 1, currency: 'EUR' },
      'exp-c2',
    );
    expect(capture).toMatchObject({ status: 402, body: { decline_reason: 'authorization_expired' } });
    const shown = await fetch(`${gateway.url}${path}`, { headers: { authorization: 'Bearer key-12345678' } });
    expect(await shown.json()).toMatchObject({ status: 'authorized', captured: 400 });
  });

  it('replaces only an expired, reusable authorization with a new one', async () => {
    const create = (id: string, extra: object) =>
      post('/v1/authorizations', { id, amount: 500, currency: 'EUR', ...extra });
    await create('auth_valid_unit', {});
    await create('auth_old_unit', { expires_at: '2020-01-01T00:00:00Z' });
    await create('auth_single_use_unit', { expires_at: '2020-01-01T00:00:00Z', reauthorizable: false });
    const reauthorize = (id: string, key: string) =>
      post(`/v1/authorizations/${id}/reauthorizations`, { amount: 500, currency: 'EUR' }, key);
    expect(await reauthorize('auth_valid_unit', 're-1')).toMatchObject({
      status: 402,
      body: { decline_reason: 'authorization_still_valid' },
    });
    expect(await reauthorize('auth_single_use_unit', 're-2')).toMatchObject({
      status: 402,
      body: { decline_reason: 'card_not_reusable' },
    });
    const renewed = await reauthorize('auth_old_unit', 're-3');
    expect(renewed).toMatchObject({
      status: 200,
      body: {
        status: 'succeeded',
        new_authorization: { status: 'authorized', replaces: 'auth_old_unit', amount: 500 },
      },
    });
    expect(await reauthorize('auth_old_unit', 're-3')).toEqual(renewed);
    expect(
      (await post('/v1/authorizations', { id: 'auth_valid_unit', amount: 1, currency: 'EUR' })).status,
    ).toBe(400);
  });

  const get = async (path: string) => {
    const response = await fetch(`${gateway.url}${path}`, {
      headers: { authorization: 'Bearer key-12345678' },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  describe('idempotency keys, as Stripe keeps them', () => {
    const refundOf = async (key: string) => {
      const auth = (await post('/v1/authorizations', { amount: 1000, currency: 'EUR', captured: 1000 })).body;
      const path = `/v1/authorizations/${auth.id}/refunds`;
      const body = { amount: 100, currency: 'EUR', metadata: { workflow_id: key } };
      return { auth: String(auth.id), refund: () => post(path, body, key) };
    };
    const refundsOn = (auth: string) =>
      [...sim.operations.values()].filter((op) => op.authorization === auth && op.object === 'refund');
    afterEach(() => {
      Object.assign(sim.control, { idempotencyKeyTtlMs: 24 * 3600_000, answerDelayMs: 0, failing: false });
    });

    it('forgets a key after its TTL and takes it as a new request; the operations stay findable', async () => {
      sim.control.mode = 'immediate';
      const { auth, refund } = await refundOf('ttl-key');
      const first = await refund();
      expect((await refund()).body).toEqual(first.body);
      expect(refundsOn(auth)).toHaveLength(1);
      sim.control.idempotencyKeyTtlMs = 0;
      const second = await refund();
      expect(second.body.id).not.toBe(first.body.id);
      expect(refundsOn(auth)).toHaveLength(2);
      // Asked by key, it no longer knows the request; asked by authorization, it lists both refunds.
      expect((await get('/v1/operations?idempotency_key=ttl-key')).status).toBe(404);
      const listed = (await get(`/v1/authorizations/${auth}/operations`)).body;
      expect(listed).toMatchObject({ object: 'list', data: [{ id: second.body.id }, { id: first.body.id }] });
      expect((await get(`/v1/operations/${String(first.body.id)}`)).body).toMatchObject({
        status: 'succeeded',
      });
    });

    it('forgets every key at once when told to (POST /_control/expire-idempotency-keys)', async () => {
      sim.control.mode = 'immediate';
      const { auth, refund } = await refundOf('expire-key');
      await refund();
      const expired = await fetch(`${gateway.url}/_control/expire-idempotency-keys`, { method: 'POST' });
      expect(((await expired.json()) as { expired: number }).expired).toBeGreaterThanOrEqual(1);
      await refund();
      expect(refundsOn(auth)).toHaveLength(2);
    });

    it('refuses a key whose first request is still being answered with 409 idempotency_key_in_use, then replays it', async () => {
      sim.control.mode = 'immediate';
      const { auth, refund } = await refundOf('in-flight-key');
      sim.control.answerDelayMs = 1500;
      const first = refund();
      await eventually(async () => (refundsOn(auth).length === 1 ? true : undefined));
      const meanwhile = await refund();
      expect(meanwhile).toEqual({
        status: 409,
        body: {
          error: {
            type: 'idempotency_error',
            code: 'idempotency_key_in_use',
            message: 'another request with this Idempotency-Key is still in progress; retry later',
          },
        },
      });
      const answered = await first;
      sim.control.answerDelayMs = 0;
      expect(await refund()).toEqual(answered);
      expect(refundsOn(auth)).toHaveLength(1);
    });

    it('lists the authorizations made at checkout for a workflow, and fails every request while failing', async () => {
      const key = 'checkout-lookup-key';
      const made = await post(
        '/v1/authorizations',
        { amount: 500, currency: 'EUR', metadata: { workflow_id: key } },
        key,
      );
      expect((await get(`/v1/authorizations?workflow_id=${key}`)).body).toMatchObject({
        object: 'list',
        data: [{ id: made.body.id, status: 'authorized' }],
      });
      expect((await get('/v1/authorizations?workflow_id=nobody')).body).toEqual({ object: 'list', data: [] });
      expect((await get('/v1/authorizations')).status).toBe(400);
      sim.control.failing = true;
      expect((await get(`/v1/authorizations?workflow_id=${key}`)).status).toBe(503);
      expect((await post('/v1/authorizations', { amount: 500, currency: 'EUR' }, 'other-key')).status).toBe(
        503,
      );
      sim.control.failing = false;
    });
  });

  it('drops connections while it is down', async () => {
    sim.control.down = true;
    await expect(fetch(`${gateway.url}/v1/operations/x`)).rejects.toThrow();
    sim.control.down = false;
  });
});
