import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { createApi } from '../../api/app';
import { loadConfig, localDefaults, settlementPolicies } from '../../config';
import type { Logger } from '../../config/logger';
import { listen, type RunningServer } from '../../config/server';
import { gatewayEvent } from '../helpers/gatewayEvents';
import { createProviderRegistry } from '../../providers/fromConfig';

/**
 * When Temporal cannot be reached, MIB and the gateway are told to come back later (503), never that their
 * message was bad or taken: nothing may be acknowledged that Temporal has not recorded.
 */
describe('the API without a reachable Temporal', () => {
  let api: RunningServer;
  const logged: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void logged.push({ level, message, fields });
  const recordingLogger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  let connection: Connection;
  const config = loadConfig(localDefaults());
  beforeAll(async () => {
    // Nothing listens on port 1; one attempt per call keeps the test short.
    connection = Connection.lazy({
      address: '127.0.0.1:1',
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))],
    });
    api = await listen(
      createApi({
        temporal: new Client({ connection }),
        taskQueue: 'unused',
        providers: createProviderRegistry(config),
        logger: recordingLogger,
        mibIntakeSecret: config.MIB_INTAKE_SECRET,
        settlement: settlementPolicies(config),
      }),
      0,
    );
  });
  afterAll(async () => {
    await api.close();
    await connection.close();
  });

  const capture = (id?: number) => ({
    jsonrpc: '2.0',
    ...(id === undefined ? {} : { id }),
    method: 'magento.payments.payments_management.capture',
    params: {
      payment: {
        reference: 'P',
        currency: 'EUR',
        transactions: [{ amount: '1.00', gateway_information: { transaction_id: 'a' } }],
      },
    },
  });
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${config.MIB_INTAKE_SECRET}`,
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const internalError = (id: number | null) => ({
    jsonrpc: '2.0',
    id,
    error: { code: -32603, message: 'Internal error: the command could not be accepted; retry' },
  });

  it('answers a command -32603 with HTTP 503, and logs why for the operator', async () => {
    expect(await post('/mib', capture(7))).toEqual({ status: 503, body: internalError(7) });
    expect(logged.at(-1)).toEqual({
      level: 'error',
      message: 'could not start the payment workflow',
      fields: expect.objectContaining({ reference: 'P', cause: expect.stringMatching(/UNAVAILABLE/) }),
    });
  });

  it('answers 503 also to a command without id, which would otherwise get no answer at all', async () => {
    expect(await post('/mib', capture())).toEqual({ status: 503, body: internalError(null) });
  });

  it('answers 503 to a batch in which a command could not be accepted', async () => {
    const answer = await post('/mib', [capture(1), { jsonrpc: '2.0', id: 2, method: 'nope' }]);
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual([
      internalError(1),
      { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'Method not found: nope' } },
    ]);
  });

  it('answers a verified webhook 503, so that the gateway delivers it again', async () => {
    const event = gatewayEvent(config.GATEWAY_WEBHOOK_SECRET, {
      eventId: 'evt_1',
      operationId: 'cap_1',
      workflowId: 'payment:P:capture:x',
    });
    const answer = await post('/webhooks/gateway', event.body, event.headers);
    expect(answer).toEqual({ status: 503, body: { error: 'temporarily unable to record the event' } });
  });
});
