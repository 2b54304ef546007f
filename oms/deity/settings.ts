import { z } from 'zod';
import { duration, section } from '../../config/setting';

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

const profileSchema = z.strictObject({
  /** "org:project:env", as the shop's PAYMENTS_SERVICE_USER. */
  serviceUser: z.string().regex(/^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$/, 'org:project:env'),
  serviceToken: z.string().min(16, 'at least 16 characters'),
  methods: z.array(deityMethodSchema).max(100),
});
export type DeityProfile = z.infer<typeof profileSchema>;

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
    ctx.addIssue({ code: 'custom', message: `${issue.path.join('.') || 'profiles'}: ${issue.message}` });
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
  title: "Deity's Payment Orchestrator (client endpoints and RabbitMQ events)",
  about:
    'The Deity front door: the shop profiles with their tokens and payment methods, and the RabbitMQ broker its ' +
    'status events go to. Without profiles the door refuses every call; without AMQP_URL its events wait.',
  settings: {
    DEITY_PROFILES: {
      key: 'deity.profiles',
      schema: profilesSchema,
      secret: true,
      description:
        'The shop profiles, as JSON: [{"serviceUser": "org:project:env", "serviceToken": "<at least 16 characters>", ' +
        '"methods": [{"provider": "gateway", "method": "card", "currencies": ["EUR"], "countries": ["DE"], "config": {}}]}].',
      unset: 'none: the door refuses every call',
    },
    AMQP_URL: {
      key: 'deity.amqp_url',
      schema: z.url({ protocol: /^amqps?$/ }),
      secret: true,
      description:
        'The RabbitMQ broker the status events are published to, amqp://user:password@host:5672/vhost (or amqps).',
      unset: 'none: the events wait, retried, until it is set',
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
