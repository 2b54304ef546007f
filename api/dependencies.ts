import type { Client } from '@temporalio/client';
import { settlementPolicies, type ConfigOf } from '../config';
import type { Logger } from '../config/logger';
import { deitySettingsOf } from '../oms/deity/door';
import { sprykerSettingsOf } from '../oms/spryker/door';
import { createProviderRegistry } from '../providers/fromConfig';
import type { ApiDependencies } from './app';

/** What the API needs from its settings, for `npm run api` and the local stack alike. */
export function apiDependencies(
  config: ConfigOf<
    'temporal' | 'api' | 'mib' | 'spryker' | 'deity' | 'operator' | 'providers' | 'settlement'
  >,
  temporal: Client,
  logger: Logger,
): ApiDependencies {
  return {
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    providers: createProviderRegistry(config),
    logger,
    mibIntakeSecret: config.MIB_INTAKE_SECRET,
    settlement: settlementPolicies(config),
    adminToken: config.ADMIN_TOKEN,
    spryker: sprykerSettingsOf(config),
    deity: deitySettingsOf(config),
    trustProxy: config.TRUST_PROXY,
  };
}
