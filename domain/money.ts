/**
 * Money is an integer amount in the currency's minor unit plus an ISO 4217 code; never a float.
 * Amounts from the payment model are decimal strings or JSON numbers in major units.
 */

/** ISO 4217 currencies whose minor unit is not 2 decimals. */
const MINOR_UNIT_EXCEPTIONS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
}; // prettier-ignore

/** Active ISO 4217 codes with 2 decimals (the rest of the list). */
const TWO_DECIMAL_CURRENCIES = (
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL ' +
  'GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD ' +
  'LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN ' +
  'PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB ' +
  'TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG'
).split(' ');

const MINOR_UNITS: ReadonlyMap<string, number> = new Map([
  ...TWO_DECIMAL_CURRENCIES.map((code): [string, number] => [code, 2]),
  ...Object.entries(MINOR_UNIT_EXCEPTIONS),
]);

export interface Money {
  /** Integer amount in the currency's minor unit (cents for EUR, yen for JPY, fils for BHD). */
  readonly minor: number;
  /** ISO 4217 alphabetic code. */
  readonly currency: string;
}

export class InvalidAmountError extends Error {
  override readonly name = 'InvalidAmountError';
}

/** Decimal places of the currency's minor unit, or undefined for a code that is not ISO 4217. */
export function minorUnitDigits(currency: string): number | undefined {
  return MINOR_UNITS.get(currency);
}

/**
 * The largest amount Settle moves, in minor units: 999,999,999.99 in a two-decimal currency. Far above any
 * order, and far below where a JavaScript number stops being exact, so a typing error or a forged amount
 * is refused instead of carried out.
 */
export const MAX_MINOR_UNITS = 99_999_999_999;

const DECIMAL = /^(0|[1-9]\d*)(?:\.(\d+))?$/;

/**
 * Parses a non-negative major-unit amount ("12.34", 12.34, "1000") exactly into minor units.
 * More decimals than the currency allows, a negative amount, an amount above MAX_MINOR_UNITS or an unknown
 * currency is an error, never a rounding.
 */
export function toMinorUnits(amount: string | number, currency: string): Money {
  const digits = minorUnitDigits(currency);
  if (digits === undefined) throw new InvalidAmountError(`unknown ISO 4217 currency "${currency}"`);
  if (typeof amount === 'number' && !Number.isFinite(amount)) {
    throw new InvalidAmountError(`amount ${amount} is not a finite number`);
  }
  const text = typeof amount === 'number' ? String(amount) : amount.trim();
  const match = DECIMAL.exec(text);
  if (!match) {
    throw new InvalidAmountError(`amount "${text}" is not a non-negative decimal number`);
  }
  const [, whole = '0', fraction = ''] = match;
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > digits) {
    throw new InvalidAmountError(`amount "${text}" has more than ${digits} decimals allowed for ${currency}`);
  }
  const minor = Number(whole + significant.padEnd(digits, '0'));
  if (!(minor <= MAX_MINOR_UNITS)) {
    throw new InvalidAmountError(
      `amount "${text}" is above the maximum of ${formatMoney({ minor: MAX_MINOR_UNITS, currency })}`,
    );
  }
  return { minor, currency };
}

/** Minor units back to the major-unit text an operator reads: 4990 EUR → "49.90 EUR". */
export function formatMoney({ minor, currency }: Money): string {
  const digits = minorUnitDigits(currency) ?? 0;
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const major = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return `${sign}${major} ${currency}`;
}

/** Minor units as the major-unit number a door's contract carries: 4990 EUR → 49.9. Exact for every amount up to MAX_MINOR_UNITS. */
export function toMajorUnits({ minor, currency }: Money): number {
  return Number(formatMoney({ minor, currency }).split(' ')[0]);
}
