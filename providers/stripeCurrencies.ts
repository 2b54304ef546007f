import { minorUnitDigits } from '../domain/money';
import type { CurrencyTable, CurrencyUnit } from './currencies';

/**
 * Stripe's minor units, from its "Supported currencies" page, https://docs.stripe.com/currencies:
 * - "Currencies are two-decimal currencies unless otherwise specified."
 * - Zero-decimal currencies (#zero-decimal): BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF.
 *   MGA is two-decimal in ISO 4217: 50.00 MGA is sent as 50, and 50.50 MGA cannot be paid.
 * - Three-decimal currencies: BHD JOD KWD OMR TND; Stripe requires "the least-significant (last) digit to be
 *   0" (5.124 KWD cannot be charged; 5.120 can). Stripe says to round to the nearest ten; Settle refuses
 *   instead, since rounding would move another amount than the one asked for.
 * - Special cases (#special-cases): ISK and UGX "transitioned to a zero-decimal currency, but backward
 *   compatibility requires you to represent it as a two-decimal value, where the decimal amount is always 00"
 *   (5 ISK is 500; since 14 April 2023 Stripe refuses an ISK amount not divisible by 100:
 *   https://support.stripe.com/questions/deprecation-of-fractional-isk-charges-and-refunds). UGX is also in
 *   the zero-decimal list; the special case is the rule for its amounts. HUF and TWD are zero-decimal for
 *   payouts only, "even though you can charge two-decimal amounts": Settle makes no payouts, so for it they
 *   are two-decimal, as in ISO.
 * Any other ISO currency is two-decimal at Stripe; one ISO writes with other decimals (IQD, LYD, CLF, UYI,
 * UYW) Stripe does not document, so Settle does not send it.
 */
const ZERO_DECIMAL = new Set('BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF'.split(' '));
const THREE_DECIMAL = new Set('BHD JOD KWD OMR TND'.split(' '));
/** Two-decimal in the API, whole units only. */
const WHOLE_UNITS_IN_HUNDREDTHS = new Set(['ISK', 'UGX']);

export const STRIPE_CURRENCIES: CurrencyTable = {
  provider: 'Stripe',
  source: 'https://docs.stripe.com/currencies',
  unit(currency: string): CurrencyUnit | undefined {
    if (ZERO_DECIMAL.has(currency)) return { digits: 0 };
    if (THREE_DECIMAL.has(currency)) return { digits: 3, step: 10 };
    if (WHOLE_UNITS_IN_HUNDREDTHS.has(currency)) return { digits: 2, step: 100 };
    return minorUnitDigits(currency) === 2 ? { digits: 2 } : undefined;
  },
};
