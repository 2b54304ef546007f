import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../config/logger';
import type { ResponseSpec } from './contract';

/**
 * Abuse limits of the HTTP edge. A client (by IP) that fails authentication too often on a route is
 * answered 429 with Retry-After until its window ends, without its credentials being checked again; its
 * failures are logged once per window, not once each, so a flood of wrong tokens cannot flood the log.
 * Each client and route has its own count: one client's failures never hold back another.
 */

/** At most this many failed authentications per client and route in a window; then 429 until it ends. */
export const AUTH_FAILURE_LIMIT = { failures: 10, windowMs: 60_000 } as const;

/** The 429 of a route behind an AuthGate, as the HTTP contract declares it, with the route's own body. */
export function throttledResponse(body: z.ZodType): ResponseSpec {
  return {
    description:
      `More than ${AUTH_FAILURE_LIMIT.failures} failed authentications from this client in ` +
      `${AUTH_FAILURE_LIMIT.windowMs / 1000} s: refused unread until the window ends.`,
    body,
    headers: { 'Retry-After': { description: 'Seconds until the window ends.', schema: z.string() } },
  };
}

/** Past this many clients in a window, ended windows are swept, so memory stays bounded. */
const SWEEP_ABOVE = 10_000;

/** Failed authentications and throttled requests per route since the process started: the metric. */
const counters = new Map<string, { failed: number; throttled: number }>();

export function authFailureCounts(): Readonly<Record<string, { failed: number; throttled: number }>> {
  return Object.fromEntries([...counters].map(([route, counts]) => [route, { ...counts }]));
}

export interface AuthGateOptions {
  /** The route as logs and the metric name it, e.g. `/mib`. */
  readonly route: string;
  readonly logger: Logger;
  /** Writes the route's own 401 answer (its body and WWW-Authenticate). */
  readonly unauthorized: (res: Response, reason: string) => void;
  /** Writes the route's own 429 body; the gate sets the status and Retry-After. */
  readonly throttled: (res: Response, retryAfterSeconds: number) => void;
  readonly limit?: { readonly failures: number; readonly windowMs: number };
  readonly now?: () => number;
}

export interface AuthGate {
  /**
   * True when the caller proved who it is (`failure` answered undefined) and may go on. Otherwise the caller
   * has been answered: 429 while its client is throttled, else 401.
   */
  admit(req: Request, res: Response, failure: () => string | undefined): boolean;
}

export function authGate({
  route,
  logger,
  unauthorized,
  throttled,
  limit = AUTH_FAILURE_LIMIT,
  now = Date.now,
}: AuthGateOptions): AuthGate {
  const windows = new Map<string, { endsAt: number; failures: number }>();
  const counts = counters.get(route) ?? { failed: 0, throttled: 0 };
  counters.set(route, counts);

  const windowOf = (client: string, at: number) => {
    const current = windows.get(client);
    if (current && current.endsAt > at) return current;
    if (windows.size > SWEEP_ABOVE) {
      for (const [key, window] of windows) if (window.endsAt <= at) windows.delete(key);
    }
    const fresh = { endsAt: at + limit.windowMs, failures: 0 };
    windows.set(client, fresh);
    return fresh;
  };

  return {
    admit(req, res, failure) {
      const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      const at = now();
      const open = windows.get(client);
      if (open && open.endsAt > at && open.failures >= limit.failures) {
        counts.throttled += 1;
        const retryAfterSeconds = Math.max(1, Math.ceil((open.endsAt - at) / 1000));
        res.status(429).set('Retry-After', String(retryAfterSeconds));
        throttled(res, retryAfterSeconds);
        return false;
      }
      const reason = failure();
      if (reason === undefined) return true;
      counts.failed += 1;
      const window = windowOf(client, at);
      window.failures += 1;
      if (window.failures === 1) {
        logger.warn('refused an unauthenticated call', { route, reason, ip: client });
      } else if (window.failures === limit.failures) {
        logger.warn('throttling a client that keeps failing authentication', {
          route,
          ip: client,
          failures: window.failures,
          retryAfterSeconds: Math.ceil(limit.windowMs / 1000),
        });
      }
      unauthorized(res, reason);
      return false;
    },
  };
}

/**
 * The gate of a route behind a bearer token: 401 with `WWW-Authenticate: Bearer realm="<realm>"` and
 * `{error}` bodies, the operator API's and the codec server's alike.
 */
export function bearerGate(route: string, realm: string, logger: Logger, scheme = 'Bearer'): AuthGate {
  return authGate({
    route,
    logger,
    unauthorized: (res, reason) =>
      void res
        .status(401)
        .set('WWW-Authenticate', `${scheme} realm="${realm}"`)
        .json({ error: `Unauthorized: ${reason}` }),
    throttled: (res, seconds) =>
      void res.json({ error: `Too many failed authentications: retry after ${seconds} s` }),
  });
}

/**
 * Who the caller is, as `identify` finds out (a door's tenant or profile from its credentials), or undefined
 * once the gate has answered the call 401 (identify refused it) or 429.
 */
export function identifiedBy<T>(
  gate: AuthGate,
  req: Request,
  res: Response,
  identify: () => { readonly who: T } | { readonly refused: string },
): T | undefined {
  let who: T | undefined;
  const admitted = gate.admit(req, res, () => {
    const found = identify();
    if ('refused' in found) return found.refused;
    who = found.who;
    return undefined;
  });
  return admitted ? who : undefined;
}

/**
 * At most one action per key in an interval: the rest are skipped. Keys whose interval has passed are swept
 * once many are held, so memory stays bounded.
 */
export function oncePer(now: () => number = Date.now) {
  const last = new Map<string, number>();
  return {
    /** True, and the key's interval starts, when the key had no action in the last `intervalMs`. */
    take(key: string, intervalMs: number): boolean {
      const at = now();
      const previous = last.get(key);
      if (previous !== undefined && at - previous < intervalMs) return false;
      if (last.size > SWEEP_ABOVE) {
        // Held entries are at most this old to matter; intervals are alike per caller.
        for (const [held, when] of last) if (at - when >= intervalMs) last.delete(held);
      }
      last.set(key, at);
      return true;
    },
  };
}
