import { InvalidAmountError, MAX_MINOR_UNITS, minorUnitDigits, toMinorUnits } from '../../domain/money';
import { ADYEN_CURRENCIES } from '../../providers/adyenCurrencies';
import {
  UnpayableAmountError,
  amountProblem,
  fromProviderUnits,
  isoCurrencies,
  toProviderUnits,
  type CurrencyTable,
} from '../../providers/currencies';
import { STRIPE_CURRENCIES } from '../../providers/stripeCurrencies';

describe('money in minor units', () => {
  it.each([
    ['49.90', 'EUR', 4990],
    ['49.9', 'EUR', 4990],
    [49.9, 'EUR', 4990],
    ['0.01', 'USD', 1],
    ['1000', 'JPY', 1000],
    ['1000.00', 'JPY', 1000],
    ['1.234', 'BHD', 1234],
    ['12.5000', 'KWD', 12500],
    ['0', 'EUR', 0],
    ['999999999.99', 'EUR', MAX_MINOR_UNITS],
    ['99999999999', 'JPY', MAX_MINOR_UNITS],
  ])('parses %p %s exactly as %d', (amount, currency, minor) => {
    expect(toMinorUnits(amount, currency)).toEqual({ minor, currency });
  });

  it('never rounds through floating point', () => {
    // 0.1 + 0.2 style inputs: 1.005 * 100 is 100.49999… in floating point.
    expect(toMinorUnits('1.005', 'BHD').minor).toBe(1005);
    expect(toMinorUnits('1.10', 'EUR').minor).toBe(110);
    expect(toMinorUnits(19.99, 'EUR').minor).toBe(1999);
  });

  it.each([
    ['10.001', 'EUR', /more than 2 decimals/],
    ['10.5', 'JPY', /more than 0 decimals/],
    ['1.2345', 'BHD', /more than 3 decimals/],
    ['-5.00', 'EUR', /not a non-negative decimal/],
    [-5, 'EUR', /not a non-negative decimal/],
    ['1e3', 'EUR', /not a non-negative decimal/],
    ['abc', 'EUR', /not a non-negative decimal/],
    ['', 'EUR', /not a non-negative decimal/],
    ['10', 'XXX', /unknown ISO 4217 currency "XXX"/],
    ['10', 'eur', /unknown ISO 4217 currency/],
    [Number.NaN, 'EUR', /not a finite number/],
    ['90071992547409.93', 'EUR', /above the maximum of 999999999.99 EUR/],
    [90071992547409.91, 'EUR', /above the maximum of 999999999.99 EUR/],
    ['1000000000.00', 'EUR', /above the maximum of 999999999.99 EUR/],
    ['100000000000', 'JPY', /above the maximum of 99999999999 JPY/],
    ['9'.repeat(400), 'EUR', /above the maximum/],
  ])('refuses %p %s', (amount, currency, message) => {
    expect(() => toMinorUnits(amount, currency)).toThrow(InvalidAmountError);
    expect(() => toMinorUnits(amount, currency)).toThrow(message);
  });

  it('knows the minor unit of ISO 4217 currencies', () => {
    expect([
      minorUnitDigits('EUR'),
      minorUnitDigits('JPY'),
      minorUnitDigits('BHD'),
      minorUnitDigits('CLF'),
    ]).toEqual([2, 0, 3, 4]);
    expect(minorUnitDigits('ABC')).toBeUndefined();
  });
});

/**
 * Each provider's own minor units (providers/currencies.ts), from the ISO minor units Settle carries: the
 * amount the provider receives for a major-unit amount a door parsed, or the refusal.
 */
