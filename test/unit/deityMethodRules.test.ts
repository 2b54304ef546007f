import { deitySettingsOf } from '../../oms/deity/door';
import { methodList, misfit, sortOrderOf, surchargeOf, UNSORTED } from '../../oms/deity/methodRules';
import { profileOf } from '../../oms/deity/profiles';
import { deityMethodSchema, deitySettings, type DeityMethod } from '../../oms/deity/settings';

/**
 * Deity's method configuration (enabled, currencies, countries, sortOrder, surcharge, minMaxAmounts, in major
 * units) applied to an order, and Deity's token: pure functions, no process.
 */

const method = (fields: Partial<DeityMethod> & Pick<DeityMethod, 'method'>): DeityMethod =>
  deityMethodSchema.parse({ provider: 'gateway', ...fields });

const card = method({
  method: 'card',
  title: 'Card',
  sortOrder: [{ countries: ['*'], sortOrder: 10 }],
  surcharge: [
    { countries: ['NL'], percentage: 1.5, fixed: [{ currency: 'EUR', amount: 2 }] },
    { countries: ['*'], percentage: 1 },
  ],
});
const ideal = method({
  method: 'ideal',
  countries: ['NL'],
  currencies: ['EUR'],
  sortOrder: [{ countries: ['NL'], sortOrder: 0 }],
});
const klarna = method({ method: 'klarna', minMaxAmounts: [{ currency: 'EUR', min: 10, max: 500 }] });
const off = method({ method: 'invoice', enabled: false });
const methods = [klarna, card, ideal, off];
const names = (listed: DeityMethod[]) => listed.map((m) => m.method);

describe("Deity's method configuration", () => {
  it('lists what fits the currency, country and total, by sort order (999 where none applies)', () => {
    expect(names(methodList(methods, { currency: 'EUR', country: 'NL', totalMinor: 5000 }))).toEqual([
      'ideal',
      'card',
      'klarna',
    ]);
    expect(names(methodList(methods, { currency: 'EUR', country: 'NL', totalMinor: 500 }))).toEqual([
      'ideal',
      'card',
    ]);
    expect(names(methodList(methods, { currency: 'USD', country: 'DE', totalMinor: 5000 }))).toEqual([
      'card',
      'klarna',
    ]);
    expect(sortOrderOf(klarna, 'NL')).toBe(UNSORTED);
  });

  it('takes min and max inclusive, in the currency it names (a `*` entry for every other)', () => {
    expect(misfit(klarna, { currency: 'EUR', totalMinor: 1000 })).toBeUndefined();
    expect(misfit(klarna, { currency: 'EUR', totalMinor: 50_000 })).toBeUndefined();
    expect(misfit(klarna, { currency: 'EUR', totalMinor: 999 })).toBe(
      'gateway/klarna takes orders from 10 EUR',
    );
    expect(misfit(klarna, { currency: 'EUR', totalMinor: 50_001 })).toBe(
      'gateway/klarna takes orders up to 500 EUR',
    );
    const everywhere = method({ method: 'm', minMaxAmounts: [{ currency: '*', min: 1000 }] });
    expect(misfit(everywhere, { currency: 'JPY', totalMinor: 999 })).toMatch(/from 1000 JPY/);
    expect(misfit(everywhere, { currency: 'JPY', totalMinor: 1000 })).toBeUndefined();
    expect(misfit(off, { currency: 'EUR' })).toBe('gateway/invoice is disabled');
  });

  it("computes the surcharge of the country's entry, else the `*` one, half up to the minor unit", () => {
    // 1.5 % of 49.99 = 0.74985 → 0.75, plus 2.00.
    expect(surchargeOf(card, { currency: 'EUR', country: 'NL', totalMinor: 4999 })).toEqual({
      amount: 2.75,
      fixed: 2,
      percentage: 1.5,
    });
    // 1 % of 12.50 = 0.125 → 0.13; no fixed part in USD.
    expect(surchargeOf(card, { currency: 'USD', country: 'DE', totalMinor: 1250 })).toEqual({
      amount: 0.13,
      percentage: 1,
    });
    expect(surchargeOf(ideal, { currency: 'EUR', country: 'NL', totalMinor: 1250 })).toBeUndefined();
  });

  it('refuses amounts the currency cannot hold, a max under its min, and a percentage too precise', () => {
    const issues = (fields: object) => {
      const parsed = deityMethodSchema.safeParse({ provider: 'gateway', method: 'm', ...fields });
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ minMaxAmounts: [{ currency: 'JPY', min: 1.5 }] })).toEqual([
      'minMaxAmounts.0.min: amount "1.5" has more than 0 decimals allowed for JPY',
    ]);
    expect(issues({ minMaxAmounts: [{ currency: '*', max: 10.5 }] })).toEqual([
      'minMaxAmounts.0.max: a "*" amount is a whole number',
    ]);
    expect(issues({ minMaxAmounts: [{ currency: 'EUR', min: 10, max: 5 }] })).toEqual([
      'minMaxAmounts.0.max: less than min',
    ]);
    expect(
      issues({ surcharge: [{ countries: ['*'], fixed: [{ currency: 'EUR', amount: 0.001 }] }] }),
    ).toEqual(['surcharge.0.fixed.0.amount: amount "0.001" has more than 2 decimals allowed for EUR']);
    expect(issues({ surcharge: [{ countries: ['*'], percentage: 1.23456 }] })).toEqual([
      'surcharge.0.percentage: at most four decimals',
    ]);
  });
});

describe("Deity's token", () => {
  const profile = { serviceUser: 'acme:web:prod', serviceToken: 'token-of-16-chars-1', methods: [] };
  const settings = deitySettingsOf({ DEITY_PROFILES: [profile], DEITY_VALIDATE_WAIT: '1s' });
  const as = (authorization: string) => profileOf({ authorization }, settings);

  it('is `<serviceUser>:<serviceToken>`, split at the last colon, as a bearer token or Basic credentials', () => {
    expect(as('Bearer acme:web:prod:token-of-16-chars-1')).toEqual({ who: profile });
    const basic = Buffer.from('acme:web:prod:token-of-16-chars-1').toString('base64');
    expect(as(`Basic ${basic}`)).toEqual({ who: profile });
    expect(as('Bearer acme:web:prod:wrong')).toEqual({
      refused: 'wrong service token for this profile',
      claimed: 'acme:web:prod',
    });
    expect(as('Bearer acme:web:other:token-of-16-chars-1')).toEqual({
      refused: 'unknown profile "acme:web:other"',
    });
    for (const without of [
      '',
      'Bearer token-of-16-chars-1',
      'Bearer acme:web:prod:',
      'Token acme:web:prod:x',
    ])
      expect(as(without)).toEqual({ refused: expect.stringMatching(/^authentication required/) });
  });

  it('serves the client endpoints under /api unless DEITY_BASE_PATH says otherwise', () => {
    expect(settings.basePath).toBe('/api');
    const schema = deitySettings.settings.DEITY_BASE_PATH.schema;
    for (const good of ['/', '/api', '/dpsg/v1']) expect(schema.safeParse(good).success).toBe(true);
    for (const bad of ['', 'api', '/api/', '/a b']) expect(schema.safeParse(bad).success).toBe(false);
  });
});
