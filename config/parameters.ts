import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { ConfigError } from './errors';
import type { SettleConfig } from './index';
import { PROJECT_ROOT } from './projectRoot';

/**
 * `config/parameters.yml`, Symfony style as in Magento's seed: one `parameters:` mapping of flat dotted keys.
 * Each setting has one key there and one environment variable, which is also its field in SettleConfig.
 */
export const PARAMETERS = {
  TEMPORAL_ADDRESS: 'temporal.address',
  TEMPORAL_NAMESPACE: 'temporal.namespace',
  TEMPORAL_TASK_QUEUE: 'temporal.task_queue',
  API_PORT: 'api.port',
  MIB_BASE_URL: 'service_bus.base_url',
  MIB_TOKEN_URL: 'service_bus.token_url',
  MOM_CLIENT: 'mom_client',
  SERVICE_BUS_SECRET: 'service_bus.secret',
  SERVICE_BUS_ENDPOINT_NAME: 'service_bus.endpoint_name',
  MIB_INTAKE_SECRET: 'service_bus.intake_secret',
  PUBLIC_URL: 'settle.public_url',
  MIB_REGISTER_EVERY: 'service_bus.register_every',
  DEFAULT_PROVIDER: 'providers.default',
  PROVIDER_ROUTES: 'providers.routes',
  GATEWAY_URL: 'gateway.url',
  GATEWAY_API_KEY: 'gateway.api_key',
  GATEWAY_WEBHOOK_SECRET: 'gateway.webhook_secret',
  SETTLEMENT_POLL_SCHEDULE: 'settlement.poll_schedule',
  SETTLEMENT_DEADLINES: 'settlement.deadlines',
  ADMIN_TOKEN: 'operator.token',
  METRICS_PORT: 'metrics.port',
  STRIPE_API_KEY: 'stripe.api_key',
  STRIPE_WEBHOOK_SECRET: 'stripe.webhook_secret',
  STRIPE_API_BASE: 'stripe.api_base',
  ADYEN_API_KEY: 'adyen.api_key',
  ADYEN_MERCHANT_ACCOUNT: 'adyen.merchant_account',
  ADYEN_HMAC_KEY: 'adyen.hmac_key',
  ADYEN_ENVIRONMENT: 'adyen.environment',
  ADYEN_LIVE_URL_PREFIX: 'adyen.live_url_prefix',
  ADYEN_CHECKOUT_URL: 'adyen.checkout_url',
  ADYEN_CA_FILE: 'adyen.ca_file',
  LOG_LEVEL: 'log.level',
} as const satisfies Record<keyof SettleConfig, string>; // every setting has a key, and every key is a setting

export type SettingName = keyof typeof PARAMETERS;

const SETTING_OF_KEY = new Map(
  Object.entries(PARAMETERS).map(([setting, key]) => [key as string, setting as SettingName]),
);

export const DEFAULT_PARAMETERS_FILE = join(PROJECT_ROOT, 'config', 'parameters.yml');

/**
 * The parameters file a process reads: the one SETTLE_CONFIG_FILE names (which must exist), else
 * config/parameters.yml if there is one, else none (containers configured by environment alone).
 */
export function parametersFileOf(
  env: Readonly<Record<string, string | undefined>>,
  fallback = DEFAULT_PARAMETERS_FILE,
): string | null {
  if (env.SETTLE_CONFIG_FILE) return resolve(env.SETTLE_CONFIG_FILE);
  return existsSync(fallback) ? fallback : null;
}

/**
 * The settings a parameters file sets, by setting name. Values stay text, as written, so that the file and
 * the environment go through one validation (a secret like `1e10` is not turned into a number). An empty
 * value or `~` sets nothing. The file must exist; an empty file sets nothing.
 */
export function readParametersFile(file: string): Partial<Record<SettingName, string>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT'
        ? `configuration file ${file} does not exist`
        : `cannot read configuration file ${file} (${code ?? (error as Error).message})`,
    );
  }
  const fail = (problem: string) => new ConfigError(`invalid configuration file ${file}: ${problem}`);
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) throw fail(`not valid YAML: ${document.errors[0]!.message.trim()}`);

  const root = document.contents;
  if (root === null || (isScalar(root) && root.value === null)) return {};
  if (!isMap(root)) throw fail('expected a mapping with the key "parameters"');
  const settings: Partial<Record<SettingName, string>> = {};
  for (const { key, value } of root.items) {
    const name = isScalar(key) ? String(key.value) : String(key);
    if (name !== 'parameters') throw fail(`unknown top-level key "${name}"; only "parameters" is read`);
    if (value === null || (isScalar(value) && value.value === null)) continue;
    if (!isMap(value)) throw fail('"parameters" must be a mapping of keys to values');
    for (const pair of value.items) {
      const parameter = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const setting = SETTING_OF_KEY.get(parameter);
      if (!setting) {
        throw fail(`unknown key "${parameter}"; config/parameters.yml.dist lists every key`);
      }
      const node = pair.value;
      if (node === null || (isScalar(node) && node.value === null)) continue;
      if (!isScalar(node))
        throw fail(`${parameter} (${setting}) must be a single value, not a list or mapping`);
      settings[setting] = typeof node.value === 'string' ? node.value : (node.source ?? String(node.value));
    }
  }
  return settings;
}
