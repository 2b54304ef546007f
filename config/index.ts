import { z } from 'zod';
import type { PaymentCommand } from '../domain/commands';
import {
  DurationError,
  parseDeadlines,
  parseDuration,
  parseSchedule,
  type SettlementPolicy,
} from '../domain/settlement';
import { PROVIDER_NAMES, RouteSyntaxError, parseRoutes, type ProviderName } from '../providers/routes';
import { ConfigError } from './errors';
import { redactFromLogs } from './logger';
import { PARAMETERS, parametersFileOf, readParametersFile, type SettingName } from './parameters';

export { ConfigError } from './errors';

/**
 * Settle's one configuration, read from `config/parameters.yml` and environment variables (which win), and
 * validated at start-up: a missing or malformed value stops the process with a message naming its key and
 * variable. `localDefaults` holds the values of the embedded local stack (`npm start`, the tests);
 * production supplies its own.
 */

const url = z.url({ protocol: /^https?$/ }).transform((value) => value.replace(/\/+$/, ''));
const port = z.coerce.number().int().min(0).max(65535);
const secret = z.string().min(8, 'must be at least 8 characters');
const routes = z.string().transform((text, ctx) => {
  try {
    return parseRoutes(text);
  } catch (error) {
    if (!(error instanceof RouteSyntaxError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
    return z.NEVER;
  }
});

const schema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('settle-payments'),
  API_PORT: port.default(3000),
  MIB_BASE_URL: url,
  MIB_TOKEN_URL: url,
  /** OAuth 2.0 client id issued by Magento (`mom_client` in the seed's parameters.yml). */
  MOM_CLIENT: z.string().min(1),
  /** OAuth 2.0 client secret (`service_bus.secret`). */
  SERVICE_BUS_SECRET: secret,
  /** Endpoint name agreed with Magento (`service_bus.endpoint_name`). */
  SERVICE_BUS_ENDPOINT_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .default('custom-payment'),
  /** Shared secret MIB's calls to `POST /mib` must carry (bearer token or HMAC of the body). */
  MIB_INTAKE_SECRET: secret,
  /** Settle's base URL as MIB reaches it; registration tells MIB `<PUBLIC_URL>/mib`. */
  PUBLIC_URL: url.optional(),
  /** How often the registration schedule re-registers the endpoint, e.g. `24h`, `30m`. */
  MIB_REGISTER_EVERY: z
    .string()
    .regex(/^[1-9][0-9]*(s|m|h|d)$/, 'must be a duration such as "24h", "30m" or "7d"')
    .default('24h'),
  /** The provider of a payment whose transaction names none and matches no route. */
  DEFAULT_PROVIDER: z.enum(PROVIDER_NAMES).default('gateway'),
  /** Rules from the payment model (gateway_id, payment_method) to a provider; see providers/routes.ts. */
  PROVIDER_ROUTES: routes.optional(),
  // Each provider's settings are required only while it serves payments (see PROVIDER_SETTINGS below).
  GATEWAY_URL: url.optional(),
  GATEWAY_API_KEY: secret.optional(),
  GATEWAY_WEBHOOK_SECRET: secret.optional(),
  STRIPE_API_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, 'must be a Stripe secret or restricted key (sk_… or rk_…)')
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]+$/, "must be the endpoint's signing secret (whsec_…)")
    .optional(),
  /** Another Stripe API base, such as stripe-mock in the tests; Stripe's own when unset. */
  STRIPE_API_BASE: url.optional(),
  ADYEN_API_KEY: secret.optional(),
  ADYEN_MERCHANT_ACCOUNT: z.string().min(1).optional(),
  ADYEN_HMAC_KEY: z
    .string()
    .regex(
      /^([0-9A-Fa-f]{2}){16,}$/,
      'must be the hex HMAC key from the Customer Area (at least 32 hex digits)',
    )
    .optional(),
  /** `test` (default) or `live`; live needs ADYEN_LIVE_URL_PREFIX. */
  ADYEN_ENVIRONMENT: z.enum(['test', 'live']).optional(),
  ADYEN_LIVE_URL_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'must be the prefix of your live endpoints, e.g. 1797a841fbb37ca7-AdyenDemo')
    .optional(),
  /** Another base for Adyen's Checkout API (a proxy, the tests' stand-in), e.g. https://127.0.0.1:8443. */
  ADYEN_CHECKOUT_URL: z
    .url({ protocol: /^https$/ })
    .transform((value) => value.replace(/\/+$/, ''))
    .optional(),
  /** PEM file of extra certificate authorities to trust for that base (a TLS-inspecting proxy, the stand-in). */
  ADYEN_CA_FILE: z.string().min(1).optional(),
  /** Pauses between status requests while an outcome is pending or unknown; the last one repeats. */
  SETTLEMENT_POLL_SCHEDULE: z.string().default('1m,5m,15m,1h,6h').check(durations(parseSchedule)),
  /** Per command, how long until a payment without an outcome is stuck, over DEFAULT_DEADLINES. */
  SETTLEMENT_DEADLINES: z
    .string()
    .default('')
    .check(durations((text) => parseDeadlines(text, DEFAULT_DEADLINES))),
  /** The operator's bearer token for `/payments` (list, show, resolve, recheck); unset: no operator API. */
  ADMIN_TOKEN: secret.optional(),
  /** Where the worker serves Prometheus metrics (`/metrics`); none when unset. */
  METRICS_PORT: port.optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

