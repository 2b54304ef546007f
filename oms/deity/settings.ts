import { z } from 'zod';
import { duration, section, urlSecrets } from '../../config/setting';
import { InvalidAmountError, toMinorUnits } from '../../domain/money';
import { DEFAULT_BASE_PATH } from './contract';

const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 code such as DE');
const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');
/** Countries a rule is for, as Deity's method configuration writes them: codes, or `*` for all. */
const countries = z.array(z.union([country, z.literal('*')])).min(1);
/** A major-unit amount of the configuration, as Deity's method configuration writes it (`min: 10` is 10 EUR). */
const major = z.number().nonnegative().finite();

/** Whether `amount` (major units) is one `currency` holds exactly; `*` holds only whole amounts, as every currency does. */
function holds(amount: number, currency: string): string | undefined {
  if (currency === '*') return Number.isInteger(amount) ? undefined : 'a "*" amount is a whole number';
  try {
    toMinorUnits(amount, currency);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidAmountError) return error.message;
    throw error;
  }
}

/** Deity's `minMaxAmounts` entry: the order totals (before the surcharge) a method takes in a currency. */
const minMaxAmount = z
  .strictObject({
    currency: z.union([currencyCode, z.literal('*')]),
    min: major.optional(),
    max: major.optional(),
  })
  .superRefine(({ currency, min, max }, ctx) => {
    for (const [name, amount] of [
      ['min', min],
      ['max', max],
    ] as const) {
      const problem = amount === undefined ? undefined : holds(amount, currency);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
    if (min !== undefined && max !== undefined && max < min)
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'less than min' });
  });

/** Deity's `surcharge` entry: a percentage of the total and/or a fixed amount per currency, for some countries. */
const surcharge = z.strictObject({
  countries,
  /** At most four decimals: 1.5 is 1.5 %. */
  percentage: z
    .number()
    .nonnegative()
    .max(100)
    .refine((value) => Math.abs(value * 10_000 - Math.round(value * 10_000)) < 1e-6, 'at most four decimals')
    .optional(),
  fixed: z
    .array(
      z.strictObject({ currency: currencyCode, amount: major }).superRefine(({ currency, amount }, ctx) => {
        const problem = holds(amount, currency);
        if (problem) ctx.addIssue({ code: 'custom', path: ['amount'], message: problem });
      }),
    )
    .optional(),
});

/**
 * A payment method a profile offers: at which provider, when it fits an order, and what the shop's client needs.
 * `enabled`, `title`, `currencies`, `countries`, `sortOrder`, `surcharge` and `minMaxAmounts` are Deity's method
 * configuration (its `EnvironmentPaymentMethodController_add` body); amounts in major units, as Deity writes them.
 */
export const deityMethodSchema = z.strictObject({
  /** A provider Settle has (providers/): checked where the payment is made. */
  provider: z.string().regex(/^[a-z]+$/, 'a provider name such as gateway or stripe'),
  /** The method's name at the provider, e.g. `card`. */
  method: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'lowercase letters, digits, _ and - only'),
  /** Only an enabled method is offered; true when absent. */
  enabled: z.boolean().optional(),
  /** The name shoppers see. */
  title: z.string().min(1).max(200).optional(),
  /** ISO 4217 codes it takes; all when absent or `*`. */
  currencies: z
    .array(z.union([currencyCode, z.literal('*')]))
    .min(1)
    .optional(),
  /** ISO 3166 alpha-2 billing countries it takes; all when absent or `*`. */
  countries: countries.optional(),
  /** Its place in the list per country, low first; 999 where no entry names the country (or `*`). */
  sortOrder: z
    .array(z.strictObject({ countries, sortOrder: z.number().int().nonnegative().max(1_000_000) }))
    .max(100)
    .optional(),
  /** What paying with it adds to the order, per country; the entry naming the country, else the `*` one. */
  surcharge: z.array(surcharge).max(100).optional(),
  /** The order totals it takes, per currency (or `*`), before the surcharge, both ends included. */
  minMaxAmounts: z.array(minMaxAmount).max(100).optional(),
  /** What the shop's client-side component needs to render it (public keys, brands): never a secret. */
  config: z.record(z.string(), z.unknown()).optional(),
  /** A provider-specific payment method token to authorize with, where the provider needs one. */
  paymentMethod: z.string().max(255).optional(),
});
export type DeityMethod = z.infer<typeof deityMethodSchema>;

/**
 * A service user names the routing key of its profile's events (`<serviceUser>.payment.status_updated`, see
 * publisher.ts): a topic key's words are separated by "." and a binding's "*" and "#" are wildcards, so none
 * of them may be in it, and RabbitMQ takes keys of at most 255 bytes.
 */
