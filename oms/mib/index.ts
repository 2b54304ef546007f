import type { FrontDoor } from '../door';
import { createMibActivities } from './activities';
import { createMibClient, type MibConfig } from './client';
import { MIB_DOOR, type MibIntakeDependencies } from './intake';
import type { MibReplyContext } from './payment';
import { createMibReporter } from './reporter';
import { mibRoutes } from './routes';
import { mibSettings } from './settings';
import { mibRegistration } from './settleRegister';

/** Magento's MIB: JSON-RPC commands in at `POST /mib`, notifications out to MIB's delegate URL. */
export const mibDoor: FrontDoor<
  MibReplyContext,
  MibConfig,
  Pick<MibIntakeDependencies, 'mibIntakeSecret'>
> = {
  name: MIB_DOOR,
  workflows: require.resolve('./workflows'),
  settings: mibSettings,
  dependencies: (config) => ({ mibIntakeSecret: config.MIB_INTAKE_SECRET }),
  routes: mibRoutes,
  registration: mibRegistration,
  worker({ config }) {
    const mib = createMibClient(config);
    return { reporter: createMibReporter(mib), activities: createMibActivities(mib) };
  },
};
