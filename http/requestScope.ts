import { randomUUID } from 'node:crypto';
import * as otel from '@opentelemetry/api';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { withLogFields } from '../config/logger';
import { routeOf } from './metrics';

/**
 * What belongs to one HTTP request while it is served: its id, in every log line written for it and in the
 * `X-Request-Id` answer header, and, with tracing on, its server span, the parent of whatever it starts
 * (a workflow start carries it on to the workflow and the provider call).
 */

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's own id is kept when it looks like one (a UUID, a proxy's token); anything else is replaced. */
const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIdOf(sent: string | string[] | undefined): string {
  return typeof sent === 'string' && WELL_FORMED_ID.test(sent) ? sent : randomUUID();
}

/** Probes and scrapes, every few seconds: no trace of them. */
const UNTRACED = new Set(['/health', '/ready', '/metrics']);

interface Scope {
  readonly requestId: string;
  readonly context: otel.Context;
}

const SCOPE = Symbol('request scope');
type Scoped = Response & { [SCOPE]?: Scope };

/**
 * The first step of an app: names the request, opens its server span (with a tracer; a caller's W3C
 * `traceparent` is its parent), and runs the rest of the request within both.
 */
export function requestScope(tracer?: otel.Tracer): RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
    res.set('X-Request-Id', requestId);
    let context = otel.context.active();
    if (tracer && !UNTRACED.has(req.path)) {
      const parent = otel.propagation.extract(otel.ROOT_CONTEXT, req.headers);
      const span = tracer.startSpan(
        req.method,
        {
          kind: otel.SpanKind.SERVER,
          attributes: { 'http.request.method': req.method, 'http.request.header.x-request-id': requestId },
        },
        parent,
      );
      context = otel.trace.setSpan(parent, span);
      res.once('close', () => endSpan(span, req, res));
    }
    (res as Scoped)[SCOPE] = { requestId, context };
    inScope(res, next);
  };
}

/** Named for its route template once known (`POST /webhooks/:provider`), never for the path as sent. */
function endSpan(span: otel.Span, req: Request, res: Response): void {
  const route = routeOf(res.locals);
  span.updateName(`${req.method} ${route}`);
  span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
  if (res.statusCode >= 500) span.setStatus({ code: otel.SpanStatusCode.ERROR });
  span.end();
}

/** Runs `fn` within the request's scope: the body parsers call on from their stream's events, outside it. */
function inScope<T>(res: Response, fn: () => T): T {
  const scope = (res as Scoped)[SCOPE];
  if (!scope) return fn();
  return withLogFields({ requestId: scope.requestId }, () => otel.context.with(scope.context, fn));
}

/** A route's step, run within its request's scope. */
export function scoped(step: RequestHandler): RequestHandler {
  return (req, res, next) => inScope(res, () => step(req, res, next));
}

/** An error handler, run within its request's scope. */
export function scopedErrors(step: ErrorRequestHandler): ErrorRequestHandler {
  return (error, req, res, next) => inScope(res, () => step(error, req, res, next));
}
