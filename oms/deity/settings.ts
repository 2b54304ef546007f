import { z } from 'zod';
import { duration, section, urlSecrets } from '../../config/setting';

/** A payment method a profile offers: at which provider, when it fits an order, and what the shop's client needs. */
export const deityMethodSchema = z.strictObject({
  /** A provider Settle has (providers/): checked where the payment is made. */
  provider: z.string().regex(/^[a-z]+$/, 'a provider name such as gateway or stripe'),
  /** The method's name at the provider, e.g. `card`. */
  method: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'lowercase letters, digits, _ and - only'),
  /** ISO 4217 codes it takes; all when absent. */
  currencies: z
    .array(z.string().regex(/^[A-Z]{3}$/))
    .min(1)
    .optional(),
  /** ISO 3166 alpha-2 countries it takes; all when absent. */
  countries: z
    .array(z.string().regex(/^[A-Z]{2}$/))
    .min(1)
    .optional(),
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
        '"methods": [{"provider": "gateway", "method": "card", "currencies": ["EUR"], "countries": ["DE"], "config": {}}]}]; ' +
        'each part of a serviceUser letters, digits, _ and - only (it names the routing key of its events). ' +
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
    DEITY_VALIDATE_WAIT: {
      key: 'deity.validate_wait',
      schema: duration,
      default: '20s',
      description:
        "How long `validate` waits for the provider's authorization; later, the shop hears it as an event.",
    },
  },
});
