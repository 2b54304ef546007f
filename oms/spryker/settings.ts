import { z } from 'zod';
import { duration, section } from '../../config/setting';

/** `name=value` pairs, comma-separated, each name once; both sides trimmed and non-empty. */
function pairs(what: string, value: z.ZodString) {
  return z.string().transform((text, ctx) => {
    // A Map, so that a name such as `constructor` or `__proto__` is a name like any other.
    const entries = new Map<string, string>();
    for (const part of text
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)) {
      const at = part.indexOf('=');
      const name = part.slice(0, Math.max(at, 0)).trim();
      const parsed = value.safeParse(part.slice(at + 1).trim());
      if (at <= 0 || !parsed.success || entries.has(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${at <= 0 ? part : name}" is not ${what}${entries.has(name) ? ' given once' : ''}`,
        });
        return z.NEVER;
      }
      entries.set(name, parsed.data);
    }
    return Object.fromEntries(entries) as Readonly<Record<string, string>>;
  });
}

/** The Spryker door's settings, declared with the door; config/catalogue.ts lists them with every other part's. */
export const sprykerSettings = section({
  owner: 'spryker',
  commands: ['settle register --door spryker'],
  title: 'Spryker ACP (message bus and checkout)',
  about:
    "The Spryker front door: the shops (tenants) allowed on Settle's message bus with their bearer tokens, the " +
    'payment methods Settle announces to them, and its identity on the events it sends. Without tenants the ' +
    'door refuses every call.',
  settings: {
    SPRYKER_TENANTS: {
      key: 'spryker.tenants',
      schema: pairs('<tenant>=<bearer token of at least 16 characters>', z.string().min(16)),
      secret: true,
      // The tokens, not the tenants' names, which every log line about a tenant shows.
      secretParts: (tenants: Readonly<Record<string, string>>) => Object.values(tenants),
      description:
        'The shops served, as "<tenant identifier>=<bearer token>", comma-separated; each token at least 16 ' +
        'characters. A shop sends its token on every call (Authorization: Bearer).',
      unset: 'none: the door refuses every call',
    },
    SPRYKER_PAYMENT_METHODS: {
      key: 'spryker.payment_methods',
      schema: pairs('<method name>=<provider>', z.string().regex(/^[a-z]+$/, 'a provider name')),
      default: 'Settle Card=gateway',
      description:
        'The payment methods announced to every shop (AddPaymentMethod), as "<name>=<provider>", ' +
        'comma-separated; the provider authorizes and moves the money of the orders paid with it.',
    },
    SPRYKER_APP_IDENTIFIER: {
      key: 'spryker.app_identifier',
      // A shop keeps an app's config under its identifier in a column of 36 characters (kernel-app spy_app_config).
      schema: z
        .string()
        .max(36, 'at most 36 characters: a shop stores it in a column of 36')
        .regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, _ . - only'),
      default: 'settle',
      description:
        "Settle's name on the events it sends (actorId, emitter), its payment methods' providerName and the " +
        'appIdentifier of its AppConfigUpdated on app-events (at most 36 characters; a UUID fits).',
    },
    SPRYKER_CHECKOUT_WAIT: {
      key: 'spryker.checkout_wait',
      schema: duration,
      default: '20s',
      description:
        "How long checkout's call waits for the provider's authorization; later, the shop hears the outcome as an event.",
    },
    SPRYKER_ANNOUNCE_EVERY: {
      key: 'spryker.announce_every',
      schema: duration,
      default: '24h',
      description:
        'How often `settle register --door spryker --schedule` announces the payment methods again: a whole number and s, m, h or d.',
    },
  },
});
