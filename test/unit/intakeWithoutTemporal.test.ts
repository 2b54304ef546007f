import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { createApi } from '../../api/app';
import { loadConfig, localDefaults } from '../../config';
import { createLogger } from '../../config/logger';
import { listen, type RunningServer } from '../../config/server';
import { createProviderRegistry } from '../../providers/fromConfig';

/** When Temporal cannot be reached, MIB is told to come back later (503), not that its command was bad. */
describe('POST /mib without a reachable Temporal', () => {
  let api: RunningServer;
  let connection: Connection;
  beforeAll(async () => {
    // Nothing listens on port 1; one attempt per call keeps the test short.
    connection = Connection.lazy({
      address: '127.0.0.1:1',
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))],
    });
    const config = loadConfig(localDefaults());
    api = await listen(
      createApi({
        temporal: new Client({ connection }),
        taskQueue: 'unused',
        providers: createProviderRegistry(config),
        logger: createLogger('api', 'error'),
      }),
      0,
    );
  });
  afterAll(async () => {
    await api.close();
    await connection.close();
  });

  it('answers -32603 with HTTP 503', async () => {
    const response = await fetch(`${api.url}/mib`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'magento.payments.payments_management.capture',
        params: {
          payment: {
            reference: 'P',
            currency: 'EUR',
            transactions: [{ amount: '1.00', gateway_information: { transaction_id: 'a' } }],
          },
        },
      }),
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32603, message: 'Internal error: the command could not be accepted; retry' },
    });
  });
});
