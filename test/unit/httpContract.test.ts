import express from 'express';
import { z } from 'zod';
import { KB, MB, formatBytes, mountRoutes, route, type Route } from '../../http/contract';
import { openApiDocument } from '../../api/openapi';
import { listen, type RunningServer } from '../../config/server';

/** The declaration helper on its own: what a declared route lets through to its handler, and what not. */
describe('a route declared in the HTTP contract', () => {
  const quiet = () => undefined;
  const handled: unknown[] = [];
  const greeting = z.strictObject({ name: z.string().min(1), times: z.number().int().max(3).default(1) });
  const greet = route({
    method: 'post',
    path: '/greet/:lang',
    operationId: 'greet',
    summary: 'Greets',
    request: {
      params: z.object({ lang: z.enum(['en', 'de']) }),
      query: z.object({ loud: z.enum(['yes', 'no']).default('no') }),
      body: { schema: greeting, contentType: 'application/json', read: 'json', limit: 1 * KB },
    },
    validate: 'contract',
    responses: {
      200: { description: 'The greeting.', body: z.object({ text: z.string() }) },
      400: { description: 'Invalid.', body: z.object({ error: z.string() }) },
    },
    handle: (_req, res, input) => {
      handled.push(input);
      res.json({ text: `${input.params.lang}:${input.body.name}x${input.body.times}:${input.query.loud}` });
    },
  });
  let server: RunningServer;
  beforeAll(async () => {
    const app = express();
    app.use(mountRoutes([{ routes: [greet] }], { debug: quiet, info: quiet, warn: quiet, error: quiet }));
    server = await listen(app, 0);
  });
  afterAll(() => server.close());

  const post = async (path: string, body: string) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, body: await response.json() };
  };

  it('hands the handler the input as the schemas parse it, defaults included', async () => {
    expect(await post('/greet/de', '{"name":"Ada"}')).toEqual({ status: 200, body: { text: 'de:Adax1:no' } });
    expect(handled).toEqual([
      { params: { lang: 'de' }, query: { loud: 'no' }, body: { name: 'Ada', times: 1 } },
    ]);
  });

  it('refuses what violates params, query or body before the handler runs, naming every field', async () => {
    handled.length = 0;
    expect(await post('/greet/fr?loud=very', '{"name":"","times":9,"extra":1}')).toEqual({
      status: 400,
      body: {
        error: 'invalid request',
        issues: expect.arrayContaining([
          expect.objectContaining({ path: 'params.lang' }),
          expect.objectContaining({ path: 'query.loud' }),
          expect.objectContaining({ path: 'body.name' }),
          expect.objectContaining({ path: 'body.times' }),
          expect.objectContaining({ path: 'body' }),
        ]),
      },
    });
    expect(await post('/greet/en', '{"name"')).toEqual({
      status: 400,
      body: { error: 'invalid request', issues: [{ path: 'body', message: 'not valid JSON' }] },
    });
    expect(await post('/greet/en', JSON.stringify({ name: 'x'.repeat(1 * KB) }))).toEqual({
      status: 413,
      body: { error: 'the body is too large' },
    });
    expect(handled).toEqual([]);
  });

  it('documents the limit from the number, and the refusals with it', () => {
    const operation = openApiDocument([{ routes: [greet] }]).paths['/greet/{lang}']!.post as {
      requestBody: unknown;
      responses: Record<string, unknown>;
    };
    expect(operation.requestBody).toMatchObject({ 'x-body-limit': 1024, description: 'At most 1 kB.' });
    expect(operation.responses['413']).toEqual({
      description: 'The body is over 1 kB.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    });
    expect([formatBytes(256 * KB), formatBytes(1 * MB), formatBytes(1000)]).toEqual([
      '256 kB',
      '1 MB',
      '1000 bytes',
    ]);
  });

  it('will not document a route that validates its input without its 400 answer', () => {
    const { 400: _dropped, ...responses } = greet.responses;
    const undocumented: Route = { ...greet, responses };
    expect(() => openApiDocument([{ routes: [undocumented] }])).toThrow(/declare its 400 answer/);
  });

  it('will not document an unnamed schema it cannot refer to', () => {
    const part = z.object({ a: z.string() });
    const whole = route({
      method: 'get',
      path: '/x',
      operationId: 'x',
      summary: 'x',
      validate: 'contract',
      responses: {
        200: { description: 'x', body: z.object({ part }) },
        201: { description: 'y', body: part },
      },
      handle: () => undefined,
    });
    expect(() => openApiDocument([{ routes: [whole] }])).toThrow(/name it/);
    expect(() => openApiDocument([{ routes: [whole], schemas: { Part: [part, 'A part.'] } }])).not.toThrow();
  });
});
