import type { FrontDoor } from './door';
import { mibDoor } from './mib';
import { deityDoor } from './deity';
import { sprykerDoor } from './spryker';

/**
 * Every front door Settle serves: adding one is a folder under oms/ and an entry here (and its settings in
 * oms/settings.ts, its workflows in oms/workflows.ts).
 */
export const FRONT_DOORS: readonly FrontDoor[] = [mibDoor, sprykerDoor, deityDoor];
