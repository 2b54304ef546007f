import type { Tracer } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { z } from 'zod';
import type { Logger } from '../config/logger';
import type { TrustProxy } from '../config/trustProxy';
import { FRONT_DOORS } from '../oms';
import type { CoreServices, FrontDoor } from '../oms/door';
import { mountRoutes, route, type RouteSet } from '../http/contract';
import { requestMetrics, serveMetrics } from '../http/metrics';
import { requestScope, scopedErrors } from '../http/requestScope';
import type { CheckoutPageSettings } from '../domain/checkout';
import { checkoutPageRoutes } from './checkoutPage';
import { openApiDocument } from './openapi';
import { paymentRoutes } from './payments';
import { webhookRoutes } from './webhooks';

/**
 * The core's services, the operator's settings, and what each front door's routes need of its own settings
 * (FrontDoor.dependencies, under names each door chooses), side by side.
 */
export interface ApiDependencies extends CoreServices {
  /** What the front doors' routes need of their settings, by the names each door gives them. */
  readonly [doorDependency: string]: unknown;
  /** The operator's bearer token for `/payments`; without it the operator API answers 503. */
  readonly adminToken?: string;
  /** Which proxies may name the client (TRUST_PROXY): the address the abuse limits count by. None: no proxy. */
  readonly trustProxy?: TrustProxy;
  /** True once the process is shutting down: `/ready` then answers 503 so that no new traffic comes. */
  readonly draining?: () => boolean;
  /** With tracing on (config/tracing.ts): each request's server span, the parent of what it starts. */
  readonly tracer?: Tracer;
  /** The hosted payment page's settings; absent, `/pay/…` answers 503 and no page checkout opens. */
  readonly checkoutPage?: CheckoutPageSettings;
}

export const healthSchema = z.object({ status: z.literal('ok') });
export const readinessSchema = z.object({
  status: z.enum(['ready', 'unready']),
  checks: z.object({
    temporal: z.object({ ok: z.boolean(), error: z.string().optional() }),
    draining: z.boolean(),
  }),
});
type Readiness = z.infer<typeof readinessSchema>;

/** How long `/ready` waits for Temporal: a probe must answer before its own timeout (a few seconds). */
export const READINESS_DEADLINE_MS = 2000;

/** Whether Temporal answers a cheap call (GetSystemInfo) within the deadline. */
async function temporalCheck(temporal: Client): Promise<Readiness['checks']['temporal']> {
  const { connection } = temporal;
  try {
    await connection.withDeadline(Date.now() + READINESS_DEADLINE_MS, () =>
      connection.workflowService.getSystemInfo({}),
    );
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** Liveness, readiness and the document of the whole contract, itself included. */
function serviceRoutes(deps: ApiDependencies, document: () => unknown): RouteSet {
  return {
    schemas: {
      Health: [healthSchema, 'The process serves HTTP.'],
      Readiness: [
        readinessSchema,
        'Whether the API can take commands: Temporal answers, and it is not draining.',
      ],
    },
    routes: [
      route({
        method: 'get',
        path: '/health',
        operationId: 'health',
        summary: 'Liveness',
        validate: 'contract',
        responses: { 200: { description: 'Serving.', body: healthSchema } },
        handle: (_req, res) => res.json({ status: 'ok' } satisfies z.infer<typeof healthSchema>),
      }),
      route({
        method: 'get',
        path: '/ready',
        operationId: 'readiness',
        summary: 'Readiness',
        description:
          'Ready when Temporal answers within 2 s and the process is not shutting down; a load balancer or ' +
          'Kubernetes sends traffic only while it is. Liveness is `/health`, which does not ask Temporal.',
        validate: 'contract',
        responses: {
          200: { description: 'Ready.', body: readinessSchema },
          503: {
            description: 'Not ready: Temporal does not answer, or the process is draining.',
            body: readinessSchema,
          },
        },
        handle: async (_req, res) => {
          const draining = deps.draining?.() ?? false;
          const temporal = draining
            ? { ok: false, error: 'shutting down' }
            : await temporalCheck(deps.temporal);
          const ready = temporal.ok && !draining;
          const answer: Readiness = { status: ready ? 'ready' : 'unready', checks: { temporal, draining } };
          res.status(ready ? 200 : 503).json(answer);
        },
      }),
      route({
        method: 'get',
        path: '/metrics',
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        description:
          "The API's requests (count, latency and status per route), refused and throttled credentials, " +
          "unverified webhooks and the commands each door admitted, in Prometheus' text format " +
          '(docs/operations.md, "Metrics").',
        validate: 'contract',
        responses: { 200: { description: 'The metrics, as `text/plain; version=0.0.4`.' } },
        handle: serveMetrics,
      }),
      route({
        method: 'get',
        path: '/openapi.json',
        operationId: 'openApiDocument',
        summary: 'This document',
        validate: 'contract',
        responses: { 200: { description: 'The OpenAPI 3.1 document.', body: z.looseObject({}) } },
        handle: (_req, res) => res.json(document()),
      }),
    ],
  };
}

/**
 * Every route of the API, as declared once for both Express and the OpenAPI document: the front doors an
 * order management system sends payment commands through (oms/index.ts) each bring their own.
 */
export function apiRoutes(
  deps: ApiDependencies,
  doors: readonly FrontDoor[] = FRONT_DOORS,
): readonly RouteSet[] {
  const sets: RouteSet[] = [];
  let document: unknown;
  sets.push(
    serviceRoutes(deps, () => (document ??= openApiDocument(sets))),
    ...doors.flatMap((door) => (door.routes ? [door.routes(deps)] : [])),
    webhookRoutes(deps),
    checkoutPageRoutes(deps),
    paymentRoutes(deps),
  );
  return sets;
}

/** The HTTP edge: the front doors, provider webhooks, the operator API, health, and the OpenAPI document of them all. */
export function createApi(deps: ApiDependencies, doors: readonly FrontDoor[] = FRONT_DOORS): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(requestScope(deps.tracer), requestMetrics());
  app.use(mountRoutes(apiRoutes(deps, doors), deps.logger));
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  app.use(errorHandler(deps.logger));
  return app;
}

/** What no route answered itself: Settle's own trouble. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return scopedErrors((error: { status?: number; message?: string }, req, res, _next) => {
    logger.error('request failed', { path: req.path, error: error.message });
    res.status(error.status ?? 500).json({ error: 'Internal error' });
  });
}
