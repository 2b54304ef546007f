import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import Ajv2020 from 'ajv/dist/2020';
import type { Express } from 'express';
import { createApi, type ApiDependencies } from '../../api/app';
import { openApiPath } from '../../http/contract';
import { LOCAL_DEITY_PROFILE, localDefaults, settlementPolicies } from '../../config';
import { deitySettingsOf } from '../../oms/deity/door';
import { listen, type RunningServer } from '../../config/server';
import { PAYMENT_COMMANDS } from '../../domain/commands';
import { isMibCommand, mibMethod } from '../../oms/mib/methods';
import { createProviderRegistry } from '../../providers/fromConfig';
import { loadSettleConfig } from '../../oms';

/**
 * GET /openapi.json through the real app, against what the same app serves: a valid OpenAPI 3.1 document,
 * listing exactly the routes Express has mounted, whose schemas are the ones the code validates with and
 * whose answers per status are what the API really answers, refusals included. Temporal is unreachable
 * here, which gives the 503 answers too.
 */

type Operation = {
  security?: unknown;
  parameters?: { name: string; in: string }[];
  requestBody?: { 'x-body-limit'?: number; description?: string };
  responses: Record<string, { description: string; content?: unknown; headers?: unknown }>;
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object>; securitySchemes: Record<string, unknown> };
};

const config = loadSettleConfig(localDefaults());
const quiet = () => undefined;
// The 503 cases log errors on purpose.
const quietLogger = { debug: quiet, info: quiet, warn: quiet, error: quiet };

