import { listen, type RunningServer } from '../../config/server';
import { PAYMENT_COMMANDS } from '../../domain/commands';
import { isMibCommand, notificationMethod } from '../../oms/mib/methods';
import { createMibSimulator, type MibSimulator } from '../../sim/mib/server';

/** The MIB simulator keeps the contract of the seeds: OAuth 2.0 first, then registration and notifications. */
describe('MIB simulator', () => {
  let sim: MibSimulator;
  let server: RunningServer;
  let token: string;
  beforeAll(async () => {
    sim = createMibSimulator({ clientId: 'client-1', clientSecret: 'secret-123' });
    server = await listen(sim.app, 0);
    const response = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=client-1&client_secret=secret-123',
    });
    token = ((await response.json()) as { access_token: string }).access_token;
  });
  afterAll(() => server.close());

  const call = async (path: string, body: object, bearer = token) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const registration = {
    jsonrpc: '2.0',
    id: '1',
    method: 'magento.service_bus.remote.register',
    params: {
      id: 'custom-payment',
      url: 'http://settle.example/mib',
      contracts: ['magento.payments.payments_management'],
    },
  };

  it('refuses a token request with the wrong secret or grant', async () => {
    const wrong = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=client-1&client_secret=nope',
    });
    expect(wrong.status).toBe(401);
    const grant = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&client_id=client-1&client_secret=secret-123',
    });
    expect(grant.status).toBe(400);
  });

  it('records a registration sent to <base>/<client_id>/ with a valid token', async () => {
    expect(await call('/client-1/', registration)).toEqual({
      status: 200,
      body: { jsonrpc: '2.0', id: '1', result: {} },
    });
    const listed = (await (await fetch(`${server.url}/registrations`)).json()) as object[];
    expect(listed).toEqual([
      {
        id: 'custom-payment',
        url: 'http://settle.example/mib',
        contracts: ['magento.payments.payments_management'],
        receivedAt: expect.any(String),
      },
    ]);
  });

  it('refuses a registration that is not exactly the seed message, and records none of them', async () => {
    const before = sim.registrations.length;
    const { params } = registration;
    const invalidParams = [
      { ...params, extra: 'field' },
      { id: params.id, url: params.url },
      { ...params, contracts: [] },
      { ...params, contracts: [42] },
      { ...params, url: 'not a url' },
      { ...params, id: '' },
    ];
    for (const bad of invalidParams) {
      expect(await call('/client-1/', { ...registration, params: bad })).toMatchObject({
        status: 400,
        body: { error: { code: -32602, data: { issues: expect.any(Array) } } },
      });
    }
    const { jsonrpc: _omitted, ...withoutVersion } = registration;
    expect(await call('/client-1/', withoutVersion)).toMatchObject({
      status: 400,
      body: { error: { code: -32600 } },
    });
    expect(
      await call('/client-1/', { ...registration, method: 'magento.service_bus.remote.unregister' }),
    ).toMatchObject({
      status: 404,
      body: { error: { code: -32601 } },
    });
    expect(sim.registrations.length).toBe(before);
  });

  it('refuses requests without a valid token, for another client, or with an unknown method', async () => {
    expect((await call('/client-1/', registration, 'forged')).status).toBe(401);
    expect((await call('/client-2/', registration)).status).toBe(404);
    const unknown = await call('/client-1/delegate/custom-payment', {
      ...registration,
      method: 'magento.payments.payments_management.capture',
    });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: -32601 } } });
  });

  const notify = (method: string, reference: string) =>
    call('/client-1/delegate/custom-payment', {
      jsonrpc: '2.0',
      id: `${reference}:${method}`,
      method,
      params: { payment: { reference } },
    });

  it('refuses a notification whose name is not one of MIB’s ten, and records none', async () => {
    // A near miss a door could make: the American spelling of MIB's notify_cancelled.
    const method = 'magento.payments.payments_management.notify_canceled';
    expect(await notify(method, 'PAY-MISSPELT')).toEqual({
      status: 404,
      body: {
        jsonrpc: '2.0',
        id: `PAY-MISSPELT:${method}`,
        error: { code: -32601, message: `Method not found: ${method}` },
      },
    });
    expect(sim.notifications.filter((n) => n.method === method)).toEqual([]);
  });

  it('accepts every notification the MIB door sends, checked against its own list', async () => {
    const sent = PAYMENT_COMMANDS.filter(isMibCommand).flatMap((command) => [
      notificationMethod(command, true),
      notificationMethod(command, false),
    ]);
    expect(sent).toHaveLength(10);
    for (const method of sent) expect((await notify(method, 'PAY-DOOR')).status).toBe(200);
  });
});