describe('amounts as each provider writes them', () => {
  const tables: Readonly<Record<string, CurrencyTable>> = {
    gateway: isoCurrencies('the gateway'),
    stripe: STRIPE_CURRENCIES,
    adyen: ADYEN_CURRENCIES,
  };
  const sent = (provider: string, amount: string, currency: string) =>
    toProviderUnits(tables[provider]!, toMinorUnits(amount, currency));

  it.each([
    // ISO 0 decimals; Stripe two (whole krónur only), Adyen two.
    ['gateway', '5000', 'ISK', 5000],
    ['stripe', '5000', 'ISK', 500_000],
    ['adyen', '5000', 'ISK', 500_000],
    // ISO 2 decimals; Stripe none.
    ['gateway', '50.00', 'MGA', 5000],
    ['stripe', '50.00', 'MGA', 50],
    ['gateway', '500', 'JPY', 500],
    ['stripe', '500', 'JPY', 500],
    ['adyen', '500', 'JPY', 500],
    // Three decimals everywhere; Stripe's must end in 0.
    ['gateway', '5.125', 'KWD', 5125],
    ['stripe', '5.120', 'KWD', 5120],
    ['adyen', '5.125', 'KWD', 5125],
    // ISO 0 decimals; Adyen two.
    ['gateway', '1500', 'CLP', 1500],
    ['stripe', '1500', 'CLP', 1500],
    ['adyen', '1500', 'CLP', 150_000],
    // ISO 2 decimals; Adyen none.
    ['gateway', '100.00', 'CVE', 10_000],
    ['stripe', '100.50', 'CVE', 10_050],
    ['adyen', '100.00', 'CVE', 100],
    // Two decimals for charges at Stripe (its zero-decimal rule is for payouts).
    ['gateway', '10.45', 'HUF', 1045],
    ['stripe', '10.45', 'HUF', 1045],
    ['adyen', '10.45', 'HUF', 1045],
    ['stripe', '49.90', 'EUR', 4990],
  ])('%s receives %s %s as %d', (provider, amount, currency, expected) => {
    expect(sent(provider, amount, currency)).toBe(expected);
    expect(fromProviderUnits(tables[provider]!, expected, currency)).toBe(
      toMinorUnits(amount, currency).minor,
    );
  });

  it.each([
    [
      'stripe',
      '50.50',
      'MGA',
      'Stripe writes MGA with 0 decimals: the amount must be a multiple of 1.00 MGA',
    ],
    ['stripe', '5.125', 'KWD', 'Stripe takes KWD only in multiples of 0.010 KWD'],
    ['stripe', '1.001', 'BHD', 'Stripe takes BHD only in multiples of 0.010 BHD'],
    ['stripe', '1.5', 'IQD', 'Stripe does not take IQD'],
    ['adyen', '100.50', 'CVE', 'Adyen writes CVE with 0 decimals: the amount must be a multiple of 1.00 CVE'],
    ['adyen', '10000.50', 'IDR', 'Adyen writes IDR with 0 decimals'],
    ['adyen', '50.00', 'MGA', 'Adyen does not take MGA'],
  ])('%s refuses %s %s, naming its rule and where it documents it', (provider, amount, currency, rule) => {
    const table = tables[provider]!;
    const money = toMinorUnits(amount, currency);
    const problem = amountProblem(table, money);
    expect(problem).toContain(rule);
    expect(problem).toContain(table.source);
    // The amount stays out of the text, which is logged.
    expect(problem).not.toContain(amount);
    expect(() => toProviderUnits(table, money)).toThrow(UnpayableAmountError);
  });

  it('takes every ISO amount at the gateway, and refuses a code ISO does not have everywhere', () => {
    expect(amountProblem(tables.gateway!, toMinorUnits('5.125', 'KWD'))).toBeUndefined();
    for (const table of Object.values(tables)) {
      expect(amountProblem(table, { minor: 100, currency: 'XYZ' })).toBe('XYZ is not an ISO 4217 currency');
    }
  });

  it('reads back an amount ISO cannot write rounded down, the side a coverage check stays true on', () => {
    expect(fromProviderUnits(STRIPE_CURRENCIES, 1050, 'ISK')).toBe(10);
  });
});
