import type { Money } from '../domain/money';
import { routeFor, type ProviderRoute } from './routes';
import type { PaymentProvider } from './types';

/** What a front door knows of a payment that chooses its provider. */
export interface ProviderHints {
  /** The provider the payment names, if it names one. */
  readonly gatewayId?: string;
  readonly paymentMethod?: string;
}

/**
 * Which provider serves a payment, decided from what its front door tells of it: the first configured route that
 * matches its `gateway_id` / `payment_method` (PROVIDER_ROUTES); else the provider its `gateway_id` names;
 * else, when it names none, the default provider (the gateway simulator unless DEFAULT_PROVIDER says
 * otherwise). A payment that names a provider Settle does not have is never sent to another one.
 */
export class ProviderRegistry {
  private readonly byName: ReadonlyMap<string, PaymentProvider>;

  constructor(
    providers: readonly PaymentProvider[],
    private readonly defaultName: string,
    private readonly routes: readonly ProviderRoute[] = [],
  ) {
    this.byName = new Map(providers.map((provider) => [provider.name, provider]));
    if (!this.byName.has(defaultName)) throw new Error(`default provider "${defaultName}" is not configured`);
    const missing = routes.find((route) => !this.byName.has(route.provider));
    if (missing) throw new Error(`PROVIDER_ROUTES names "${missing.provider}", which is not configured`);
  }

  get(name: string): PaymentProvider | undefined {
    return this.byName.get(name);
  }

  /** The name of the provider that serves a payment, or undefined when it names an unknown one. */
  nameFor({ gatewayId, paymentMethod }: ProviderHints): string | undefined {
    const routed = routeFor(this.routes, { gateway_id: gatewayId, payment_method: paymentMethod });
    if (routed) return routed;
    if (gatewayId === undefined) return this.defaultName;
    return this.byName.has(gatewayId) ? gatewayId : undefined;
  }

  /**
   * Why the named provider cannot take the amount exactly (its currency table, providers/currencies.ts), or
   * undefined when it can or when Settle has no provider of that name (which the doors refuse on its own).
   */
  amountProblem(name: string, money: Money): string | undefined {
    return this.byName.get(name)?.amountProblem(money);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }
}
