import { z } from 'zod';
import { section } from '../config/setting';
import type { ProviderDefinition } from './definition';
import { PROVIDERS, PROVIDER_NAMES } from './index';
import { RouteSyntaxError, parseRoutes, type ProviderRoute } from './routes';

/** Which provider serves a payment: the default and the routes (providers/routes.ts). */
export const selectionSettings = section({
  owner: 'providers',
  title: 'Payment providers: which one serves a payment',
  about:
    "A provider's settings are required only while it serves payments: when it is the default, when a route " +
    'names it, or when any of its settings is given (a payment may then name it in gateway_id).',
  settings: {
    DEFAULT_PROVIDER: {
      key: 'providers.default',
      schema: z.enum(PROVIDER_NAMES),
      default: 'gateway',
      description: `The provider of a payment whose transaction names none in gateway_id and matches no route: ${PROVIDER_NAMES.join(', ')}.`,
    },
    PROVIDER_ROUTES: {
      key: 'providers.routes',
      schema: z.string().transform((text, ctx) => {
        try {
          return parseRoutes(text);
        } catch (error) {
          if (!(error instanceof RouteSyntaxError)) throw error;
          ctx.addIssue({ code: 'custom', message: error.message });
          return z.NEVER;
        }
      }),
      description:
        'Rules from the payment model to a provider, first match wins, before gateway_id naming a provider: ' +
        '"<provider>:<field>=<value>[&<field>=<value>]", comma-separated; fields gateway_id and payment_method. ' +
        'Example: "stripe:gateway_id=stripe_eu, adyen:payment_method=scheme".',
      unset: 'none',
    },
  },
});

export interface Selection {
  readonly defaultProvider: string;
  readonly routes: readonly ProviderRoute[];
  /** Whether this setting is given. */
  given(setting: string): boolean;
}

/**
 * Why a provider serves payments, or undefined when it serves none: it is the default, a route names it, or
 * one of its settings is given (a payment may then name it in gateway_id).
 */
export function whyServes(
  provider: ProviderDefinition,
  { defaultProvider, routes, given }: Selection,
): string | undefined {
  const name = provider.owner;
  if (defaultProvider === name) return `${name} is the default provider (DEFAULT_PROVIDER)`;
  if (routes.some((route) => route.provider === name)) return `PROVIDER_ROUTES sends payments to ${name}`;
  const setting = Object.keys(provider.settings).find(given);
  return setting ? `${setting} configures ${name}` : undefined;
}

/** The providers that serve payments. */
export function servingProviders(selection: Selection): ProviderDefinition[] {
  return (PROVIDERS as readonly ProviderDefinition[]).filter(
    (provider) => whyServes(provider, selection) !== undefined,
  );
}
