import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../config/logger';
import { errorBodySchema, type ResponseSpec } from './contract';
import { authFailures, throttledRequests } from './metrics';

/**
 * Abuse limits of the HTTP edge. Credentials are always checked, and a valid one is always accepted: the limits
 * hold back only failures. A caller that fails authentication too often on a route — counted per address (the
 * client's, as TRUST_PROXY lets Express read it behind a proxy) and claimed identity (a door's tenant or
 * profile) — is answered 429 with Retry-After instead of 401 until its window ends, and its failures are logged
 * once per window, not once each, so a flood of wrong tokens cannot flood the log. One caller's failures never
 * hold back another caller, nor the same address or identity with the right credentials.
 */

/** At most this many failed authentications per address, identity and route in a window; then 429 until it ends. */
export const AUTH_FAILURE_LIMIT = { failures: 10, windowMs: 60_000 } as const;

/** The 429 of a route behind an AuthGate, as the HTTP contract declares it, with the route's own body. */
export function throttledResponse(body: z.ZodType): ResponseSpec {
  return {
    description:
      `More than ${AUTH_FAILURE_LIMIT.failures} failed authentications from this client in ` +
      `${AUTH_FAILURE_LIMIT.windowMs / 1000} s: failures are answered 429 until the window ends (valid ` +
      'credentials are always accepted).',
    body,
    headers: { 'Retry-After': { description: 'Seconds until the window ends.', schema: z.string() } },
  };
}

/**
 * The refusals of a door's route behind an AuthGate whose work needs Temporal: 401 (worded for the callers it
 * knows), 429 once a caller is throttled, 503 while Temporal cannot be reached.
 */
export function gatedResponses(unauthorized: string) {
  return {
    401: { description: unauthorized, body: errorBodySchema },
    429: throttledResponse(errorBodySchema),
    503: { description: 'Temporal cannot be reached: send again.', body: errorBodySchema },
  } satisfies Record<number, ResponseSpec>;
}

/** Past this many callers in a window, ended windows are swept, then the oldest dropped: memory stays bounded. */
const MAX_KEYS = 10_000;

/** The caller's address: Express's `req.ip`, which reads X-Forwarded-For only from proxies TRUST_PROXY trusts. */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export interface AuthGateOptions {
  /** The route as logs and the metrics (the `gate` label) name it, e.g. `/mib`. */
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
   * True when the caller proved who it is (`failure` answered undefined) and may go on, whatever its
   * address or identity failed before. Otherwise the caller has been answered: 401, or 429 once its failures
   * are past the limit. `claimed` is the configured identity the call claims (a tenant, a profile), if any.
   */
  admit(req: Request, res: Response, failure: () => string | undefined, claimed?: string): boolean;
  /**
   * Answers a call whose credentials did not verify (checked elsewhere, e.g. asynchronously): 401, or 429
   * past the limit; answers which.
   */
  refuse(req: Request, res: Response, reason: string, claimed?: string): 'unauthorized' | 'throttled';
}

export function authGate({
  route,
  logger,
  unauthorized,
  throttled,
  limit = AUTH_FAILURE_LIMIT,
  now = Date.now,
}: AuthGateOptions): AuthGate {
  const failures = failureWindows(limit.windowMs, now);

  function refuse(req: Request, res: Response, reason: string, claimed?: string) {
    const ip = clientAddress(req);
    const who = claimed === undefined ? { ip } : { ip, claimed };
    const window = failures.count(claimed === undefined ? ip : `${ip}\u0000${claimed}`);
    if (window.failures === 1) {
      logger.warn('refused an unauthenticated call', { route, reason, ...who });
    } else if (window.failures === limit.failures + 1) {
      logger.warn('throttling a client that keeps failing authentication', {
        route,
        ...who,
        failures: limit.failures,
        retryAfterSeconds: Math.ceil(limit.windowMs / 1000),
      });
    }
    if (window.failures <= limit.failures) {
      authFailures.inc({ gate: route });
      unauthorized(res, reason);
      return 'unauthorized' as const;
    }
    throttledRequests.inc({ gate: route });
    const retryAfterSeconds = Math.max(1, Math.ceil((window.endsAt - now()) / 1000));
    res.status(429).set('Retry-After', String(retryAfterSeconds));
    throttled(res, retryAfterSeconds);
    return 'throttled' as const;
  }

  return {
    admit(req, res, failure, claimed) {
      const reason = failure();
      if (reason === undefined) return true;
      refuse(req, res, reason, claimed);
      return false;
    },
    refuse,
  };
}

