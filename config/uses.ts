import { DOOR_OWNERS } from '../oms/settings';
import type { Owner } from './catalogue';

/**
 * The parts of the configuration each of Settle's processes and commands loads: it needs those settings and
 * no others (docs/configuration.md shows this table).
 */
export const USES = {
  // Every door's settings: each brings its routes and its part of the worker.
  worker: ['temporal', ...DOOR_OWNERS, 'providers', 'worker', 'metrics', 'log'],
  api: ['temporal', 'api', ...DOOR_OWNERS, 'operator', 'codec', 'providers', 'settlement', 'log'],
  'settle register --door mib': ['temporal', 'mib'],
  'settle register --door spryker': ['temporal', 'spryker'],
  'settle payments': ['temporal'],
  'settle deity': ['temporal', 'deity'],
} as const satisfies Readonly<Record<string, readonly Owner[]>>;
