import type { FrontDoor } from '../door';
import { createAnnouncer } from './announce';
import { SPRYKER_DOOR, sprykerSettingsOf } from './door';
import { createSprykerReporter } from './reporter';

/**
 * Spryker's ACP: Settle is the shop's message bus (commands in at `POST /spryker/payment-commands`, events out
 * on `GET /spryker/payment-events`) and the payment app behind its payment methods (checkout's authorization).
 */
export const sprykerDoor: FrontDoor = {
  name: SPRYKER_DOOR,
  worker({ config, temporal, taskQueue }) {
    const settings = sprykerSettingsOf(config);
    return {
      reporter: createSprykerReporter(temporal, taskQueue, settings.appIdentifier),
      activities: { announceSprykerPaymentMethods: createAnnouncer(temporal, taskQueue, settings) },
    };
  },
};