/**
 * Counts per key in fixed windows: `count` adds one to the key's window and answers it. At most MAX_KEYS keys
 * are held: ended windows are swept first, then the oldest go.
 */
function failureWindows(windowMs: number, now: () => number = Date.now) {
  const windows = new Map<string, { endsAt: number; failures: number }>();
  return {
    count(key: string): { readonly endsAt: number; readonly failures: number } {
      const at = now();
      let window = windows.get(key);
      if (!window || window.endsAt <= at) {
        windows.delete(key);
        makeRoom(windows, (held) => held.endsAt <= at);
        window = { endsAt: at + windowMs, failures: 0 };
        windows.set(key, window);
      }
      window.failures += 1;
      return window;
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
  identify: () => { readonly who: T } | Refused,
): T | undefined {
  const found = identify();
  if ('who' in found) return found.who;
  gate.refuse(req, res, found.refused, found.claimed);
  return undefined;
}

/**
 * Authentication before anything else: a route guard (http/contract.ts) that identifies the caller from the
 * request's headers before its body is read or any of its input validated, answering 401 (or 429) itself, and
 * the caller it found, for the route's handler.
 */
export function identifyingGuard<T extends object>(
  gate: AuthGate,
  identify: (req: Request) => { readonly who: T } | Refused,
): { readonly guard: RequestHandler; readonly callerOf: (req: Request) => T } {
  const callers = new WeakMap<Request, T>();
  return {
    guard: (req, res, next) => {
      const who = identifiedBy(gate, req, res, () => identify(req));
      if (who === undefined) return;
      callers.set(req, who);
      next();
    },
    callerOf: (req) => {
      const who = callers.get(req);
      if (!who) throw new Error(`${req.path}: the handler ran without its guard`);
      return who;
    },
  };
}

/** Why a caller was not identified, and the configured identity it claimed, if it claimed one. */
export interface Refused {
  readonly refused: string;
  readonly claimed?: string;
}

/** Keeps a map below MAX_KEYS entries: those `ended` go first, then the oldest (a Map keeps insertion order). */
function makeRoom<V>(map: Map<string, V>, ended: (value: V) => boolean): void {
  if (map.size < MAX_KEYS) return;
  for (const [key, value] of map) if (ended(value)) map.delete(key);
  for (const key of map.keys()) {
    if (map.size < MAX_KEYS) break;
    map.delete(key);
  }
}

/**
 * At most one action per key in an interval: the rest are skipped. At most MAX_KEYS keys are held: those whose
 * interval has passed are swept first, then the oldest go (their key may act again sooner).
 */
export function oncePer(now: () => number = Date.now) {
  const last = new Map<string, number>();
  return {
    /** True, and the key's interval starts, when the key had no action in the last `intervalMs`. */
    take(key: string, intervalMs: number): boolean {
      const at = now();
      const previous = last.get(key);
      if (previous !== undefined && at - previous < intervalMs) return false;
      last.delete(key);
      // Intervals are alike per caller: an entry this old no longer matters.
      makeRoom(last, (when) => at - when >= intervalMs);
      last.set(key, at);
      return true;
    },
    /** How many keys are held (bounded by MAX_KEYS). */
    get size() {
      return last.size;
    },
  };
}
