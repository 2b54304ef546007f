import type { FrontDoor } from '../door';
import { createAnnouncer, createAppConfigAnnouncer } from './announce';
import { SPRYKER_DOOR, sprykerSettingsOf, type SprykerConfig, type SprykerDependencies } from './door';
import type { SprykerReplyContext } from './events';
import { createSprykerReporter } from './reporter';
import { sprykerRoutes } from './routes';
import { sprykerSettings } from './settings';
import { sprykerRegistration } from './settleRegister';

/** What the door reads: its own section, and Settle's public URL for the methods' authorization endpoint. */
type Config = SprykerConfig & { readonly PUBLIC_URL?: string };

/**
 * Spryker's ACP: Settle is the shop's message bus (commands in at `POST /spryker/payment-commands`, events out
 * on `GET /spryker/payment-events`) and the payment app behind its payment methods (checkout's authorization).
 */
export const sprykerDoor: FrontDoor<SprykerReplyContext, Config, Pick<SprykerDependencies, 'spryker'>> = {
  name: SPRYKER_DOOR,
  workflows: require.resolve('./workflows'),
  settings: sprykerSettings,
  dependencies: (config) => ({ spryker: sprykerSettingsOf(config) }),
  routes: sprykerRoutes,
  registration: sprykerRegistration,
  worker({ config, temporal, taskQueue }) {
    const settings = sprykerSettingsOf(config);
    return {
      reporter: createSprykerReporter(temporal, taskQueue, settings.appIdentifier),
      activities: {
        announceSprykerPaymentMethods: createAnnouncer(temporal, taskQueue, settings),
        announceSprykerAppConfig: createAppConfigAnnouncer(temporal, taskQueue, settings),
      },
    };
  },
};