export const SERVICE_USER_MAX_LENGTH = 200;
const serviceUserSchema = z
  .string()
  .max(SERVICE_USER_MAX_LENGTH, `at most ${SERVICE_USER_MAX_LENGTH} characters`)
  .regex(
    /^[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/,
    'org:project:env, each part letters, digits, _ and - only: no ".", "*", "#" or spaces, which RabbitMQ ' +
      'reads in the routing key of its events',
  );

const profileSchema = z.strictObject({
  /** "org:project:env", as the shop's PAYMENTS_SERVICE_USER. */
  serviceUser: serviceUserSchema,
  serviceToken: z.string().min(16, 'at least 16 characters'),
  methods: z.array(deityMethodSchema).max(100),
  /**
   * The RabbitMQ user the shop publishes its order updates as: each update's user_id must name it (the broker
   * refuses a user_id other than the connection's own). Its serviceUser when absent.
   */
  brokerUser: z.string().min(1).max(255).optional(),
});
export type DeityProfile = z.infer<typeof profileSchema>;

/** A profile in an error message: by its service user where it has one (never by its token), else by its place. */
function profileName(json: unknown, index: number): string {
  const user = (Array.isArray(json) ? (json[index] as { serviceUser?: unknown } | undefined) : undefined)
    ?.serviceUser;
  return typeof user === 'string' && user !== ''
    ? `profile "${user.slice(0, 80)}${user.length > 80 ? '…' : ''}"`
    : `profile ${index + 1}`;
}

/** JSON text of the profiles, each serviceUser once. */
const profilesSchema = z.string().transform((text, ctx) => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
    return z.NEVER;
  }
  const parsed = z.array(profileSchema).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [index, ...field] = issue.path;
    ctx.addIssue({
      code: 'custom',
      message: `${typeof index === 'number' ? `${profileName(json, index)}: ` : ''}${field.join('.') || 'profiles'}: ${issue.message}`,
    });
    return z.NEVER;
  }
  const users = parsed.data.map((profile) => profile.serviceUser);
  const twice = users.find((user, index) => users.indexOf(user) !== index);
  if (twice) {
    ctx.addIssue({ code: 'custom', message: `profile ${twice} is given twice` });
    return z.NEVER;
  }
  return parsed.data;
});

/** The Deity door's settings, declared with the door; config/catalogue.ts lists them with every other part's. */
export const deitySettings = section({
  owner: 'deity',
  commands: ['settle deity'],
  title: "Deity's Payment Orchestrator (client endpoints and RabbitMQ events)",
  about:
    'The Deity front door: the shop profiles with their tokens and payment methods, and the RabbitMQ broker its ' +
    'status events go to and its order updates come from. Without profiles the door refuses every call; ' +
    'without AMQP_URL its events wait and its order updates come over HTTP only.',
  settings: {
    DEITY_PROFILES: {
      key: 'deity.profiles',
      schema: profilesSchema,
      secret: true,
      // The tokens, not the service users, which every log line about a profile shows.
      secretParts: (profiles: readonly DeityProfile[]) => profiles.map((profile) => profile.serviceToken),
      description:
        'The shop profiles, as JSON: [{"serviceUser": "org:project:env", "serviceToken": "<at least 16 characters>", ' +
        '"methods": [{"provider": "gateway", "method": "card", "title": "Card", "currencies": ["EUR"], "countries": ' +
        '["DE"], "sortOrder": [{"countries": ["DE"], "sortOrder": 10}], "surcharge": [{"countries": ["DE"], ' +
        '"percentage": 1.5, "fixed": [{"currency": "EUR", "amount": 0.5}]}], "minMaxAmounts": [{"currency": "EUR", ' +
        '"min": 1, "max": 5000}], "config": {}}]}]; method amounts in major units, as Deity writes them; each part of ' +
        'a serviceUser letters, digits, _ and - only (it names the routing key of its events). ' +
        'Optional "brokerUser": the RabbitMQ user its order updates must be published as (their user_id); ' +
        'its serviceUser when absent.',
      unset: 'none: the door refuses every call',
    },
    AMQP_URL: {
      key: 'deity.amqp_url',
      schema: z.url({ protocol: /^amqps?$/ }),
      secret: true,
      secretParts: urlSecrets,
      description:
        'The RabbitMQ broker the status events are published to and the order updates consumed from, ' +
        'amqp://user:password@host:5672/vhost (or amqps).',
      unset: 'none: the events wait, retried, until it is set, and order updates come over HTTP only',
    },
    DEITY_BASE_PATH: {
      key: 'deity.base_path',
      schema: z
        .string()
        .regex(
          /^(\/|(\/[A-Za-z0-9._~-]+)+)$/,
          'a path such as /api: "/" and segments of letters, digits, . _ ~ -',
        ),
      default: DEFAULT_BASE_PATH,
      description:
        "The path the client endpoints are under (`<base>/payment-methods`, `<base>/payment`, …). Deity's hosts " +
        'serve them under `/api` as far as its public documents show (inferred, not stated): a reverse proxy that ' +
        'answers for the region host (dpsg.deity.cloud) forwards `/api/*` to Settle unchanged with the default.',
    },
    DEITY_VALIDATE_WAIT: {
      key: 'deity.validate_wait',
      schema: duration,
      default: '20s',
      description:
        "How long place order (`<base>/payment`) waits for the provider's authorization; later, the shop hears it " +
        'as an event.',
    },
  },
});