/** A check that the text parses with `parse`, reporting the parser's message. */
function durations(parse: (text: string) => unknown) {
  return (ctx: z.core.ParsePayload<string>) => {
    try {
      parse(ctx.value);
    } catch (error) {
      if (!(error instanceof DurationError)) throw error;
      ctx.issues.push({ code: 'custom', message: error.message, input: ctx.value });
    }
  };
}

const DAY = parseDuration('1d');
/** Settlement deadlines unless SETTLEMENT_DEADLINES says otherwise: card captures settle within days. */
export const DEFAULT_DEADLINES: Readonly<Record<PaymentCommand, number>> = {
  validate: DAY,
  revalidate: DAY,
  capture: 7 * DAY,
  refund: 14 * DAY,
  cancel: 2 * DAY,
};

type ParsedConfig = z.infer<typeof schema>;

/**
 * Each provider's settings. A provider serves payments when it is the default, a route names it, or any of its
 * settings is given (a payment may then name it in gateway_id); it must then have every required one.
 */
export const PROVIDER_SETTINGS = {
  gateway: {
    required: ['GATEWAY_URL', 'GATEWAY_API_KEY', 'GATEWAY_WEBHOOK_SECRET'],
    optional: [],
  },
  stripe: { required: ['STRIPE_API_KEY', 'STRIPE_WEBHOOK_SECRET'], optional: ['STRIPE_API_BASE'] },
  adyen: {
    required: ['ADYEN_API_KEY', 'ADYEN_MERCHANT_ACCOUNT', 'ADYEN_HMAC_KEY'],
    optional: ['ADYEN_ENVIRONMENT', 'ADYEN_LIVE_URL_PREFIX', 'ADYEN_CHECKOUT_URL', 'ADYEN_CA_FILE'],
  },
} as const satisfies Record<
  ProviderName,
  { required: readonly (keyof ParsedConfig)[]; optional: readonly (keyof ParsedConfig)[] }
>;

/** Settings whose values never reach a log line (config/logger.ts masks them). */
const SECRET_SETTINGS = [
  'SERVICE_BUS_SECRET',
  'MIB_INTAKE_SECRET',
  'GATEWAY_API_KEY',
  'GATEWAY_WEBHOOK_SECRET',
  'STRIPE_API_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'ADYEN_API_KEY',
  'ADYEN_HMAC_KEY',
  'ADMIN_TOKEN',
] as const satisfies readonly (keyof ParsedConfig)[];

