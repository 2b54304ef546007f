import type { ConfigOf } from '../config';
import { ProviderRegistry } from './registry';
import { servingProviders } from './selection';

/**
 * The providers this deployment talks to, built from the configuration: those that serve payments (the
 * default, those PROVIDER_ROUTES names, those whose settings are given), each by its own factory.
 */
export function createProviderRegistry(config: ConfigOf<'providers'>): ProviderRegistry {
  const values = config as Readonly<Record<string, unknown>>;
  const serving = servingProviders({
    defaultProvider: config.DEFAULT_PROVIDER,
    routes: config.PROVIDER_ROUTES ?? [],
    given: (setting) => values[setting] !== undefined,
  });
  // loadConfig has checked that each of them has every required setting.
  const providers = serving.map((provider) => provider.create(values as never));
  return new ProviderRegistry(providers, config.DEFAULT_PROVIDER, config.PROVIDER_ROUTES ?? []);
}
