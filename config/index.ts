import { z } from 'zod';
import type { PaymentCommand } from '../domain/commands';
import {
  DurationError,
  parseDeadlines,
  parseDuration,
  parseSchedule,
  type SettlementPolicy,
} from '../domain/settlement';
import { ConfigError } from './errors';
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
  GATEWAY_URL: url,
  GATEWAY_API_KEY: secret,
  GATEWAY_WEBHOOK_SECRET: secret,
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

export type SettleConfig = z.infer<typeof schema>;

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
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration:\n${describeIssues(parsed.error, values, origin)}`);
  }
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
