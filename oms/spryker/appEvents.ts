import type { SprykerSettings } from './door';
import { busMessage, CHANNELS, messageIdOf, OUTBOUND_CHANNELS, type BusMessage } from './messages';
import type { TenantConnection } from './workflows/tenantMessages';

/**
 * Spryker's system channel `app-events`: a shop's worker fetches it on every run, whichever apps are active
 * (spryker-shop/b2c-demo-shop `src/Pyz/Zed/MessageBroker/MessageBrokerConfig.php::getSystemWorkerChannels`),
 * and stores each app's AppConfigUpdated (spryker/kernel-app `AppConfigMessageHandlerPlugin`). Only the
 * channels an active app config lists are fetched and sent on (kernel-app `MessageChannelFilter`): until the
 * shop has stored Settle's, it sends no payment command and fetches no payment event.
 */
export const APP_EVENTS = 'app-events';

/** The channels a shop fetches from Settle: its system channel and the payment channels. */
export const FETCHED_CHANNELS = [APP_EVENTS, ...OUTBOUND_CHANNELS] as const;
export type FetchedChannel = (typeof FETCHED_CHANNELS)[number];

/**
 * The message channels Settle's app config announces: the ones a payment app uses (spryker/app-payment's
 * MESSAGE_TO_CHANNEL_MAP, which app-kernel's `getAppMessageChannels` lists). `payment-commands` must be among
 * them, or the shop drops its commands before sending them.
 */
export const APP_MESSAGE_CHANNELS: readonly string[] = CHANNELS;

/**
 * AppConfigUpdated for a save of the tenant's connection, with the fields of kernel-app's transfer
 * (`kernel_app.transfer.xml`): `appIdentifier` (the shop's column holds 36 characters), `status` as a string,
 * `isActive`, `config` and `messageChannels`. The shop keeps `config` in clear, so it carries only what Settle
 * offers (its payment methods' names), never the tenant's configuration.
 */
export function appConfigUpdated(
  settings: Pick<SprykerSettings, 'appIdentifier' | 'methods'>,
  tenant: string,
  connection: TenantConnection,
): BusMessage {
  const seed = `app-config:${tenant}:${connection.revision}:${connection.updatedAt}`;
  return busMessage({
    name: 'AppConfigUpdated',
    body: {
      appIdentifier: settings.appIdentifier,
      status: connection.status,
      isActive: connection.isActive,
      config: { paymentMethods: [...settings.methods.keys()] },
      messageChannels: APP_MESSAGE_CHANNELS,
    },
    tenant,
    appIdentifier: settings.appIdentifier,
    correlationId: messageIdOf(`${seed}:correlation`),
    seed,
    at: new Date(connection.updatedAt),
  });
}
