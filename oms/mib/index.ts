import type { FrontDoor } from '../door';
import { createMibActivities } from './activities';
import { createMibClient } from './client';
import { MIB_DOOR } from './intake';
import { createMibReporter } from './reporter';

/** Magento's MIB: JSON-RPC commands in at `POST /mib`, notifications out to MIB's delegate URL. */
export const mibDoor: FrontDoor = {
  name: MIB_DOOR,
  worker({ config }) {
    const mib = createMibClient(config);
    return { reporter: createMibReporter(mib), activities: createMibActivities(mib) };
  },
};
