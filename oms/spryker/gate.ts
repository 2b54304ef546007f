import type { Request, Response } from 'express';
import { authGate } from '../../api/throttle';
import type { Logger } from '../../config/logger';
import type { SprykerDependencies } from './door';
import { tenantOf } from './tenants';

/** Authenticates each call as one tenant, throttling clients that keep failing (api/throttle.ts). */
export interface SprykerGate {
  /** The tenant the call is from, or undefined once the call has been answered 401 or 429. */
  tenant(req: Request, res: Response, named: string | undefined): string | undefined;
}

export function sprykerGate(deps: SprykerDependencies, route: string, logger: Logger): SprykerGate {
  const gate = authGate({
    route,
    logger,
    unauthorized: (res, reason) =>
      void res.status(401).set('WWW-Authenticate', 'Bearer realm="settle-spryker"').json({ error: reason }),
    throttled: (res, seconds) =>
      void res.json({ error: `Too many failed authentications: retry after ${seconds} s` }),
  });
  return {
    tenant(req, res, named) {
      let tenant: string | undefined;
      const admitted = gate.admit(req, res, () => {
        const found = tenantOf(req.headers, named, deps.spryker);
        if ('refused' in found) return found.refused;
        tenant = found.tenant;
        return undefined;
      });
      return admitted ? tenant : undefined;
    },
  };
}
