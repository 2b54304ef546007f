/**
 * Which provider serves a payment, as configured: PROVIDER_ROUTES is a comma-separated list of rules
 * `<provider>:<field>=<value>[&<field>=<value>]`, read in order, the first whose every condition matches the
 * acted-on transaction wins. Fields are the payment model's `gateway_id` and `payment_method`, e.g.
 * `stripe:gateway_id=stripe_eu, adyen:payment_method=scheme&gateway_id=adyen`.
 * Pure: the configuration validates the text with it at start-up, the registry applies it per payment.
 */

import { PROVIDER_NAMES, type ProviderName } from './index';

export { PROVIDER_NAMES, type ProviderName } from './index';

export const ROUTE_FIELDS = ['gateway_id', 'payment_method'] as const;
export type RouteField = (typeof ROUTE_FIELDS)[number];

export interface ProviderRoute {
  readonly provider: ProviderName;
  /** Every condition must hold; at least one. */
  readonly when: Readonly<Partial<Record<RouteField, string>>>;
}

export class RouteSyntaxError extends Error {
  override readonly name = 'RouteSyntaxError';
}

export function parseRoutes(text: string): ProviderRoute[] {
  return text
    .split(',')
    .map((rule) => rule.trim())
    .filter((rule) => rule !== '')
    .map((rule) => {
      const colon = rule.indexOf(':');
      const provider = rule.slice(0, colon).trim();
      if (colon < 0 || !(PROVIDER_NAMES as readonly string[]).includes(provider)) {
        throw new RouteSyntaxError(
          `"${rule}" must start with a provider (${PROVIDER_NAMES.join(', ')}) and a colon, e.g. "stripe:payment_method=card"`,
        );
      }
      const when: Partial<Record<RouteField, string>> = {};
      for (const condition of rule.slice(colon + 1).split('&')) {
        const [field, value, ...rest] = condition.split('=').map((part) => part.trim());
        if (!(ROUTE_FIELDS as readonly string[]).includes(field ?? '') || !value || rest.length > 0) {
          throw new RouteSyntaxError(
            `"${condition.trim()}" in "${rule}" must be ${ROUTE_FIELDS.map((f) => `${f}=<value>`).join(' or ')}`,
          );
        }
        when[field as RouteField] = value;
      }
      return { provider: provider as ProviderName, when };
    });
}

/** The provider the first matching route names, or undefined when no route matches. */
export function routeFor(
  routes: readonly ProviderRoute[],
  transaction: Readonly<Partial<Record<RouteField, string | undefined>>>,
): ProviderName | undefined {
  return routes.find((route) =>
    Object.entries(route.when).every(([field, value]) => transaction[field as RouteField] === value),
  )?.provider;
}
