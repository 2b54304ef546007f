import type { Owner } from './catalogue';
import type { Section } from './setting';

/**
 * The parts of the configuration each of Settle's processes and commands loads: it needs those settings and
 * no others (docs/configuration.md shows this table). `doors` is every front door's section: each door brings
 * its routes and its part of the worker.
 */
export const USES = {
  worker: ['temporal', 'public', 'doors', 'providers', 'worker', 'metrics', 'log'],
  api: [
    'temporal',
    'api',
    'public',
    'checkout',
    'doors',
    'operator',
    'codec',
    'providers',
    'settlement',
    'log',
  ],
  'settle payments': ['temporal'],
} as const satisfies Readonly<Record<string, readonly Owner[]>>;

/**
 * The table with the front doors' own commands (`settle register --door <door>`, FrontDoor.commands), which
 * load Temporal's settings, Settle's public address and their door's section, as the section names them.
 */
export function usesWithDoors(doors: readonly Section[]): Readonly<Record<string, readonly string[]>> {
  const doorCommands = doors.flatMap(({ owner, commands = [] }) =>
    commands.map((command) => [command, ['temporal', 'public', owner]] as const),
  );
  return { ...USES, ...Object.fromEntries(doorCommands) };
}
