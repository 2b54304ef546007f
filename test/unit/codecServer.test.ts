import { randomBytes } from 'node:crypto';
import express from 'express';
import {
  codecListenerRefusal,
  codecRoutes,
  codecServerOptions,
  isLoopback,
  startCodecServer,
  type CodecServerOptions,
} from '../../api/codecServer';
import { loadConfig, localDefaults } from '../../config';
import { createLogger } from '../../config/logger';
import { listen, type RunningServer } from '../../config/server';
import { mountRoutes } from '../../http/contract';
import { runEntryPoint } from '../helpers/processes';

/** The codec routes' switch: off (503) without keys, and off with keys until a token or anonymous access is set. */
describe('the codec server switch', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
  });
  const KEYS = `k1:${randomBytes(32).toString('base64')}`;

  async function serve(options: CodecServerOptions) {
    const logger = createLogger('test', 'error');
    const app = express();
    app.use(mountRoutes([codecRoutes({ codecServer: options, logger })], logger));
    const server = await listen(app, 0);
    servers.push(server);
    return (headers: Record<string, string> = {}, body: unknown = { payloads: [] }) =>
      fetch(`${server.url}/codec/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
  }
  const optionsOf = (env: Record<string, string>) =>
    codecServerOptions(loadConfig(env, { owners: ['temporal', 'codec'] }));

  it('is off without PAYLOAD_KEYS, whatever else is set', async () => {
    const decode = await serve(optionsOf({ CODEC_ALLOW_ANONYMOUS: 'true' }));
    const answer = await decode();
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({ error: 'codec server off: PAYLOAD_KEYS is unset' });
  });

  it('is off with keys but neither a token nor anonymous access', async () => {
    const answer = await (await serve(optionsOf({ PAYLOAD_KEYS: KEYS })))();
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({
      error: 'codec server off: set CODEC_TOKEN (or CODEC_ALLOW_ANONYMOUS)',
    });
  });

  it('serves anyone when anonymous access is allowed (the local stack), and wants the token once one is set', async () => {
    const anonymous = await serve(optionsOf({ PAYLOAD_KEYS: KEYS, CODEC_ALLOW_ANONYMOUS: 'true' }));
    expect((await anonymous()).status).toBe(200);
    expect(localDefaults().CODEC_ALLOW_ANONYMOUS).toBe('true');
    const both = await serve(
      optionsOf({ PAYLOAD_KEYS: KEYS, CODEC_ALLOW_ANONYMOUS: 'true', CODEC_TOKEN: 'codec-token-1' }),
    );
    expect((await both()).status).toBe(401);
    expect((await both({ authorization: 'Bearer codec-token-1' })).status).toBe(200);
  });

  it('refuses what is not the protocol, naming the field', async () => {
    const decode = await serve(optionsOf({ PAYLOAD_KEYS: KEYS, CODEC_ALLOW_ANONYMOUS: 'true' }));
    const answer = await decode({}, { payloads: [{ data: 'not base64!' }] });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ issues: [{ path: 'body.payloads.0.data' }] });
  });

  it('answers the Web UI with CORS headers for a configured origin only, preflight and call alike', async () => {
    const WEB_UI = 'http://localhost:8233';
    const decode = await serve({
      ...optionsOf({ PAYLOAD_KEYS: KEYS, CODEC_TOKEN: 'codec-token-1' }),
      origins: [WEB_UI],
    });
    const url = (await decode()).url;
    const preflight = (origin: string) =>
      fetch(url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const allowed = await preflight(WEB_UI);
    expect(allowed.status).toBe(204);
    expect(Object.fromEntries(allowed.headers)).toMatchObject({
      'access-control-allow-origin': WEB_UI,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'Content-Type,X-Namespace,Authorization',
      'access-control-max-age': '600',
      vary: expect.stringMatching(/Origin/),
    });
    const other = await preflight('https://evil.example');
    expect(other.status).toBe(204);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // The call itself: CORS headers whatever its credentials say, so that the browser shows the 401.
    const refused = await decode({ origin: WEB_UI });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(WEB_UI);
    const call = await decode({ origin: WEB_UI, authorization: 'Bearer codec-token-1' });
    expect(call.status).toBe(200);
    expect(call.headers.get('access-control-allow-origin')).toBe(WEB_UI);
    expect(
      (await decode({ origin: 'https://evil.example' })).headers.get('access-control-allow-origin'),
    ).toBeNull();
  });

  it('refuses a Web UI origin that is not an origin', () => {
    expect(() => optionsOf({ CODEC_ORIGINS: 'http://localhost:8233/ui' })).toThrow(
      /codec\.origins \(CODEC_ORIGINS\): "http:\/\/localhost:8233\/ui" is not an origin/,
    );
    expect(
      optionsOf({ CODEC_ORIGINS: 'http://localhost:8233, https://temporal.example.com' }).origins,
    ).toEqual(['http://localhost:8233', 'https://temporal.example.com']);
  });
});

/** The codec server's own listener: apart from the public API, on loopback unless it wants a token. */
describe('the codec listener', () => {
  const KEYS = `k1:${randomBytes(32).toString('base64')}`;
  const logger = createLogger('test', 'error');
  const configOf = (env: Record<string, string>) => loadConfig(env, { owners: ['temporal', 'codec'] });
  const ANONYMOUS_REFUSAL =
    'CODEC_ALLOW_ANONYMOUS=true would decrypt payloads for anyone who reaches CODEC_HOST=0.0.0.0: bind the ' +
    'codec listener to loopback (CODEC_HOST=127.0.0.1, and a port-forward or proxy in front), or set CODEC_TOKEN';

  it('binds to loopback by default, on a port apart from the API', () => {
    const config = configOf({});
    expect({ host: config.CODEC_HOST, port: config.CODEC_PORT }).toEqual({ host: '127.0.0.1', port: 3001 });
    expect(loadConfig({}, { owners: ['api'] }).API_PORT).not.toBe(config.CODEC_PORT);
  });

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.8.0.1', '::1', '[::1]', 'localhost'])
      expect({ host, loopback: isLoopback(host) }).toEqual({ host, loopback: true });
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'settle.example.com', '127.0.0.1.example.com'])
      expect({ host, loopback: isLoopback(host) }).toEqual({ host, loopback: false });
  });

  it('refuses anonymous access on an address other hosts reach, naming why; a token may serve there', async () => {
    const anonymous = configOf({ PAYLOAD_KEYS: KEYS, CODEC_ALLOW_ANONYMOUS: 'true', CODEC_HOST: '0.0.0.0' });
    expect(codecListenerRefusal(anonymous)).toBe(ANONYMOUS_REFUSAL);
    await expect(startCodecServer(anonymous, logger, 0)).rejects.toThrow(
      `codec server refused: ${ANONYMOUS_REFUSAL}`,
    );
    // Refused also without keys: adding them later must not open it to everyone.
    expect(codecListenerRefusal(configOf({ CODEC_ALLOW_ANONYMOUS: 'true', CODEC_HOST: '0.0.0.0' }))).toBe(
      ANONYMOUS_REFUSAL,
    );
    expect(codecListenerRefusal({ ...anonymous, CODEC_TOKEN: 'codec-token-1' })).toBeUndefined();
    expect(codecListenerRefusal({ ...anonymous, CODEC_HOST: '127.0.0.1' })).toBeUndefined();
  });

  it('npm run api refuses to start with it, before it reaches for Temporal or listens', async () => {
    const api = runEntryPoint('api/main.ts', {
      PATH: process.env.PATH,
      ...localDefaults(),
      SETTLE_CONFIG_FILE: '/dev/null',
      LOG_LEVEL: 'error',
      // Nothing answers here: the refusal comes first.
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      API_PORT: '0',
      PAYLOAD_KEYS: KEYS,
      CODEC_ALLOW_ANONYMOUS: 'true',
      CODEC_HOST: '0.0.0.0',
    });
    expect(await api.exited).toBe(1);
    expect(api.output().trim()).toBe(`codec server refused: ${ANONYMOUS_REFUSAL}`);
  });

  it('opens only with keys and a way to admit callers; then serves the protocol and its own document', async () => {
    expect(await startCodecServer(configOf({ CODEC_ALLOW_ANONYMOUS: 'true' }), logger, 0)).toBeUndefined();
    expect(await startCodecServer(configOf({ PAYLOAD_KEYS: KEYS }), logger, 0)).toBeUndefined();
    const codec = await startCodecServer(
      configOf({ PAYLOAD_KEYS: KEYS, CODEC_TOKEN: 'codec-token-1' }),
      logger,
      0,
    );
    try {
      expect(codec!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const decode = (authorization: string) =>
        fetch(`${codec!.url}/codec/decode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify({ payloads: [] }),
        });
      expect((await decode('Bearer codec-token-1')).status).toBe(200);
      expect((await decode('Bearer wrong-token-1')).status).toBe(401);
      // Nothing of the public API.
      expect((await fetch(`${codec!.url}/mib`, { method: 'POST' })).status).toBe(404);
      const document = (await (await fetch(`${codec!.url}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { security?: unknown }>>;
      };
      expect(Object.keys(document.paths).sort()).toEqual(['/codec/decode', '/codec/encode', '/openapi.json']);
      expect(document.paths['/codec/decode']!.post!.security).toEqual([{ codecBearer: [] }]);
    } finally {
      await codec?.close();
    }
  });
});
