import { randomBytes } from 'node:crypto';
import express from 'express';
import { codecRoutes, codecServerOptions, type CodecServerOptions } from '../../api/codecServer';
import { loadConfig, localDefaults } from '../../config';
import { createLogger } from '../../config/logger';
import { listen, type RunningServer } from '../../config/server';
import { mountRoutes } from '../../api/contract';

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

  it('refuses a Web UI origin that is not an origin', () => {
    expect(() => optionsOf({ CODEC_ORIGINS: 'http://localhost:8233/ui' })).toThrow(
      /codec\.origins \(CODEC_ORIGINS\): "http:\/\/localhost:8233\/ui" is not an origin/,
    );
    expect(
      optionsOf({ CODEC_ORIGINS: 'http://localhost:8233, https://temporal.example.com' }).origins,
    ).toEqual(['http://localhost:8233', 'https://temporal.example.com']);
  });
});
