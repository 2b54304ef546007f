import type { Payment } from '../mib/payment';
import { commandTransaction } from '../mib/payment';
import type { PaymentProvider } from './types';

/**
 * Which provider serves a payment: the one the acted-on transaction's `gateway_information.gateway_id`
 * names, or the default (the gateway simulator) when it names none. A payment that names a provider Settle
 * does not have is never sent to another one.
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

  /** The name of the provider that serves this payment, or undefined when it names an unknown one. */
  nameFor(payment: Payment): string | undefined {
    const gatewayId = commandTransaction(payment).gateway_information?.gateway_id;
    if (gatewayId === undefined) return this.defaultName;
    return this.byName.has(gatewayId) ? gatewayId : undefined;
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }
}
