import { z } from 'zod';
import type { PaymentCommand } from '../domain/commands';
import { parseDeadlines, parseSchedule, type SettlementPolicy } from '../domain/settlement';
import { parseDuration } from '../domain/duration';
import { PROVIDERS } from '../providers';
import type { ProviderDefinition } from '../providers/definition';
import { selectionSettings, whyServes, type Selection } from '../providers/selection';
import { catalogueOf, sectionsOf, settingsOf, type ConfigOf, type Owner } from './catalogue';
import { ConfigError } from './errors';
import { describeIssues, labelOf } from './issues';
import { redactFromLogs } from './logger';
import { parametersFileOf, readParametersFile } from './parameters';
import type { Section, Setting } from './setting';

export { ConfigError } from './errors';
export type { ConfigOf, Owner, SettingName, SettleConfig } from './catalogue';
export { catalogueOf } from './catalogue';
export {
  LOCAL_DEITY_PROFILE,
  LOCAL_SPRYKER_TENANT,
  LOCAL_SPRYKER_TOKEN,
  localDefaults,
  localPorts,
  type LocalPorts,
} from './local';
export { USES } from './uses';

/**
 * Settle's one configuration, read from `config/parameters.yml` and environment variables (which win), and
 * validated at start-up: a missing or malformed value stops the process with a message naming its key and
 * variable, never its value. Each process loads only the parts it uses (config/uses.ts). The settings
 * themselves are declared once: in config/sections.ts and beside each provider, listed in config/catalogue.ts,
 * and in each front door (FrontDoor.settings), which the process serving the doors hands in.
 * `localDefaults` holds the values of the embedded local stack (`npm start`, the tests).
 */

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ConfigSources<O extends Owner = Owner> {
  /** The parameters file to read beneath the environment, or null for none. */
  readonly file?: string | null;
  /**
   * The parts to load (`doors` for every door's section, a door's owner for its own); all of them when
   * absent.
   */
  readonly owners?: readonly (O | DoorOwner)[];
  /**
   * The front doors' sections (FrontDoor.settings of each door served): their keys are known in the
   * parameters file whether loaded or not. The door code reads its own values from the result.
   */
  readonly doors?: readonly Section[];
}

/** A front door's part of the configuration, by its section's owner (`mib`). */
type DoorOwner = string & {};

/** What loadConfig returns: the parts asked for, typed, and the doors' values, which each door types. */
export type LoadedConfig<O extends Owner> = ConfigOf<O> & Readonly<Record<string, unknown>>;

type RawSettings = Readonly<Record<string, string | undefined>>;

/**
 * `loadConfig()` is the process's configuration: its parameters file (SETTLE_CONFIG_FILE, else
 * config/parameters.yml if present) beneath process.env. With an explicit env only the file named in
 * `sources` is read, so the tests and the local stack never pick up a developer's parameters.yml.
 * Settings of parts not asked for are neither required nor checked.
 */
export function loadConfig<const O extends Owner = Owner>(
  env?: Environment,
  { file, owners, doors = [] }: ConfigSources<O> = {},
): LoadedConfig<O> {
  const source = file !== undefined ? file : env ? null : parametersFileOf(process.env);
  const environment = env ?? process.env;
  const fromFile: RawSettings = source === null ? {} : readParametersFile(source, catalogueOf(doors));
  const sections = sectionsOf(owners, doors);
  const settings = settingsOf(sections);
  const values: Record<string, string | undefined> = {};
  const origin: Record<string, string> = {};
  const shape: Record<string, z.ZodType> = {};
  const secrets: [string, Setting][] = [];
  for (const section of sections) {
    // A provider's required settings are required only while it serves payments (checked below).
    const conditional = (PROVIDERS as readonly unknown[]).includes(section);
    for (const [name, setting] of Object.entries<Setting>(section.settings)) {
      // An empty value is no value: a Secret or env file lists every variable, filled in or not.
      if (environment[name] !== undefined && environment[name] !== '') {
        values[name] = environment[name];
        origin[name] = 'the environment';
      } else if (fromFile[name] !== undefined && fromFile[name] !== '') {
        values[name] = fromFile[name];
        origin[name] = source!;
      }
      shape[name] =
        setting.default !== undefined
          ? setting.schema.prefault(setting.default)
          : setting.required && !conditional
            ? setting.schema
            : setting.schema.optional();
      if (setting.secret) secrets.push([name, setting]);
    }
  }
  const parsed = z.object(shape).safeParse(values);
  const missing = sections.includes(selectionSettings) ? missingProviderSettings(values) : [];
  if (!parsed.success || missing.length > 0) {
    const issues = parsed.success ? [] : [describeIssues(parsed.error, values, origin, settings)];
    throw new ConfigError(`invalid configuration:\n${[...issues, ...missing].join('\n')}`);
  }
  const config = parsed.data as Record<string, unknown>;
  redactFromLogs(secrets.flatMap(([name, setting]) => secretsOf(setting, values[name], config[name])));
  return config as LoadedConfig<O>;
}

/** What of a secret setting is masked in logs: the text as written, and each secret its value holds. */
function secretsOf(setting: Setting, written: string | undefined, value: unknown): (string | undefined)[] {
  if (value === undefined) return [];
  const parts = setting.secretParts
    ? setting.secretParts(value as never)
    : [typeof value === 'string' ? value : undefined];
  return [written, ...parts];
}

/** One line per required setting missing for a provider that serves payments. */
function missingProviderSettings(values: RawSettings): string[] {
  const routes = selectionSettings.settings.PROVIDER_ROUTES.schema.safeParse(values.PROVIDER_ROUTES ?? '');
  const selection: Selection = {
    defaultProvider: values.DEFAULT_PROVIDER ?? selectionSettings.settings.DEFAULT_PROVIDER.default,
    // Malformed routes send nothing anywhere; the schema reports them.
    routes: routes.success ? routes.data : [],
    given: (setting) => values[setting] !== undefined,
  };
  const lines: string[] = [];
  for (const provider of PROVIDERS as readonly ProviderDefinition[]) {
    const why = whyServes(provider, selection);
    if (!why) continue;
    for (const [name, setting] of Object.entries(provider.settings))
      if (setting.required && values[name] === undefined) lines.push(`  ${labelOf(name)}: required (${why})`);
    for (const also of provider.alsoRequired?.(values) ?? [])
      lines.push(`  ${labelOf(also.setting)}: required (${also.why})`);
  }
  return lines;
}

/** The settlement policy of each command at a provider with or without a status API. */
export function settlementPolicies(
  config: ConfigOf<'settlement'>,
): (command: PaymentCommand, providerHasStatusApi: boolean) => SettlementPolicy {
  const schedule = parseSchedule(config.SETTLEMENT_POLL_SCHEDULE);
  const deadlines = parseDeadlines(config.SETTLEMENT_DEADLINES);
  const reportDeadline = parseDuration(config.SETTLEMENT_REPORT_DEADLINE);
  return (command, providerHasStatusApi) => ({
    pollScheduleMs: schedule,
    statusApi: providerHasStatusApi,
    deadlineMs: deadlines[command],
    reportDeadlineMs: reportDeadline,
  });
}
