import type { SettleConfig } from '../config';
import { GatewayProvider } from './gateway';
import { ProviderRegistry } from './registry';

/** The providers this deployment talks to, built from the configuration. */
export function createProviderRegistry(config: SettleConfig): ProviderRegistry {
  const gateway = new GatewayProvider({
    baseUrl: config.GATEWAY_URL,
    apiKey: config.GATEWAY_API_KEY,
    webhookSecret: config.GATEWAY_WEBHOOK_SECRET,
  });
  return new ProviderRegistry([gateway], gateway.name);
}
