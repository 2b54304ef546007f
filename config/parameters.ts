import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { ConfigError } from './errors';
import { SECTIONS, settingsOf } from './catalogue';
import type { Section } from './setting';
import { PROJECT_ROOT } from './projectRoot';

/*
 * `config/parameters.yml`, Symfony style as in Magento's seed: one `parameters:` mapping of flat dotted keys.
 * Each setting has one key there and one environment variable, which is also its field in the configuration.
 */

/** Each key of the sections' settings, to the setting's name. */
const settingOfKey = (sections: readonly Section[]) =>
  new Map(Object.entries(settingsOf(sections)).map(([setting, { key }]) => [key, setting]));

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
 * value or `~` sets nothing. The file must exist; an empty file sets nothing. Its keys are those of the
 * sections (the core's and the front doors'), whether the process loads them or not.
 */
export function readParametersFile(
  file: string,
  sections: readonly Section[] = SECTIONS,
): Partial<Record<string, string>> {
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
  const known = settingOfKey(sections);
  const settings: Partial<Record<string, string>> = {};
  for (const { key, value } of root.items) {
    const name = isScalar(key) ? String(key.value) : String(key);
    if (name !== 'parameters') throw fail(`unknown top-level key "${name}"; only "parameters" is read`);
    if (value === null || (isScalar(value) && value.value === null)) continue;
    if (!isMap(value)) throw fail('"parameters" must be a mapping of keys to values');
    for (const pair of value.items) {
      const parameter = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const setting = known.get(parameter);
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