/** Why a provider serves payments under these (raw) settings, or undefined when it serves none. */
function servesPayments(values: RawSettings, provider: ProviderName): string | undefined {
  if ((values.DEFAULT_PROVIDER ?? 'gateway') === provider)
    return `${provider} is the default provider (DEFAULT_PROVIDER)`;
  if (routesOf(values).some((route) => route.provider === provider))
    return `PROVIDER_ROUTES sends payments to ${provider}`;
  const { required, optional } = PROVIDER_SETTINGS[provider];
  const given = [...required, ...optional].find((setting) => values[setting] !== undefined);
  return given ? `${given} configures ${provider}` : undefined;
}

/** The routes, or none while they are malformed (which the schema reports). */
function routesOf(values: RawSettings) {
  try {
    return values.PROVIDER_ROUTES ? parseRoutes(values.PROVIDER_ROUTES) : [];
  } catch {
    return [];
  }
}

/** One line per required setting missing for a provider that serves payments, or for live Adyen. */
function missingProviderSettings(values: RawSettings): string[] {
  const line = (setting: SettingName, why: string) =>
    `  ${PARAMETERS[setting]} (${setting}): required (${why})`;
  const lines: string[] = [];
  for (const provider of PROVIDER_NAMES) {
    const why = servesPayments(values, provider);
    if (!why) continue;
    for (const setting of PROVIDER_SETTINGS[provider].required)
      if (values[setting] === undefined) lines.push(line(setting, why));
  }
  if (values.ADYEN_ENVIRONMENT === 'live' && !values.ADYEN_LIVE_URL_PREFIX && !values.ADYEN_CHECKOUT_URL)
    lines.push(line('ADYEN_LIVE_URL_PREFIX', 'ADYEN_ENVIRONMENT is live'));
  return lines;
}

export type SettleConfig = ParsedConfig;
type RawSettings = Partial<Record<SettingName, string>>;

/** The providers that serve payments under a loaded configuration (their settings are then complete). */
export function configuredProviders(config: SettleConfig): ProviderName[] {
  return PROVIDER_NAMES.filter(
    (provider) =>
      config.DEFAULT_PROVIDER === provider ||
      config.PROVIDER_ROUTES?.some((route) => route.provider === provider) ||
      [...PROVIDER_SETTINGS[provider].required, ...PROVIDER_SETTINGS[provider].optional].some(
        (setting) => config[setting] !== undefined,
      ),
  );
}

/** The settlement policy of each command at a provider with or without a status API. */
export function settlementPolicies(
  config: SettleConfig,
): (command: PaymentCommand, providerHasStatusApi: boolean) => SettlementPolicy {
  const schedule = parseSchedule(config.SETTLEMENT_POLL_SCHEDULE);
  const deadlines = parseDeadlines(config.SETTLEMENT_DEADLINES, DEFAULT_DEADLINES);
  return (command, providerHasStatusApi) => ({
    pollScheduleMs: schedule,
    statusApi: providerHasStatusApi,
    deadlineMs: deadlines[command],
  });
}

/** Where the worker and the API look for Temporal when TEMPORAL_ADDRESS is not set: a local server. */
export function temporalAddress(config: SettleConfig): string {
  return config.TEMPORAL_ADDRESS ?? 'localhost:7233';
}

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ConfigSources {
  /** The parameters file to read beneath the environment, or null for none. */
  readonly file?: string | null;
}

/**
 * `loadConfig()` is the process's configuration: its parameters file (SETTLE_CONFIG_FILE, else
 * config/parameters.yml if present) beneath process.env. With an explicit env only the file named in
 * `sources` is read, so the tests and the local stack never pick up a developer's parameters.yml.
 */
