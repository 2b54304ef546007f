import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createApi } from '../../api/app';
import { localDefaults } from '../../config';
import { loadSettleConfig } from '../../oms';
import { listen } from '../../config/server';
import { startTracing, tracingFromConfig } from '../../config/tracing';
import { apiParts, unreachableTemporal } from '../helpers/apiEdge';
import { eventually } from '../helpers/temporal';

/** Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; then spans go over OTLP/HTTP to `<url>/v1/traces`. */
describe('the OTLP exporter', () => {
  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(tracingFromConfig(loadSettleConfig(localDefaults()), 'settle-api')).toBeUndefined();
  });

  it('refuses an endpoint that is not an http(s) URL, naming the setting', () => {
    expect(() =>
      loadSettleConfig({ ...localDefaults(), OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }),
    ).toThrow(/log\.otlp_endpoint \(OTEL_EXPORTER_OTLP_ENDPOINT\)/);
  });

  it("sends the spans to the collector's /v1/traces, named for the service", async () => {
    const received: { path?: string; type?: string; body: Buffer }[] = [];
    const collector = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ path: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((done) => collector.listen(0, '127.0.0.1', done));
    try {
      const { port } = collector.address() as AddressInfo;
      const config = loadSettleConfig({
        ...localDefaults(),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}/`,
      });
      const tracing = tracingFromConfig(config, 'settle-api')!;
      tracing.tracer.startSpan('POST /mib').end();
      await tracing.shutdown();
      const [request] = await eventually(async () => (received.length > 0 ? received : undefined));
      expect(request!.path).toBe('/v1/traces');
      const body = request!.body.toString('latin1');
      expect(body).toContain('settle-api');
      expect(body).toContain('POST /mib');
    } finally {
      collector.close();
    }
  });
});

/** The API's span of a request: named for its route template, a child of the caller's `traceparent`. */
describe("the API's server spans", () => {
  it("continue the caller's trace, named for the route template; probes make none", async () => {
    const spans = new InMemorySpanExporter();
    const tracing = startTracing(new SimpleSpanProcessor(spans), 'settle-api');
    const connection = unreachableTemporal();
    const config = loadSettleConfig(localDefaults());
    const api = await listen(
      createApi({
        ...apiParts(config, connection, []),
        adminToken: 'operator-token-1',
        tracer: tracing.tracer,
      }),
      0,
    );
    try {
      // First, so that its span, were one made, would have ended before the other's.
      expect(await (await fetch(`${api.url}/health`)).json()).toEqual({ status: 'ok' });
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const callerSpan = '00f067aa0ba902b7';
      const answer = await fetch(`${api.url}/payments/payment:P-1:capture:0`, {
        headers: { traceparent: `00-${traceId}-${callerSpan}-01`, authorization: 'Bearer wrong-token-1' },
      });
      expect(answer.status).toBe(401);
      const [span, ...others] = await eventually(async () => {
        const finished = spans.getFinishedSpans();
        return finished.length > 0 ? finished : undefined;
      });
      expect(others).toEqual([]);
      expect(span!.name).toBe('GET /payments/:id');
      expect(span!.spanContext().traceId).toBe(traceId);
      expect(span!.parentSpanId).toBe(callerSpan);
      expect(span!.attributes).toMatchObject({
        'http.route': '/payments/:id',
        'http.response.status_code': 401,
        'http.request.header.x-request-id': answer.headers.get('x-request-id'),
      });
    } finally {
      await api.close();
      await connection.close();
      await tracing.shutdown();
    }
  });
});
