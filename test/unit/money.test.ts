import { InvalidAmountError, MAX_MINOR_UNITS, minorUnitDigits, toMinorUnits } from '../../domain/money';

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
