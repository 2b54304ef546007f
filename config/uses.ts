import type { Owner } from './catalogue';

/**
 * The parts of the configuration each of Settle's processes and commands loads: it needs those settings and
 * no others (docs/configuration.md shows this table).
 */
export const USES = {
  worker: ['temporal', 'mib', 'providers', 'worker', 'metrics', 'log'],
  api: ['temporal', 'api', 'mib', 'operator', 'codec', 'providers', 'settlement', 'log'],
  'settle register': ['temporal', 'mib'],
  'settle payments': ['temporal'],
} as const satisfies Readonly<Record<string, readonly Owner[]>>;
