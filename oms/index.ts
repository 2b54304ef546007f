import {
  loadConfig,
  type ConfigOf,
  type ConfigSources,
  type Environment,
  type Owner,
  type SettleConfig,
} from '../config';
import type { Intersection } from '../config/catalogue';
import type { Section } from '../config/setting';
import type { FrontDoor } from './door';
import { mibDoor } from './mib';
import { deityDoor } from './deity';
import { sprykerDoor } from './spryker';

/**
 * Every front door Settle serves: adding one is a folder under oms/ and an entry here. Its declaration
 * (oms/door.ts) brings the rest: its settings, routes, worker part, workflows and commands.
 */
const DOORS = [mibDoor, sprykerDoor, deityDoor] as const;
export const FRONT_DOORS: readonly FrontDoor[] = DOORS;

/** The doors' sections of the configuration, which the processes serving them hand to loadConfig. */
export function doorSectionsOf(doors: readonly FrontDoor[] = FRONT_DOORS): readonly Section[] {
  return doors.flatMap((door) => (door.settings ? [door.settings] : []));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- only the settings' type is read
type SettingsOfDoor<D> = D extends FrontDoor<any, infer Config, any> ? Config : never;
/** The settings of every door in the list, as each door reads them. */
export type DoorsConfig = Intersection<SettingsOfDoor<(typeof DOORS)[number]>>;

/**
 * loadConfig with the door list's sections: the configuration of a process that serves the doors (`doors`
 * in `owners`, or no owners: everything), typed with each door's settings.
 */
export function loadSettleConfig<const O extends Owner = Owner>(
  env?: Environment,
  sources: Omit<ConfigSources<O>, 'doors'> = {},
): ConfigOf<O> & ('doors' extends O ? DoorsConfig : unknown) {
  return loadConfig(env, { ...sources, doors: doorSectionsOf() }) as ConfigOf<O> &
    ('doors' extends O ? DoorsConfig : unknown);
}

/** Every setting, the core's and the door list's. */
export type SettleConfigWithDoors = SettleConfig & DoorsConfig;
