import type { Request, RequestHandler, Response } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The API's Prometheus metrics (prom-client), served at `GET /metrics` on the API's port; the worker serves the
 * SDK's and the workflows' own on METRICS_PORT (worker/runtime.ts). Labels hold only bounded values: route
 * templates (`/webhooks/:provider`, never the path as sent), configured doors, providers and commands.
 * docs/operations.md lists them with the alerts an operator should set.
 */
export const apiRegistry = new Registry();
collectDefaultMetrics({ register: apiRegistry });

export const httpRequests = new Counter({
  name: 'settle_api_requests_total',
  help: 'HTTP requests answered, by method, route template and status.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [apiRegistry],
});

export const httpRequestDuration = new Histogram({
  name: 'settle_api_request_duration_seconds',
  help: 'Time from the request to its answer, by method, route template and status.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [apiRegistry],
});

export const authFailures = new Counter({
  name: 'settle_api_auth_failures_total',
  help: 'Calls refused 401 for their credentials, by the gate that refused them (a door, /payments, /codec, /webhooks).',
  labelNames: ['gate'] as const,
  registers: [apiRegistry],
});

export const throttledRequests = new Counter({
  name: 'settle_api_throttled_requests_total',
  help: 'Calls answered 429 because their client failed authentication too often, by gate.',
  labelNames: ['gate'] as const,
  registers: [apiRegistry],
});

export const webhookVerificationFailures = new Counter({
  name: 'settle_api_webhook_verification_failures_total',
  help: "Provider webhooks whose signature did not verify, by provider (also counted as the /webhooks gate's auth failures).",
  labelNames: ['provider'] as const,
  registers: [apiRegistry],
});

export const webhookRechecksDropped = new Counter({
  name: 'settle_api_webhook_rechecks_dropped_total',
  help: 'Payments an unverified webhook named that were not asked about, because as many rechecks were in flight as allowed.',
  registers: [apiRegistry],
});

export const commandsAdmitted = new Counter({
  name: 'settle_commands_admitted_total',
  help: 'Payment commands a front door admitted (their workflow started, or found for a redelivery), by door and command.',
  labelNames: ['door', 'command'] as const,
  registers: [apiRegistry],
});

/** Counts a command a door admitted (`authorize` for an order's authorization at checkout). */
export function countAdmitted(door: string, command: string): void {
  commandsAdmitted.inc({ door, command });
}

/** Unmatched requests are counted under one label, so that probes of random paths add no series. */
export const NO_ROUTE = '(none)';

/** Counts and times every request by its route template (set by mountRoutes), once answered. */
export function requestMetrics(): RequestHandler {
  return (req, res, next) => {
    const stop = httpRequestDuration.startTimer();
    res.once('finish', () => {
      const labels = { method: req.method, route: routeOf(res.locals), status: String(res.statusCode) };
      httpRequests.inc(labels);
      stop(labels);
    });
    next();
  };
}

/** The template of the route that answered, as mountRoutes records it. */
export function routeOf(locals: Record<string, unknown>): string {
  return typeof locals.route === 'string' ? locals.route : NO_ROUTE;
}

/** `GET /metrics`: the registry in Prometheus' text format. */
export async function serveMetrics(_req: Request, res: Response): Promise<void> {
  res.set('Content-Type', apiRegistry.contentType).send(await apiRegistry.metrics());
}
