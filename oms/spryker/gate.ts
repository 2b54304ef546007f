import type { Request, Response } from 'express';
import { bearerGate, identifiedBy } from '../../http/throttle';
import type { Logger } from '../../config/logger';
import type { SprykerDependencies } from './door';
import { tenantOf } from './tenants';

/** Authenticates each call as one tenant, throttling clients that keep failing (http/throttle.ts). */
export interface SprykerGate {
  /** The tenant the call is from, or undefined once the call has been answered 401 or 429. */
  tenant(req: Request, res: Response, named: string | undefined): string | undefined;
}

export function sprykerGate(deps: SprykerDependencies, route: string, logger: Logger): SprykerGate {
  const gate = bearerGate(route, 'settle-spryker', logger);
  return {
    tenant: (req, res, named) =>
      identifiedBy(gate, req, res, () => tenantOf(req.headers, named, deps.spryker)),
  };
}
