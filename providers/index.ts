import { adyenProvider } from './adyenSettings';
import { gatewayProvider } from './gatewaySettings';
import { stripeProvider } from './stripeSettings';

/**
 * The payment providers Settle has. Adding one: its adapter, `providers/<name>Settings.ts` with its settings
 * and factory (see gatewaySettings.ts), and an entry here.
 */
export const PROVIDERS = [gatewayProvider, stripeProvider, adyenProvider] as const;

export type Provider = (typeof PROVIDERS)[number];
export type ProviderName = Provider['owner'];
export const PROVIDER_NAMES: readonly ProviderName[] = PROVIDERS.map((provider) => provider.owner);
