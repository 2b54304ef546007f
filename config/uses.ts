import { DOOR_OWNERS, DOOR_SETTINGS } from '../oms/settings';
import type { Owner } from './catalogue';

const DOOR_COMMANDS: Readonly<Record<string, readonly Owner[]>> = Object.fromEntries(
  DOOR_SETTINGS.flatMap(({ owner, commands = [] }) =>
    commands.map((command) => [command, ['temporal', owner]]),
  ),
);

/**
 * The parts of the configuration each of Settle's processes and commands loads: it needs those settings and
 * no others (docs/configuration.md shows this table).
 */
export const USES = {
  // Every door's settings: each brings its routes and its part of the worker.
  worker: ['temporal', ...DOOR_OWNERS, 'providers', 'worker', 'metrics', 'log'],
  api: ['temporal', 'api', ...DOOR_OWNERS, 'operator', 'codec', 'providers', 'settlement', 'log'],
  'settle payments': ['temporal'],
  // A door's own commands (`settle register --door <door>`, its FrontDoor.commands), as its section names them.
  ...DOOR_COMMANDS,
} as const satisfies Readonly<Record<string, readonly Owner[]>>;
