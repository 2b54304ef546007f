import type { CurrencyTable } from './currencies';

/**
 * Adyen's minor units, from its "Currency codes and minor units" page,
 * https://docs.adyen.com/development-resources/currency-codes: amounts are in minor units "given the number
 * of decimals of the currency" in its table, and where the table differs from ISO 4217 the table is leading.
 * It marks CLP (2; ISO 0), CVE (0; ISO 2), IDR (0; ISO 2) and ISK (2; ISO 0) as differing from the standard.
 * A currency the table does not list (MGA, BGN…) is not sent: Adyen documents no minor unit for it.
 */
const DECIMALS: Readonly<Record<number, string>> = {
  0: 'CVE DJF GNF IDR JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF',
  2:
    'AED ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BRL BSD BWP BYN BZD CAD CHF CLP CNY COP CRC ' +
    'CUP CZK DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF ILS INR ISK JMD ' +
    'KES KGS KHR KYD KZT LAK LBP LKR MAD MDL MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK ' +
    'NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SEK SGD SHP SLE SOS SRD STN SVC SZL THB ' +
    'TOP TRY TTD TWD TZS UAH USD UYU UZS WST XCD YER ZAR ZMW',
  3: 'BHD IQD JOD KWD LYD OMR TND',
};

const DIGITS: ReadonlyMap<string, number> = new Map(
  Object.entries(DECIMALS).flatMap(([digits, codes]) =>
    codes.split(' ').map((code): [string, number] => [code, Number(digits)]),
  ),
);

export const ADYEN_CURRENCIES: CurrencyTable = {
  provider: 'Adyen',
  source: 'https://docs.adyen.com/development-resources/currency-codes',
  unit: (currency) => {
    const digits = DIGITS.get(currency);
    return digits === undefined ? undefined : { digits };
  },
};
