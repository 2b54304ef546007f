import { deitySettings } from './deity/settings';
import { mibSettings } from './mib/settings';
import { sprykerSettings } from './spryker/settings';

/**
 * Every front door's section of the configuration, in the order of the door list (oms/index.ts, where each
 * door declares the same section as FrontDoor.settings). Apart from the doors themselves so that config/
 * reaches their settings without their code, which itself reads config/.
 */
export const DOOR_SETTINGS = [mibSettings, sprykerSettings, deitySettings] as const;

/** The parts of the configuration the doors own. */
export const DOOR_OWNERS = DOOR_SETTINGS.map((section) => section.owner);
