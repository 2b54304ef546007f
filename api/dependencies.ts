import type { Client } from '@temporalio/client';
import { settlementPolicies, type ConfigOf } from '../config';
import type { Logger } from '../config/logger';
import { FRONT_DOORS } from '../oms';
import type { FrontDoor } from '../oms/door';
import { parseDuration } from '../domain/duration';
import { createProviderRegistry } from '../providers/fromConfig';
import type { ApiDependencies } from './app';

/** What the API needs from its settings, for `npm run api` and the local stack alike. */
export function apiDependencies(
  config: ConfigOf<'temporal' | 'api' | 'public' | 'checkout' | 'operator' | 'providers' | 'settlement'>,
  temporal: Client,
  logger: Logger,
  doors: readonly FrontDoor[] = FRONT_DOORS,
): ApiDependencies {
  return {
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    providers: createProviderRegistry(config),
    logger,
    settlement: settlementPolicies(config),
    adminToken: config.ADMIN_TOKEN,
    trustProxy: config.TRUST_PROXY,
    // The page's links need the public URL; without it Settle serves no page.
    ...(config.PUBLIC_URL
      ? {
          checkoutPage: {
            publicUrl: config.PUBLIC_URL,
            key: config.CHECKOUT_PAGE_KEY,
            ttlMs: parseDuration(config.CHECKOUT_PAGE_TTL),
          },
        }
      : {}),
    // Each door's own, from its settings (which the API loads with the doors' sections).
    ...Object.assign({}, ...doors.map((door) => door.dependencies?.(config) ?? {})),
  };
}
