import { configuredProviders, type SettleConfig } from '../config';
import { AdyenProvider } from './adyen';
import { GatewayProvider } from './gateway';
import { ProviderRegistry } from './registry';
import type { ProviderName } from './routes';
import { StripeProvider } from './stripe';
import type { PaymentProvider } from './types';

/**
 * The providers this deployment talks to, built from the configuration: those that serve payments (the
 * default, those PROVIDER_ROUTES names, those whose settings are given). loadConfig has checked that each of
 * them has every required setting, so the `!`s below hold.
 */
export function createProviderRegistry(config: SettleConfig): ProviderRegistry {
  const build: Record<ProviderName, () => PaymentProvider> = {
    gateway: () =>
      new GatewayProvider({
        baseUrl: config.GATEWAY_URL!,
        apiKey: config.GATEWAY_API_KEY!,
        webhookSecret: config.GATEWAY_WEBHOOK_SECRET!,
      }),
    stripe: () =>
      new StripeProvider({
        apiKey: config.STRIPE_API_KEY!,
        webhookSecret: config.STRIPE_WEBHOOK_SECRET!,
        apiBase: config.STRIPE_API_BASE,
      }),
    adyen: () =>
      new AdyenProvider({
        apiKey: config.ADYEN_API_KEY!,
        merchantAccount: config.ADYEN_MERCHANT_ACCOUNT!,
        hmacKey: config.ADYEN_HMAC_KEY!,
        environment: config.ADYEN_ENVIRONMENT ?? 'test',
        liveUrlPrefix: config.ADYEN_LIVE_URL_PREFIX,
        checkoutUrl: config.ADYEN_CHECKOUT_URL,
        caFile: config.ADYEN_CA_FILE,
      }),
  };
  const providers = configuredProviders(config).map((name) => build[name]());
  return new ProviderRegistry(providers, config.DEFAULT_PROVIDER, config.PROVIDER_ROUTES ?? []);
}
