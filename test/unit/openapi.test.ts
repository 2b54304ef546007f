import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import Ajv2020 from 'ajv/dist/2020';
import { createApi } from '../../api/app';
import { loadConfig, localDefaults, settlementPolicies } from '../../config';
import { listen, type RunningServer } from '../../config/server';
import { PAYMENT_COMMANDS } from '../../domain/commands';
import { mibMethod } from '../../oms/mib/methods';
import { createProviderRegistry } from '../../providers/fromConfig';

/**
 * GET /openapi.json through the real app: a valid OpenAPI 3.1 document whose schemas are the intake's own
 * (a valid command passes, one without a reference fails) and whose responses describe what the API
 * really answers. Temporal is unreachable here, which gives the 503 answers too.
 */
describe('the OpenAPI document', () => {
  const config = loadConfig(localDefaults());
  let connection: Connection;
  let api: RunningServer;
  let document: {
    openapi: string;
    paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>>;
    components: { schemas: Record<string, object>; securitySchemes: Record<string, unknown> };
  };
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  const base = 'https://settle.test/openapi.json';
  // The 503 cases log errors on purpose.
  const quiet = () => undefined;

  beforeAll(async () => {
    connection = Connection.lazy({
      address: '127.0.0.1:1',
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))],
    });
    const app = createApi({
      temporal: new Client({ connection }),
      taskQueue: 'unused',
      providers: createProviderRegistry(config),
      logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
      mibIntakeSecret: config.MIB_INTAKE_SECRET,
      settlement: settlementPolicies(config),
      adminToken: config.ADMIN_TOKEN,
    });
    api = await listen(app, 0);
    const response = await fetch(`${api.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    document = (await response.json()) as typeof document;
    // The document's own keywords are not JSON Schema; ajv is told so and then resolves #/components/... refs.
    for (const keyword of ['openapi', 'info', 'paths', 'components']) ajv.addKeyword(keyword);
    ajv.addSchema(document, base);
  });
  afterAll(async () => {
    await api.close();
    await connection.close();
  });

  const validator = (pointer: string) => {
    const validate = ajv.getSchema(`${base}#${pointer}`);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    return validate;
  };
  const component = (name: string) => validator(`/components/schemas/${name}`);
  /** The schema the document gives for a response; fails when the document has none. */
  const documented = (path: string, method: string, status: number) => {
    const escaped = path.replace(/~/g, '~0').replace(/\//g, '~1');
    return validator(`/paths/${escaped}/${method}/responses/${status}/content/application~1json/schema`);
  };

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

  it('lists every path and operation of the API, and how MIB and the operator authenticate', () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'POST /mib',
        'OPTIONS /mib',
        'POST /webhooks/{provider}',
        'GET /health',
        'GET /openapi.json',
        'GET /payments',
        'GET /payments/{id}',
        'POST /payments/{id}/resolve',
        'POST /payments/{id}/recheck',
        'POST /payments/{id}/retry-notification',
      ].sort(),
    );
    expect(Object.keys(document.paths['/mib']!.post!.responses).sort()).toEqual(
      ['200', '204', '400', '401', '404', '413', '503'].sort(),
    );
    expect(document.paths['/mib']!.post).toMatchObject({
      security: [{ mibBearer: [] }, { mibSignature: [] }],
    });
    for (const [path, item] of Object.entries(document.paths).filter(([path]) =>
      path.startsWith('/payments'),
    ))
      for (const operation of Object.values(item))
        expect({ path, operation }).toMatchObject({ path, operation: { security: [{ adminBearer: [] }] } });
    expect(document.components.securitySchemes).toEqual({
      adminBearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      mibBearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      mibSignature: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Settle-Signature' }),
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
      expect(paymentCommand({ ...command(), method: mibMethod(name) })).toBe(true);

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
    base = api.url,
  ) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        // How MIB authenticates (api/callerAuth.ts); other routes ignore it.
        authorization: `Bearer ${secret}`,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  /** Asserts that the answer has the status and a body the document describes for it. */
  const expectDocumented = async (
    path: string,
    method: string,
    answer: Promise<{ status: number; body: unknown }>,
    status: number,
  ) => {
    const { status: actual, body } = await answer;
    expect(actual).toBe(status);
    const validate = documented(path, method, status);
    expect({ body, valid: validate(body), errors: validate.errors }).toEqual({
      body,
      valid: true,
      errors: null,
    });
  };

  it('describes what POST /mib really answers', async () => {
    const mib = (body: unknown) => send('POST', '/mib', body);
    await expectDocumented('/mib', 'post', mib('{"jsonrpc"'), 400);
    await expectDocumented('/mib', 'post', mib({ jsonrpc: '1.0', id: 1, method: 'x' }), 400);
    await expectDocumented('/mib', 'post', mib(command({ currency: 'XXY' })), 400);
    await expectDocumented('/mib', 'post', mib({ ...command(), method: 'magento.nope' }), 404);
    await expectDocumented('/mib', 'post', mib(command({ padding: 'x'.repeat(300_000) })), 413);
    await expectDocumented('/mib', 'post', send('POST', '/mib', command(), 'not-the-secret'), 401);
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
  });

  it('describes the other routes as they answer', async () => {
    const probe = await send('OPTIONS', '/mib');
    expect(probe.status).toBe(204);
    expect(probe.headers.get('x-magento-service-bus')).toBe('*');
    expect(document.paths['/mib']!.options!.responses['204']).toMatchObject({
      headers: { 'X-Magento-Service-Bus': { schema: { const: '*' } } },
    });
    await expectDocumented('/health', 'get', send('GET', '/health'), 200);
    await expectDocumented(
      '/webhooks/{provider}',
      'post',
      send('POST', '/webhooks/gateway', { id: 'evt' }),
      401,
    );
    await expectDocumented('/webhooks/{provider}', 'post', send('POST', '/webhooks/nope', {}), 404);
    expect(
      component('CommandAccepted')({ jsonrpc: '2.0', id: 1, result: { accepted: true, workflow_id: 'w' } }),
    ).toBe(true);
  });

  it('describes what the operator API answers', async () => {
    const admin = (method: string, path: string, body?: unknown) =>
      send(method, path, body, config.ADMIN_TOKEN);
    const id = encodeURIComponent('payment:PAY-1:capture:0123456789abcdef');
    const listParameters = (document.paths['/payments']!.get as unknown as { parameters: { name: string }[] })
      .parameters;
    expect(listParameters.map((p) => p.name).sort()).toEqual(
      ['command', 'limit', 'orderId', 'outcome', 'phase', 'provider', 'reference', 'status'].sort(),
    );
    // The MIB intake secret is not the operator's.
    await expectDocumented('/payments', 'get', send('GET', '/payments'), 401);
    await expectDocumented('/payments/{id}', 'get', send('GET', `/payments/${id}`, undefined, ''), 401);
    const invalid = admin('GET', '/payments?phase=lost&limit=9999&colour=red');
    await expectDocumented('/payments', 'get', invalid, 400);
    expect((await invalid).body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(
      ['query', 'query.limit', 'query.phase'].sort(),
    );
    await expectDocumented('/payments/{id}', 'get', admin('GET', '/payments/settle-register:x'), 404);
    const resolve = `/payments/${id}/resolve`;
    const badBody = admin('POST', resolve, { outcome: 'paid', reason: ' ', operator: 'ops' });
    await expectDocumented('/payments/{id}/resolve', 'post', badBody, 400);
    expect((await badBody).body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual([
      'body.outcome',
      'body.reason',
    ]);
    await expectDocumented('/payments/{id}/resolve', 'post', admin('POST', resolve, '{"outcome"'), 400);
    const large = { outcome: 'settled', reason: 'x'.repeat(20_000), operator: 'ops' };
    await expectDocumented('/payments/{id}/resolve', 'post', admin('POST', resolve, large), 413);
    // Temporal is unreachable.
    await expectDocumented('/payments', 'get', admin('GET', '/payments?phase=stuck'), 503);
    await expectDocumented('/payments/{id}', 'get', admin('GET', `/payments/${id}`), 503);
    const resolution = { outcome: 'settled', reason: 'settled in the dashboard', operator: 'ops' };
    await expectDocumented('/payments/{id}/resolve', 'post', admin('POST', resolve, resolution), 503);
    for (const action of ['recheck', 'retry-notification'])
      await expectDocumented(
        `/payments/{id}/${action}`,
        'post',
        admin('POST', `/payments/${id}/${action}`),
        503,
      );
  });

  it('answers 503 for the operator API when no ADMIN_TOKEN is configured', async () => {
    const quietLogger = { debug: quiet, info: quiet, warn: quiet, error: quiet };
    const disabled = await listen(
      createApi({
        temporal: new Client({ connection }),
        taskQueue: 'unused',
        providers: createProviderRegistry(config),
        logger: quietLogger,
        mibIntakeSecret: config.MIB_INTAKE_SECRET,
        settlement: settlementPolicies(config),
      }),
      0,
    );
    try {
      for (const token of [config.ADMIN_TOKEN!, '']) {
        const answer = send('GET', '/payments?phase=stuck', undefined, token, disabled.url);
        await expectDocumented('/payments', 'get', answer, 503);
        expect((await answer).body).toEqual({ error: 'operator API disabled: set ADMIN_TOKEN' });
      }
    } finally {
      await disabled.close();
    }
  });
});
