import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { Agent, request } from 'node:http';
import { createApi, type ApiDependencies } from '../../api/app';
import { localDefaults, settlementPolicies, type loadConfig } from '../../config';
import { listen, type RunningServer } from '../../config/server';
import { loadSettleConfig, type SettleConfigWithDoors } from '../../oms';
import type { Logger } from '../../config/logger';
import { createProviderRegistry } from '../../providers/fromConfig';

/** The API's HTTP edge as its tests reach it: one client per local address, a logger that keeps what it is told. */

export type Logged = { level: string; message: string; fields?: Record<string, unknown> };
export function recordingLogger(logged: Logged[]): Logger {
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void logged.push({ level, message, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The API's parts the tests of its edge share, over `connection`, logging into `logged`. */
export function apiParts(config: ReturnType<typeof loadConfig>, connection: Connection, logged: Logged[]) {
  return {
    temporal: new Client({ connection }),
    taskQueue: 'unused',
    providers: createProviderRegistry(config),
    logger: recordingLogger(logged),
    mibIntakeSecret: config.MIB_INTAKE_SECRET,
    settlement: settlementPolicies(config),
  };
}

/** Temporal nowhere (port 1), tried once: authentication comes first, and an admitted call is told to retry. */
export function unreachableTemporal(): Connection {
  return Connection.lazy({
    address: '127.0.0.1:1',
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))],
  });
}

/** One HTTP request from a chosen local address: two addresses are two clients to the server. */
export function send(
  url: string,
  { method = 'POST', from = '127.0.0.1', headers = {}, body = '' },
  agent: Agent,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, localAddress: from, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    // Only so that a request left hanging fails its test rather than the whole file: no speed is asserted.
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The real API (createApi) with the local settings over a Temporal no request reaches, listening for the tests
 * of one describe block: started before them and closed after. `extra` adds or replaces dependencies.
 */
export function apiEdgeForSuite({
  logged = [],
  extra = () => ({}),
}: {
  logged?: Logged[];
  extra?: (config: SettleConfigWithDoors) => Partial<ApiDependencies>;
} = {}) {
  const config = loadSettleConfig(localDefaults());
  const connection = unreachableTemporal();
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let running: RunningServer | undefined;
  beforeAll(async () => {
    running = await listen(createApi({ ...apiParts(config, connection, logged), ...extra(config) }), 0);
  });
  afterAll(async () => {
    agent.destroy();
    await running?.close();
    await connection.close();
  });
  return {
    config,
    agent,
    get url(): string {
      return running!.url;
    },
  };
}
