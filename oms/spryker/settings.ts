import { z } from 'zod';
import { duration, parsedBy, section, url } from '../../config/setting';
import { rsaPublicKey } from './tokens';

/** Thrown for a PEM that is not an RSA public key. */
class PublicKeyError extends Error {}
const rsaPublicKeyPem = parsedBy((pem) => {
  try {
    rsaPublicKey(pem);
  } catch (error) {
    throw new PublicKeyError(`not an RSA public key in PEM: ${(error as Error).message}`);
  }
}, PublicKeyError);

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
    "The Spryker front door: how shops (tenants) prove who they are on Settle's message bus and at checkout " +
    "(the RS256 access tokens of Spryker's token provider, or static tokens for development), the payment " +
    'methods Settle announces to them, and its identity on the events it sends. Without tenants and without ' +
    'a token key the door refuses every call.',
  settings: {
    SPRYKER_TENANTS: {
      key: 'spryker.tenants',
      schema: pairs('<tenant>=<bearer token of at least 16 characters>', z.string().min(16)),
      secret: true,
      // The tokens, not the tenants' names, which every log line about a tenant shows.
      secretParts: (tenants: Readonly<Record<string, string>>) => Object.values(tenants),
      description:
        'The shops served, as "<tenant identifier>=<bearer token>", comma-separated; each token at least 16 ' +
        'characters. A shop sends its token on every call (Authorization: Bearer). For development: a real ' +
        "shop sends its token provider's JWTs (SPRYKER_JWKS_URL, SPRYKER_JWT_PUBLIC_KEY).",
      unset: 'none: only callers with a verified access token (SPRYKER_JWKS_URL or SPRYKER_JWT_PUBLIC_KEY)',
    },
    SPRYKER_JWKS_URL: {
      key: 'spryker.jwks_url',
      schema: url,
      description:
        "Where the shops' access tokens' signing keys are published (a JWKS; Auth0: " +
        'https://<domain>/.well-known/jwks.json). Tokens are RS256 JWTs; a key named by `kid` that the set lacks ' +
        'makes Settle fetch it again (key rotation).',
      unset: 'unless SPRYKER_JWT_PUBLIC_KEY is set, only the static tokens of SPRYKER_TENANTS are accepted',
    },
    SPRYKER_JWT_PUBLIC_KEY: {
      key: 'spryker.jwt_public_key',
      schema: rsaPublicKeyPem,
      description:
        "The one RSA public key (PEM; `\\n` for line breaks is accepted) the shops' access tokens are signed " +
        "with: a shop on Spryker's dummy token provider signs with its config/Zed/dev_only_private.key, whose " +
        'public half is dev_only_public.key. Not together with SPRYKER_JWKS_URL.',
      unset: 'unless SPRYKER_JWKS_URL is set, only the static tokens of SPRYKER_TENANTS are accepted',
    },
    SPRYKER_JWT_ISSUER: {
      key: 'spryker.jwt_issuer',
      schema: z.string().min(1),
      description:
        "The `iss` an access token must carry (Auth0: https://<domain>/, with the trailing slash). Spryker's " +
        'dummy provider sets none: leave it unset for it.',
      unset: 'the issuer is not checked',
    },
    SPRYKER_BUS_AUDIENCE: {
      key: 'spryker.bus_audience',
      schema: z.string().min(1),
      default: 'aop-event-platform',
      description:
        "The audience of the tokens on the message bus's calls (the shop's OAUTH_OPTION_AUDIENCE_FOR_MESSAGE_BROKER).",
    },
    SPRYKER_APP_AUDIENCE: {
      key: 'spryker.app_audience',
      schema: z.string().min(1),
      default: 'aop-app',
      description:
        "The audience of the tokens on the payment app's calls, checkout and /private/* (the shop's " +
        'OAUTH_OPTION_AUDIENCE_FOR_ACP).',
    },
    SPRYKER_JWT_CLOCK_SKEW: {
      key: 'spryker.jwt_clock_skew',
      schema: duration,
      default: '60s',
      description: "How far the token issuer's clock may be off Settle's when `exp` and `iat` are checked.",
    },
    SPRYKER_JWKS_REFRESH: {
      key: 'spryker.jwks_refresh',
      schema: duration,
      default: '30s',
      description:
        'The least time between two fetches of SPRYKER_JWKS_URL for tokens naming a key it lacks (the set is ' +
        'fetched again every 10 minutes regardless).',
    },
    SPRYKER_JWT_TENANT_CLAIM: {
      key: 'spryker.jwt_tenant_claim',
      schema: z.string().min(1),
      default: 'tenant_identifier',
      description:
        "The access token's claim that names the tenant: when a token carries it, it must be the tenant the call " +
        "names (Tenant-Identifier, Consumer-Id, X-Tenant-Identifier). Spryker's dummy tokens carry no tenant claim.",
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
