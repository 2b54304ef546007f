import type { FrontDoor } from './door';
import { mibDoor } from './mib';
import { deityDoor } from './deity';
import { sprykerDoor } from './spryker';

/** Every front door Settle serves: adding one is a folder under oms/ and an entry here. */
export const FRONT_DOORS: readonly FrontDoor[] = [mibDoor, sprykerDoor, deityDoor];
