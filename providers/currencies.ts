import { formatMoney, minorUnitDigits, type Money } from '../domain/money';

/**
 * Amounts as a provider writes them. Settle's commands carry ISO 4217 minor units (domain/money.ts); a
 * provider's API has its own minor unit per currency, which is not always ISO's (Stripe writes ISK in
 * hundredths, Adyen writes CVE without decimals), and its own rules on which amounts it takes (Stripe's
 * three-decimal amounts end in 0). Each adapter converts through its table here, exactly or not at all:
 * an amount the provider cannot take as it is, is refused, never rounded.
 */

/** How one provider writes the amounts of one currency. */
export interface CurrencyUnit {
  /** Decimal places of the provider's minor unit. */
  readonly digits: number;
  /** Amounts are a multiple of this many of the provider's minor units (Stripe's ISK: 100, whole krónur). */
  readonly step?: number;
}

/** A provider's currencies, from its own documentation (`source`). */
export interface CurrencyTable {
  readonly provider: string;
  readonly source: string;
  /** How the provider writes the currency, or undefined when it does not take it. */
  unit(currency: string): CurrencyUnit | undefined;
}

/** An amount the provider cannot take exactly, found before anything was sent. */
export class UnpayableAmountError extends Error {
  override readonly name = 'UnpayableAmountError';
}

/**
 * Why the provider cannot take the amount exactly, naming the currency and the provider's rule (and where it
 * documents it); undefined when it can.
 */
export function amountProblem(table: CurrencyTable, money: Money): string | undefined {
  const converted = convert(table, money);
  return typeof converted === 'string' ? converted : undefined;
}

/** ISO minor units → the provider's, exactly; throws UnpayableAmountError when they cannot be. */
export function toProviderUnits(table: CurrencyTable, money: Money): number {
  const converted = convert(table, money);
  if (typeof converted === 'string') throw new UnpayableAmountError(converted);
  return converted;
}

/**
 * The provider's minor units → ISO's, for an amount the provider reports. An amount ISO cannot write (a
 * fraction of an ISO minor unit) is rounded down, the side on which a check "does it cover" stays true.
 */
export function fromProviderUnits(table: CurrencyTable, amount: number, currency: string): number {
  const iso = minorUnitDigits(currency);
  const unit = table.unit(currency);
  if (iso === undefined || !unit) {
    throw new UnpayableAmountError(
      `${table.provider} reported an amount in ${currency}, which it does not take`,
    );
  }
  const shift = unit.digits - iso;
  return shift >= 0 ? Math.floor(amount / 10 ** shift) : amount * 10 ** -shift;
}

function convert(table: CurrencyTable, { minor, currency }: Money): number | string {
  const iso = minorUnitDigits(currency);
  if (iso === undefined) return `${currency} is not an ISO 4217 currency`;
  const unit = table.unit(currency);
  if (!unit) return `${table.provider} does not take ${currency} (${table.source})`;
  // The amount itself stays out of the text: refusals are logged, amounts never are.
  const shift = unit.digits - iso;
  const factor = 10 ** Math.abs(shift);
  if (shift < 0 && minor % factor !== 0) {
    return `${table.provider} writes ${currency} with ${unit.digits} decimals: the amount must be a multiple of ${formatMoney({ minor: factor, currency })} (${table.source})`;
  }
  const amount = shift >= 0 ? minor * factor : minor / factor;
  const step = unit.step ?? 1;
  if (amount % step !== 0) {
    const isoStep = shift >= 0 ? step / factor : step * factor;
    return `${table.provider} takes ${currency} only in multiples of ${formatMoney({ minor: isoStep, currency })} (${table.source})`;
  }
  return amount;
}

/** ISO 4217's own units: the gateway simulator's, which takes every ISO currency as ISO writes it. */
export const isoCurrencies = (provider: string): CurrencyTable => ({
  provider,
  source: 'ISO 4217',
  unit: (currency) => {
    const digits = minorUnitDigits(currency);
    return digits === undefined ? undefined : { digits };
  },
});