describe('the OpenAPI document', () => {
  let connection: Connection;
  let app: Express;
  let api: RunningServer;
  let document: Document;
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  const base = 'https://settle.test/openapi.json';
  const deps = (): ApiDependencies => ({
    temporal: new Client({ connection }),
    taskQueue: 'unused',
    providers: createProviderRegistry(config),
    logger: quietLogger,
    mibIntakeSecret: config.MIB_INTAKE_SECRET,
    settlement: settlementPolicies(config),
    adminToken: config.ADMIN_TOKEN,
    deity: deitySettingsOf(config),
  });

  beforeAll(async () => {
    connection = Connection.lazy({
      address: '127.0.0.1:1',
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))],
    });
    app = createApi(deps());
    api = await listen(app, 0);
    const response = await fetch(`${api.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    document = (await response.json()) as Document;
    // The document's own keywords are not JSON Schema; ajv is told so and then resolves #/components/... refs.
    for (const keyword of ['openapi', 'info', 'paths', 'components']) ajv.addKeyword(keyword);
    ajv.addSchema(document, base);
  });
  afterAll(async () => {
    await api.close();
    await connection.close();
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ method, path, operation })),
    );
  const validator = (pointer: string) => {
    const validate = ajv.getSchema(`${base}#${pointer}`);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    return validate;
  };
  const escape = (path: string) => path.replace(/~/g, '~0').replace(/\//g, '~1');
  const component = (name: string) => validator(`/components/schemas/${name}`);
  /** The schema the document gives for a response; fails when the document has none. */
  const documented = (path: string, method: string, status: number) =>
    validator(`/paths/${escape(path)}/${method}/responses/${status}/content/application~1json/schema`);

  it('passes an OpenAPI 3.1 validator', async () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    const dir = mkdtempSync(join(tmpdir(), 'settle-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(document));
      // The validator is an ES module, which jest cannot load: its own CLI runs it in a node process.
      const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
      const { stdout } = await promisify(execFile)(process.execPath, [cli, file]);
      expect(JSON.parse(stdout)).toEqual({ valid: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has schemas that are valid JSON Schema 2020-12', () => {
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      expect({ name, valid: ajv.validateSchema(schema), errors: ajv.errors }).toEqual({
        name,
        valid: true,
        errors: null,
      });
      expect(() => component(name)).not.toThrow();
    }
  });

  it('lists exactly the routes Express serves', () => {
    type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
    const mounted = (stack: Layer[]): string[] =>
      stack.flatMap((layer) =>
        layer.route
          ? Object.keys(layer.route.methods).map(
              (m) => `${m.toUpperCase()} ${openApiPath(layer.route!.path)}`,
            )
          : mounted(layer.handle?.stack ?? []),
      );
    const served = mounted((app as unknown as { router: { stack: Layer[] } }).router.stack);
    const listed = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(served.sort()).toEqual(listed.sort());
    expect(listed.sort()).toEqual(
      [
        'POST /mib',
        'OPTIONS /mib',
        'POST /webhooks/{provider}',
        'GET /health',
        'GET /ready',
        'GET /metrics',
        'GET /openapi.json',
        'GET /pay/{token}',
        'GET /pay/{token}/state',
        'GET /pay/{token}/return',
        'GET /payments',
        'GET /payments/{id}',
        'POST /payments/{id}/resolve',
        'POST /payments/{id}/recheck',
        'POST /payments/{id}/retry-notification',
        'POST /spryker/payment-commands',
        'POST /spryker/private/configure',
        'POST /spryker/private/disconnect',
        'POST /spryker/private/initialize-payment',
        'GET /spryker/app-events',
        'GET /spryker/payment-events',
        'GET /spryker/payment-method-commands',
        'DELETE /spryker/app-events',
        'DELETE /spryker/payment-events',
        'DELETE /spryker/payment-method-commands',
        'POST /api/payment-methods',
        'GET /api/payment-methods',
        'POST /api/payment-methods/{provider}/{method}',
        'GET /api/payment-methods/{provider}/{method}',
        'POST /api/payment',
        'POST /api/order-updates',
        'POST /api/payment/{shopOrderId}',
        'PUT /api/payment/{shopOrderId}',
        'PATCH /api/payment/{shopOrderId}',
        'GET /api/payment/{shopOrderId}',
      ].sort(),
    );
  });

  it('says how MIB, Spryker and Deity shops and the operator authenticate', () => {
    expect(document.paths['/mib']!.post).toMatchObject({
      security: [{ mibBearer: [] }, { mibSignature: [] }],
    });
    for (const { path, operation } of operations().filter(({ path }) => path.startsWith('/payments')))
      expect({ path, operation }).toMatchObject({ path, operation: { security: [{ adminBearer: [] }] } });
    for (const { path, operation } of operations().filter(({ path }) => path.startsWith('/spryker/')))
      expect({ path, operation }).toMatchObject({ path, operation: { security: [{ sprykerTenant: [] }] } });
    for (const { path, operation } of operations().filter(({ path }) => path.startsWith('/api/')))
      expect({ path, operation }).toMatchObject({
        path,
        operation: { security: [{ deityToken: [] }, { deityBasic: [] }] },
      });
    for (const { path, method, operation } of operations().filter(
      ({ path }) =>
        !path.startsWith('/payments') &&
        !path.startsWith('/spryker/') &&
        !path.startsWith('/api/') &&
        path !== '/mib',
    ))
      expect({ path, method, security: operation.security }).toEqual({ path, method, security: undefined });
    expect(document.components.securitySchemes).toEqual({
      adminBearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      mibBearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      mibSignature: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Settle-Signature' }),
      sprykerTenant: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      deityToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      deityBasic: expect.objectContaining({ type: 'http', scheme: 'basic' }),
    });
  });

  const command = (overrides: Record<string, unknown> = {}, id = 1) => ({
    jsonrpc: '2.0',
    id,
    method: mibMethod('capture'),
    params: {
      payment: {
        reference: 'PAY-1001',
        currency: 'EUR',
        transactions: [
          {
            payment_method: 'card',
            amount: '49.90',
            gateway_information: { gateway_id: 'gateway', transaction_id: 'auth_1' },
            an_unknown_field: 'kept',
          },
        ],
        ...overrides,
      },
    },
  });

  it("describes the intake's payment command: a valid one passes, one without reference fails", () => {
    const paymentCommand = component('PaymentCommand');
    expect(paymentCommand(command())).toBe(true);
    for (const name of PAYMENT_COMMANDS)
      expect(paymentCommand({ ...command(), method: mibMethod(name) })).toBe(isMibCommand(name));
    // MIB authorizes itself: it has no such method.
    expect(isMibCommand('authorize')).toBe(false);

    const { reference: _dropped, ...withoutReference } = command().params.payment;
    expect(paymentCommand({ ...command(), params: { payment: withoutReference } })).toBe(false);
    expect(paymentCommand.errors).toContainEqual(
      expect.objectContaining({ keyword: 'required', params: { missingProperty: 'reference' } }),
    );
    expect(paymentCommand({ ...command(), method: mibMethod('notify_captured') })).toBe(false);
    expect(paymentCommand(command({ currency: 'euro' }))).toBe(false);

    const body = validator('/paths/~1mib/post/requestBody/content/application~1json/schema');
    expect(body([command(), command({}, 2)])).toBe(true);
    expect(body([])).toBe(false);
  });

  const send = async (
    method: string,
    path: string,
    body?: unknown,
    secret = config.MIB_INTAKE_SECRET,
    to = api.url,
  ) => {
    const response = await fetch(`${to}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        // How MIB authenticates (http/callerAuth.ts); other routes ignore it.
        authorization: `Bearer ${secret}`,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  const admin = (method: string, path: string, body?: unknown) =>
    send(method, path, body, config.ADMIN_TOKEN);
  type Answer = Awaited<ReturnType<typeof send>>;
  /** Asserts that the answer has the status and a body the document describes for it; returns the answer. */
  const expectDocumented = async (
    path: string,
    method: string,
    answering: Promise<Answer>,
    status: number,
  ): Promise<Answer> => {
    const answer = await answering;
    expect(answer.status).toBe(status);
    const validate = documented(path, method, status);
    expect({ body: answer.body, valid: validate(answer.body), errors: validate.errors }).toEqual({
      body: answer.body,
      valid: true,
      errors: null,
    });
    return answer;
  };
  const jsonRpcError = (code: number, message: string) => ({
    jsonrpc: '2.0',
    id: null,
    error: { code, message },
  });

  it('refuses what POST /mib refuses as documented, in the JSON-RPC answers MIB knows', async () => {
    const mib = (body: unknown) => send('POST', '/mib', body);
    expect((await expectDocumented('/mib', 'post', mib('{"jsonrpc"'), 400)).body).toEqual(
      jsonRpcError(-32700, 'Parse error: the body is not valid JSON'),
    );
    expect((await expectDocumented('/mib', 'post', mib([]), 400)).body).toEqual(
      jsonRpcError(-32600, 'Invalid Request: empty batch'),
    );
    await expectDocumented('/mib', 'post', mib({ jsonrpc: '1.0', id: 1, method: 'x' }), 400);
    const invalidParams = await expectDocumented('/mib', 'post', mib(command({ currency: 'XXY' })), 400);
    expect(invalidParams.body.error).toMatchObject({
      code: -32602,
      data: { issues: [{ path: 'params.payment.currency' }] },
    });
    await expectDocumented('/mib', 'post', mib({ ...command(), method: 'magento.nope' }), 404);
    const large = await expectDocumented('/mib', 'post', mib(command({ padding: 'x'.repeat(300_000) })), 413);
    expect(large.body).toEqual(jsonRpcError(-32600, 'Invalid Request: body too large'));
    const unauthorized = await expectDocumented(
      '/mib',
      'post',
      send('POST', '/mib', command(), 'not-the-secret'),
      401,
    );
    expect(unauthorized.body).toEqual(jsonRpcError(-32001, 'Unauthorized: wrong bearer token'));
    expect(unauthorized.headers.get('www-authenticate')).toBe('Bearer realm="settle-mib-intake"');
  });

  it('describes what POST /mib answers a command', async () => {
    const mib = (body: unknown) => send('POST', '/mib', body);
    // Temporal is unreachable: the command must be delivered again, alone or in a batch.
    await expectDocumented('/mib', 'post', mib(command()), 503);
    await expectDocumented(
      '/mib',
      'post',
      mib([command(), { ...command({}, 2), method: 'magento.nope' }]),
      503,
    );
    // A batch whose requests all fail before Temporal is asked: answered 200, each with its error.
    await expectDocumented('/mib', 'post', mib([{ ...command(), method: 'magento.nope' }]), 200);
    // The same as notifications (no ids): nothing to answer.
    const { id: _id, ...notification } = command();
    const notifications = await mib([{ ...notification, method: 'magento.nope' }]);
    expect(notifications).toMatchObject({ status: 204, body: undefined });
    expect(document.paths['/mib']!.post!.responses['204']!.content).toBeUndefined();
    expect(
      component('CommandAccepted')({ jsonrpc: '2.0', id: 1, result: { accepted: true, workflow_id: 'w' } }),
    ).toBe(true);
  });

  it('describes the probe, health and the webhooks as they answer', async () => {
    const probe = await send('OPTIONS', '/mib');
    expect(probe).toMatchObject({ status: 204, body: undefined });
    expect(probe.headers.get('x-magento-service-bus')).toBe('*');
    expect(document.paths['/mib']!.options!.responses['204']).toMatchObject({
      headers: { 'X-Magento-Service-Bus': { schema: { const: '*' } } },
    });
    await expectDocumented('/health', 'get', send('GET', '/health'), 200);
    // Nothing listens where this API's Temporal connection points: not ready, as documented.
    await expectDocumented('/ready', 'get', send('GET', '/ready'), 503);
    await expectDocumented('/openapi.json', 'get', send('GET', '/openapi.json'), 200);
    const webhook = '/webhooks/{provider}';
    await expectDocumented(webhook, 'post', send('POST', '/webhooks/gateway', { id: 'evt' }), 401);
    await expectDocumented(webhook, 'post', send('POST', '/webhooks/nope', {}), 404);
    const provider = document.paths[webhook]!.post!.parameters!.find((p) => p.name === 'provider');
    expect(provider).toMatchObject({
      in: 'path',
      schema: { enum: [...createProviderRegistry(config).names] },
    });
  });

  it('refuses operator requests that violate the declared schemas with the documented 400', async () => {
    const id = encodeURIComponent('payment:PAY-1:capture:0123456789abcdef');
    const listParameters = document.paths['/payments']!.get!.parameters!;
    expect(listParameters.map((p) => `${p.in} ${p.name}`).sort()).toEqual(
      ['command', 'limit', 'orderId', 'outcome', 'phase', 'provider', 'reference', 'status']
        .map((n) => `query ${n}`)
        .sort(),
    );
    const invalid = await expectDocumented(
      '/payments',
      'get',
      admin('GET', '/payments?phase=lost&limit=9999&colour=red'),
      400,
    );
    expect(invalid.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(
      ['query', 'query.limit', 'query.phase'].sort(),
    );
    const resolve = `/payments/${id}/resolve`;
    const badBody = await expectDocumented(
      '/payments/{id}/resolve',
      'post',
      admin('POST', resolve, { outcome: 'paid', reason: ' ', operator: 'ops' }),
      400,
    );
    expect(badBody.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual([
      'body.outcome',
      'body.reason',
    ]);
    const notJson = await expectDocumented(
      '/payments/{id}/resolve',
      'post',
      admin('POST', resolve, '{"outcome"'),
      400,
    );
    expect(notJson.body).toEqual({
      error: 'invalid request',
      issues: [{ path: 'body', message: 'not valid JSON' }],
    });
  });

  it('keeps the operator API to the operator, and answers what Temporal cannot', async () => {
    const id = encodeURIComponent('payment:PAY-1:capture:0123456789abcdef');
    // The MIB intake secret is not the operator's; the refusal comes before the body is read.
    const refused = await expectDocumented('/payments', 'get', send('GET', '/payments'), 401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="settle-operator"');
    await expectDocumented('/payments/{id}', 'get', send('GET', `/payments/${id}`, undefined, ''), 401);
    await expectDocumented(
      '/payments/{id}/resolve',
      'post',
      send('POST', `/payments/${id}/resolve`, 'x'.repeat(20_000)),
      401,
    );
    await expectDocumented('/payments/{id}', 'get', admin('GET', '/payments/settle-register:x'), 404);
    // Temporal is unreachable.
    await expectDocumented('/payments', 'get', admin('GET', '/payments?phase=stuck'), 503);
    await expectDocumented('/payments/{id}', 'get', admin('GET', `/payments/${id}`), 503);
    const resolution = { outcome: 'settled', reason: 'settled in the dashboard', operator: 'ops' };
    await expectDocumented(
      '/payments/{id}/resolve',
      'post',
      admin('POST', `/payments/${id}/resolve`, resolution),
      503,
    );
    for (const action of ['recheck', 'retry-notification'])
      await expectDocumented(
        `/payments/{id}/${action}`,
        'post',
        admin('POST', `/payments/${id}/${action}`),
        503,
      );
  });

  it('documents every body limit, and refuses a body one byte over it with the documented 413', async () => {
    const limited = operations().filter(({ operation }) => operation.requestBody);
    expect(limited.map(({ method, path }) => `${method} ${path}`).sort()).toEqual(
      [
        'post /mib',
        'post /payments/{id}/resolve',
        'post /webhooks/{provider}',
        'post /spryker/payment-commands',
        'post /spryker/private/configure',
        'post /spryker/private/initialize-payment',
        'delete /spryker/app-events',
        'delete /spryker/payment-events',
        'delete /spryker/payment-method-commands',
        'post /api/payment-methods',
        'post /api/payment-methods/{provider}/{method}',
        'post /api/payment',
        'post /api/order-updates',
      ].sort(),
    );
    const concrete = (path: string) =>
      path
        .replace('{provider}', 'gateway')
        .replace('{method}', 'card')
        .replace('{id}', encodeURIComponent('payment:P:capture:x'));
    for (const { method, path, operation } of limited) {
      const limit = operation.requestBody!['x-body-limit']!;
      expect({ path, limit }).toEqual({ path, limit: expect.any(Number) });
      expect(operation.requestBody!.description).toMatch(/At most \d+ (kB|MB)\./);
      expect(operation.responses['413']!.description).toMatch(/^The body is over \d+ (kB|MB)\.$/);
      // A Deity route reads no body before the profile's token; the others read it first, or with any secret.
      const secret = path.startsWith('/payments')
        ? config.ADMIN_TOKEN
        : path.startsWith('/api/')
          ? `${LOCAL_DEITY_PROFILE.serviceUser}:${LOCAL_DEITY_PROFILE.serviceToken}`
          : config.MIB_INTAKE_SECRET;
      const at = await send(method.toUpperCase(), concrete(path), 'x'.repeat(limit), secret);
      expect({ path, status: at.status }).not.toEqual({ path, status: 413 });
      await expectDocumented(
        path,
        method,
        send(method.toUpperCase(), concrete(path), 'x'.repeat(limit + 1), secret),
        413,
      );
    }
  });

  it('answers 503 for the operator API when no ADMIN_TOKEN is configured', async () => {
    const disabled = await listen(createApi({ ...deps(), adminToken: undefined }), 0);
    try {
      for (const token of [config.ADMIN_TOKEN!, '']) {
        const answer = await expectDocumented(
          '/payments',
          'get',
          send('GET', '/payments?phase=stuck', undefined, token, disabled.url),
          503,
        );
        expect(answer.body).toEqual({ error: 'operator API disabled: set ADMIN_TOKEN' });
      }
    } finally {
      await disabled.close();
    }
  });
});
