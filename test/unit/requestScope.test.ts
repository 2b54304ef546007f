import { createLogger } from '../../config/logger';
import { apiEdgeForSuite, send } from '../helpers/apiEdge';

/**
 * Each request has an id: the caller's X-Request-Id when well-formed, else one of the API's own; it comes back
 * in the answer's X-Request-Id and is in every line logged for the request, the secret it was sent masked.
 */
describe('request ids', () => {
  const api = apiEdgeForSuite({ extra: () => ({ logger: createLogger('api', 'info') }) });
  const { agent } = api;

  /** Sends a request and answers it with the lines the API wrote meanwhile. */
  async function logged(request: Parameters<typeof send>[1], from = '127.0.0.1') {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const answer = await send(`${api.url}/mib`, { ...request, from }, agent);
      return { answer, lines: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
    } finally {
      write.mockRestore();
    }
  }

  it("keeps the caller's well-formed id, answers it, and puts it in the request's log lines", async () => {
    const requestId = 'c0ffee00-1111-4222-8333-444455556666';
    const { answer, lines } = await logged({
      headers: { 'x-request-id': requestId, authorization: 'Bearer not-the-intake-secret' },
      body: '{}',
    });
    expect(answer.status).toBe(401);
    expect(answer.headers['x-request-id']).toBe(requestId);
    expect(lines).toEqual([
      expect.objectContaining({ message: 'refused an unauthenticated call', requestId, route: '/mib' }),
    ]);
  });

  it('replaces an id that is not well-formed with its own, a fresh one per request', async () => {
    const ids = [];
    for (const sent of ['', 'short', 'has spaces in it', 'x'.repeat(129), '"quoted"-0000']) {
      const { answer, lines } = await logged(
        {
          headers: { 'x-request-id': sent, authorization: 'Bearer not-the-intake-secret' },
          body: '{}',
        },
        // A client of its own each, so that each failure is logged (once per window and client).
        `127.0.0.${ids.length + 2}`,
      );
      const id = answer.headers['x-request-id'] as string;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(lines.map((line) => line.requestId)).toEqual([id]);
      ids.push(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes no request id into lines logged outside a request', () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      createLogger('api').info('between requests');
    } finally {
      write.mockRestore();
    }
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('requestId');
  });
});
