import type { Payment } from '../mib/payment';
import { commandTransaction } from '../mib/payment';
import type { PaymentProvider } from './types';

/**
 * Which provider serves a payment: the acted-on transaction's `gateway_information.gateway_id` when a provider
 * of that name is configured, else the default (the gateway simulator).
 */
export class ProviderRegistry {
  private readonly byName: ReadonlyMap<string, PaymentProvider>;

  constructor(
    providers: readonly PaymentProvider[],
    private readonly defaultName: string,
  ) {
    this.byName = new Map(providers.map((provider) => [provider.name, provider]));
    if (!this.byName.has(defaultName)) throw new Error(`default provider "${defaultName}" is not configured`);
  }

  get(name: string): PaymentProvider | undefined {
    return this.byName.get(name);
  }

  /** The name of the provider that serves this payment. */
  nameFor(payment: Payment): string {
    const gatewayId = commandTransaction(payment).gateway_information?.gateway_id;
    return gatewayId && this.byName.has(gatewayId) ? gatewayId : this.defaultName;
  }

  forName(name: string): PaymentProvider {
    const provider = this.byName.get(name);
    if (!provider) throw new Error(`provider "${name}" is not configured`);
    return provider;
  }
}
