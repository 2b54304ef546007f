import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, localDefaults } from '../../config';
import { tracingFromConfig } from '../../config/tracing';
import { eventually } from '../helpers/temporal';

/** Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; then spans go over OTLP/HTTP to `<url>/v1/traces`. */
describe('the OTLP exporter', () => {
  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(tracingFromConfig(loadConfig(localDefaults()), 'settle-api')).toBeUndefined();
  });

  it('refuses an endpoint that is not an http(s) URL, naming the setting', () => {
    expect(() => loadConfig({ ...localDefaults(), OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /log\.otlp_endpoint \(OTEL_EXPORTER_OTLP_ENDPOINT\)/,
    );
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
      const config = loadConfig({
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