export function loadConfig(env?: Environment, sources: ConfigSources = {}): SettleConfig {
  const file = sources.file !== undefined ? sources.file : env ? null : parametersFileOf(process.env);
  const environment = env ?? process.env;
  const fromFile = file === null ? {} : readParametersFile(file);
  const values: Partial<Record<SettingName, string>> = {};
  const origin: Partial<Record<SettingName, string>> = {};
  for (const setting of Object.keys(PARAMETERS) as SettingName[]) {
    if (environment[setting] !== undefined) {
      values[setting] = environment[setting];
      origin[setting] = 'the environment';
    } else if (fromFile[setting] !== undefined) {
      values[setting] = fromFile[setting];
      origin[setting] = file!;
    }
  }
  const parsed = schema.safeParse(values);
  const missing = missingProviderSettings(values);
  if (!parsed.success || missing.length > 0) {
    const issues = parsed.success ? [] : [describeIssues(parsed.error, values, origin)];
    throw new ConfigError(`invalid configuration:\n${[...issues, ...missing].join('\n')}`);
  }
  redactFromLogs(SECRET_SETTINGS.map((setting) => parsed.data[setting]));
  return parsed.data;
}

/** One line per issue, naming the parameters.yml key and the variable, and where a bad value came from; never the value. */
function describeIssues(
  error: z.ZodError,
  values: Readonly<Record<string, string | undefined>> = {},
  origin: Readonly<Record<string, string | undefined>> = {},
): string {
  return error.issues
    .map((issue) => {
      const name = String(issue.path[0] ?? '');
      const key = (PARAMETERS as Record<string, string>)[name];
      const label = key ? `${key} (${name})` : issue.path.join('.');
      if (values[name] === undefined && issue.code === 'invalid_type') return `  ${label}: required`;
      return `  ${label}: ${issue.message}${origin[name] ? ` (from ${origin[name]})` : ''}`;
    })
    .join('\n');
}

export interface LocalPorts {
  readonly api: number;
  readonly mib: number;
  readonly gateway: number;
  readonly temporal: number;
  readonly temporalUi: number;
}

const localPortsSchema = z.object({
  API_PORT: port.default(3000),
  MIB_SIM_PORT: port.default(4001),
  GATEWAY_SIM_PORT: port.default(4002),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
});

/** Ports of the embedded local stack (`npm start`, `npm run sim:*`), each overridable by its variable. */
export function localPorts(env: Record<string, string | undefined> = process.env): LocalPorts {
  const parsed = localPortsSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid configuration:\n${describeIssues(parsed.error, env)}`);
  const p = parsed.data;
  return {
    api: p.API_PORT,
    mib: p.MIB_SIM_PORT,
    gateway: p.GATEWAY_SIM_PORT,
    temporal: p.TEMPORAL_PORT,
    temporalUi: p.TEMPORAL_UI_PORT,
  };
}

/** Configuration of the embedded local stack: the simulators on localhost, development secrets. */
export function localDefaults(ports: Pick<LocalPorts, 'api' | 'mib' | 'gateway'> = localPorts({})) {
  const mib = `http://127.0.0.1:${ports.mib}`;
  return {
    API_PORT: String(ports.api),
    MIB_BASE_URL: mib,
    MIB_TOKEN_URL: `${mib}/oauth/token`,
    MOM_CLIENT: 'settle-local',
    SERVICE_BUS_SECRET: 'local-mib-secret',
    SERVICE_BUS_ENDPOINT_NAME: 'custom-payment',
    MIB_INTAKE_SECRET: 'local-mib-intake-secret',
    ADMIN_TOKEN: 'local-operator-token',
    PUBLIC_URL: `http://127.0.0.1:${ports.api}`,
    GATEWAY_URL: `http://127.0.0.1:${ports.gateway}`,
    GATEWAY_API_KEY: 'local-gateway-key',
    GATEWAY_WEBHOOK_SECRET: 'local-gateway-webhook-secret',
  } satisfies Partial<Record<keyof SettleConfig, string>>;
}
