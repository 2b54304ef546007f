import { connectTenant, type AppStoreOptions } from '../../sim/spryker/appStore';
import type { SprykerShopSimulator } from '../../sim/spryker/server';
import { eventually } from './temporal';

/**
 * Connects a Spryker tenant as Spryker's ACP registry does (`/spryker/private/configure`) and runs the shop's
 * worker until it has stored Settle's active app config from `app-events`: from its next run on, the shop
 * fetches the payment channels and sends its payment commands (its active-app filter).
 */
export async function onboardSprykerShop(
  shop: SprykerShopSimulator,
  registry: AppStoreOptions,
  configuration: Record<string, unknown> = {},
): Promise<void> {
  await connectTenant(registry, configuration);
  await eventually(
    async () => {
      await shop.pollOnce();
      return shop.appConfigs().some((config) => config.isActive === true) ? true : undefined;
    },
    60_000,
    `the shop of ${registry.tenant} storing Settle's app config`,
  );
}

/** Every fetch and acknowledgement the shop made was answered 2xx: none ended a worker run. */
export function noBusErrors(shop: SprykerShopSimulator): void {
  expect(shop.journal.errors.filter((error) => /^(GET|DELETE) |worker run ended/.test(error.what))).toEqual(
    [],
  );
}
