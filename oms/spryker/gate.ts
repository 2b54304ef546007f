import type { Request, Response } from 'express';
import { bearerToken } from '../../http/callerAuth';
import { bearerGate, identifiedBy } from '../../http/throttle';
import type { Logger } from '../../config/logger';
import type { SprykerDependencies } from './door';
import { tenantOf } from './tenants';
import {
  looksLikeJwt,
  tokenVerifier,
  type CallKind,
  type TokenRules,
  type TokenVerifier,
  type Verdict,
} from './tokens';

/**
 * Authenticates each call as one tenant (oms/spryker/tenants.ts), throttling clients that keep failing
 * (http/throttle.ts). An access token is checked for the audience of the route's kind of call: the message
 * bus's, or the payment app's (checkout, /private/*).
 */
export interface SprykerGate {
  /**
   * Wraps a route's handler: an access token is verified (asynchronously: its keys may have to be fetched)
   * before the handler asks for the tenant; while the keys cannot be had the call is answered 503.
   */
  verified<A extends unknown[]>(
    handle: (req: Request, res: Response, ...rest: A) => unknown,
  ): (req: Request, res: Response, ...rest: A) => Promise<void>;
  /** The tenant the call is from, or undefined once the call has been answered 401 or 429. */
  tenant(req: Request, res: Response, named: string | undefined): string | undefined;
}

/** The verdict on each request's access token, found before its handler ran. */
const verdicts = new WeakMap<Request, Verdict>();
/** One verifier (so one JWKS cache) per door's settings. */
const verifiers = new WeakMap<TokenRules, TokenVerifier>();

export function sprykerGate(
  deps: SprykerDependencies,
  route: string,
  logger: Logger,
  kind: CallKind,
): SprykerGate {
  const gate = bearerGate(route, 'settle-spryker', logger);
  const rules = deps.spryker?.tokens;
  const verify = rules && (verifiers.get(rules) ?? tokenVerifier(rules));
  if (rules && verify) verifiers.set(rules, verify);
  return {
    verified:
      (handle) =>
      async (req, res, ...rest) => {
        const token = bearerToken(req.headers);
        if (verify && token !== undefined && looksLikeJwt(token)) {
          const verdict = await verify(token, kind);
          if ('unavailable' in verdict) {
            logger.error('cannot verify a Spryker access token', { route, error: verdict.unavailable });
            return void res.status(503).json({ error: 'Settle cannot verify the token now; send again' });
          }
          verdicts.set(req, verdict);
        }
        await handle(req, res, ...rest);
      },
    tenant: (req, res, named) =>
      identifiedBy(gate, req, res, () => tenantOf(req.headers, named, deps.spryker, verdicts.get(req))),
  };
}
