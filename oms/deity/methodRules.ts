import { toMajorUnits, toMinorUnits } from '../../domain/money';
import type { DeityMethod } from './settings';

/**
 * Deity's method configuration applied to an order (its method features: currencies, locations, minMaxAmounts,
 * sort, surcharges): which of a profile's methods the order may use, in which order the shop lists them, and
 * what each adds to the order. Amounts are configured in major units and compared in minor units, exactly.
 */

/** What Deity's method list filters on: the order's currency, billing country and total before any surcharge. */
export interface OrderFacts {
  readonly currency: string;
  readonly country?: string;
  /** Minor units; absent: not checked (the order's total is not known yet). */
  readonly totalMinor?: number;
}

/** Where no sortOrder entry names the country: behind every configured one, as Deity has it. */
export const UNSORTED = 999;

const names = (list: readonly string[] | undefined, value: string | undefined) =>
  !list || list.includes('*') || (value !== undefined && list.includes(value));

/** The first entry naming the value itself, else the first for `*`. */
function entryFor<E>(entries: readonly E[] | undefined, of: (entry: E) => readonly string[], value?: string) {
  if (!entries) return undefined;
  return (
    (value === undefined ? undefined : entries.find((entry) => of(entry).includes(value))) ??
    entries.find((entry) => of(entry).includes('*'))
  );
}

/** Why the method does not take the order, or undefined when it does (enabled, currency, country, min/max). */
export function misfit(
  method: DeityMethod,
  { currency, country, totalMinor }: OrderFacts,
): string | undefined {
  const name = `${method.provider}/${method.method}`;
  if (method.enabled === false) return `${name} is disabled`;
  if (!names(method.currencies, currency)) return `${name} does not take ${currency}`;
  // A country not given is not filtered on, as Deity's list takes its filters as given.
  if (country !== undefined && !names(method.countries, country))
    return `${name} does not take orders from ${country}`;
  const bounds = entryFor(method.minMaxAmounts, (entry) => [entry.currency], currency);
  if (totalMinor === undefined || !bounds) return undefined;
  const minor = (amount: number) => toMinorUnits(amount, currency).minor;
  if (bounds.min !== undefined && totalMinor < minor(bounds.min))
    return `${name} takes orders from ${bounds.min} ${currency}`;
  if (bounds.max !== undefined && totalMinor > minor(bounds.max))
    return `${name} takes orders up to ${bounds.max} ${currency}`;
  return undefined;
}

/** The method's place for an order from `country`: low first, UNSORTED where no entry names it. */
export function sortOrderOf(method: DeityMethod, country: string | undefined): number {
  return entryFor(method.sortOrder, (entry) => entry.countries, country)?.sortOrder ?? UNSORTED;
}

/** The methods that take the order, as the shop lists them: by sort order, ties in the profile's order. */
export function methodList(methods: readonly DeityMethod[], facts: OrderFacts): DeityMethod[] {
  return methods
    .filter((method) => misfit(method, facts) === undefined)
    .map((method, index) => ({ method, index, rank: sortOrderOf(method, facts.country) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ method }) => method);
}

/** Falcon's PaymentMethodInstance surcharge: the amount in all, and its parts (major units). */
export interface Surcharge {
  readonly amount: number;
  readonly fixed?: number;
  readonly percentage?: number;
}

/**
 * What paying with the method adds to an order of `totalMinor`: the entry for its country (else `*`), its
 * percentage of the total (rounded half up to the minor unit) plus its fixed amount in the order's currency.
 * None when no entry applies.
 */
export function surchargeOf(
  method: DeityMethod,
  { currency, country, totalMinor }: OrderFacts & { readonly totalMinor: number },
): Surcharge | undefined {
  const entry = entryFor(method.surcharge, (candidate) => candidate.countries, country);
  if (!entry) return undefined;
  const fixed = entry.fixed?.find((candidate) => candidate.currency === currency);
  const fixedMinor = fixed ? toMinorUnits(fixed.amount, currency).minor : 0;
  const perTenThousand = BigInt(Math.round((entry.percentage ?? 0) * 10_000));
  // percentage/100 of the total, exactly, half up: (total × p·10⁴ × 2 + 10⁶) / (2 × 10⁶).
  const percentMinor = Number((BigInt(totalMinor) * perTenThousand * 2n + 1_000_000n) / 2_000_000n);
  const major = (minor: number) => toMajorUnits({ minor, currency });
  return {
    amount: major(percentMinor + fixedMinor),
    ...(fixed ? { fixed: major(fixedMinor) } : {}),
    ...(entry.percentage !== undefined ? { percentage: entry.percentage } : {}),
  };
}
