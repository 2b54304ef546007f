import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { LOCAL_SPRYKER_TENANT, LOCAL_SPRYKER_TOKEN } from '../../config/local';
import { startTracing } from '../../config/tracing';
import { AUTH_FAILURE_LIMIT } from '../../http/throttle';
import type { Stack } from '../../scripts/stack';
import { sendMibCommand } from '../../sim/mib/sendCommand';
import { gatewayEvent } from '../helpers/gatewayEvents';
import { readMetrics, type Metrics } from '../helpers/metrics';
import { startTestStack } from '../helpers/stacks';
import { eventually, prebuiltBundle } from '../helpers/temporal';

/**
 * What an operator sees of the API and of a command on the whole stack (dev server, worker, API, simulators):
 * `/metrics` counts each case as it happens, and a capture is one trace from its HTTP request through its
 * workflow to the provider call, in an in-memory exporter standing for the OTLP one.
 */
describe('metrics and traces (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  const spans = new InMemorySpanExporter();
  const tracing = startTracing(new SimpleSpanProcessor(spans), 'settle');

  beforeAll(async () => {
    ({ env, stack } = await startTestStack({ gateway: { mode: 'immediate' }, tracing }));
  });
  afterAll(async () => {
    await stack?.stop();
    await tracing.shutdown();
  });

  const capture = (reference: string) => ({
    jsonrpc: '2.0',
    id: `req-${reference}`,
    method: 'magento.payments.payments_management.capture',
    params: {
      payment: {
        reference,
        currency: 'EUR',
        transactions: [
          {
            payment_method: 'card',
            amount: '12.50',
            gateway_information: { gateway_id: 'gateway', transaction_id: `auth_${reference}` },
          },
        ],
      },
    },
  });
  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${stack.api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  /** How far each metric moved while `act` ran. */
  async function moved(act: () => Promise<unknown>) {
    const before = await readMetrics(stack.api.url);
    await act();
    const after = await readMetrics(stack.api.url);
    return (name: string, labels?: Record<string, string>) =>
      after.value(name, labels) - before.value(name, labels);
  }

  it('counts a capture by its route, its status and its latency, and as a command MIB admitted', async () => {
    const delta = await moved(async () => {
      const answer = await sendMibCommand(stack.api.url, capture('PAY-METRICS-1'), {
        secret: stack.config.MIB_INTAKE_SECRET,
      });
      expect(answer.status).toBe(200);
    });
    const route = { method: 'POST', route: '/mib', status: '200' };
    expect(delta('settle_api_requests_total', route)).toBe(1);
    expect(delta('settle_api_request_duration_seconds_count', route)).toBe(1);
    expect(delta('settle_commands_admitted_total', { door: 'mib', command: 'capture' })).toBe(1);
  });

  it("counts an order's authorization at Spryker's checkout as a command the Spryker door admitted", async () => {
    const delta = await moved(async () => {
      const answer = await post(
        '/spryker/private/initialize-payment',
        JSON.stringify({
          orderData: {
            orderReference: 'DE--METRICS-1',
            currencyCode: 'EUR',
            grandTotal: 1200,
            items: [{ idSalesOrderItem: 1, sku: 'A', quantity: 1, unitPrice: 1200 }],
            additionalPaymentData: { paymentMethodToken: 'tok_visa' },
          },
          redirectSuccessUrl: 'https://shop.example.com/checkout/success',
        }),
        { 'x-tenant-identifier': LOCAL_SPRYKER_TENANT, authorization: `Bearer ${LOCAL_SPRYKER_TOKEN}` },
      );
      expect(answer.status).toBe(200);
    });
    expect(delta('settle_commands_admitted_total', { door: 'spryker', command: 'authorize' })).toBe(1);
  });

  it('counts refused credentials per gate, and the throttled calls past the limit', async () => {
    const delta = await moved(async () => {
      for (let sent = 0; sent <= AUTH_FAILURE_LIMIT.failures; sent += 1) {
        const answer = await fetch(`${stack.api.url}/payments`, {
          headers: { authorization: 'Bearer not-the-operator-token' },
        });
        expect(answer.status).toBe(sent < AUTH_FAILURE_LIMIT.failures ? 401 : 429);
      }
    });
    expect(delta('settle_api_auth_failures_total', { gate: '/payments' })).toBe(AUTH_FAILURE_LIMIT.failures);
    expect(delta('settle_api_throttled_requests_total', { gate: '/payments' })).toBe(1);
    const route = { method: 'GET', route: '/payments' };
    expect(delta('settle_api_requests_total', { ...route, status: '401' })).toBe(AUTH_FAILURE_LIMIT.failures);
    expect(delta('settle_api_requests_total', { ...route, status: '429' })).toBe(1);
  });

  it('counts a webhook that does not verify per provider, under its route template', async () => {
    const delta = await moved(async () => {
      const event = gatewayEvent('not-the-gateway-webhook-secret', {
        eventId: 'evt_forged',
        operationId: 'op_forged',
        workflowId: 'payment:NOWHERE:capture:0000000000000000',
      });
      expect((await post('/webhooks/gateway', event.body, event.headers)).status).toBe(401);
    });
    expect(delta('settle_api_webhook_verification_failures_total', { provider: 'gateway' })).toBe(1);
    expect(delta('settle_api_auth_failures_total', { gate: '/webhooks' })).toBe(1);
    expect(delta('settle_api_requests_total', { route: '/webhooks/:provider', status: '401' })).toBe(1);
  });

  it('counts a path no route serves under one label, never the path as sent', async () => {
    const delta = await moved(async () => {
      expect((await fetch(`${stack.api.url}/no/such/path-4711`)).status).toBe(404);
    });
    expect(delta('settle_api_requests_total', { route: '(none)', status: '404' })).toBe(1);
    const metrics: Metrics = await readMetrics(stack.api.url);
    expect(metrics.value('settle_api_requests_total', { route: '/no/such/path-4711' })).toBe(0);
  });

  it("traces a capture as one trace: its HTTP request, its workflow's start and run, the provider call", async () => {
    const requestId = 'trace-capture-0001';
    const answer = await sendMibCommand(stack.api.url, capture('PAY-TRACE-1'), {
      secret: stack.config.MIB_INTAKE_SECRET,
      headers: { 'x-request-id': requestId },
    });
    expect(answer.status).toBe(200);
    const workflowId = (answer.body as { result: { workflow_id: string } }).result.workflow_id;
    await env.client.workflow.getHandle(workflowId).result();
    const byId = new Map<string, ReadableSpan>();
    // The workflows' spans leave the worker as they end, the last once the command's workflow has finished.
    const chain = await eventually(
      async () => {
        for (const span of spans.getFinishedSpans()) byId.set(span.spanContext().spanId, span);
        return [...byId.values()]
          .filter((span) => span.name === 'RunActivity:executeProviderCommand')
          .map((span) => chainOf(span, byId))
          .find((spans) => spans.at(-1)!.attributes['http.request.header.x-request-id'] === requestId);
      },
      30_000,
      'the provider call of the capture, and its ancestors up to its HTTP request',
    );
    // The command's workflow runs the provider call in a child workflow of its own (a turn of the payment).
    expect(chain.map((span) => span.name)).toEqual([
      'RunActivity:executeProviderCommand',
      'StartActivity:executeProviderCommand',
      'RunWorkflow:paymentTurnWorkflow',
      'StartChildWorkflow:paymentTurnWorkflow',
      'RunWorkflow:paymentCommandWorkflow',
      'StartWorkflow:paymentCommandWorkflow',
      'POST /mib',
    ]);
    expect(chain.at(-1)!.parentSpanId).toBeUndefined();
    expect(new Set(chain.map((span) => span.spanContext().traceId)).size).toBe(1);
    expect(chain.at(-1)!.attributes).toMatchObject({
      'http.route': '/mib',
      'http.response.status_code': 200,
    });
    // A traced workflow replays as it ran (a worker that lost it from its cache replays it).
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    await expect(Worker.runReplayHistory(prebuiltBundle, history, workflowId)).resolves.toBeUndefined();
  });
});

/** The span and its ancestors, as far as they were exported, from the span up. */
function chainOf(span: ReadableSpan, byId: ReadonlyMap<string, ReadableSpan>): ReadableSpan[] {
  const chain = [span];
  for (let parent = span.parentSpanId; parent !== undefined;) {
    const next = byId.get(parent);
    if (!next) break;
    chain.push(next);
    parent = next.parentSpanId;
  }
  return chain;
}
