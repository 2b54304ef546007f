import { PROVIDERS, type Provider } from '../providers';
import { selectionSettings } from '../providers/selection';
import {
  apiSettings,
  checkoutSettings,
  codecSettings,
  logSettings,
  metricsSettings,
  operatorSettings,
  publicSettings,
  settlementSettings,
  temporalSettings,
  workerSettings,
} from './sections';
import type { OptionalValuesOf, Section, Setting, ValuesOf } from './setting';

/**
 * The core's sections of the configuration, in the order of the reference and of parameters.yml.dist. Each
 * front door declares its own (FrontDoor.settings); the process that serves the doors hands them to
 * loadConfig, and they come after the API's (catalogueOf).
 */
export const SECTIONS = [
  temporalSettings,
  apiSettings,
  publicSettings,
  checkoutSettings,
  operatorSettings,
  codecSettings,
  selectionSettings,
  ...PROVIDERS,
  settlementSettings,
  workerSettings,
  metricsSettings,
  logSettings,
] as const;

type AnySection = (typeof SECTIONS)[number];
/**
 * A part of Settle that has settings; `providers` stands for the choice of provider and every provider,
 * `doors` for every front door's section a process is given.
 */
export type Owner = AnySection['owner'] | 'doors';

type Expand<O extends Owner> = O | (O extends 'providers' ? Provider['owner'] : never);
type ValuesOfSection<S> = S extends Provider
  ? OptionalValuesOf<S['settings']>
  : S extends Section<string, infer Rows>
    ? ValuesOf<Rows>
    : never;
export type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void
  ? I
  : never;
type Flat<T> = { [K in keyof T]: T[K] };

/** The configuration of the parts `O`, as loadConfig returns it. */
export type ConfigOf<O extends Owner> = Flat<
  Intersection<ValuesOfSection<Extract<AnySection, { owner: Expand<O> }>>>
>;
/** All of it. */
export type SettleConfig = ConfigOf<Owner>;
/** A setting's name, which is also its environment variable. */
export type SettingName = keyof SettleConfig;

const PROVIDER_OWNERS: readonly string[] = PROVIDERS.map((provider) => provider.owner);

/** Every section: the core's, with the front doors' after the API's, in the order of the reference. */
export function catalogueOf(doors: readonly Section[] = []): readonly Section[] {
  const [temporal, api, ...rest] = SECTIONS;
  return [temporal, api, ...doors, ...rest];
}

/**
 * The sections the parts `owners` read, of the catalogue with the doors' sections `doors`: `providers` brings
 * each provider's own, `doors` each door's, and a door's owner (`mib`) its own.
 */
export function sectionsOf(owners?: readonly string[], doors: readonly Section[] = []): readonly Section[] {
  const catalogue = catalogueOf(doors);
  if (owners === undefined) return catalogue;
  const wanted = new Set<string>(owners);
  return catalogue.filter(
    (section) =>
      wanted.has(section.owner) ||
      (wanted.has('providers') && PROVIDER_OWNERS.includes(section.owner)) ||
      (wanted.has('doors') && doors.includes(section)),
  );
}

/** Every setting of the sections by name. */
export function settingsOf(sections: readonly Section[]): Readonly<Record<string, Setting>> {
  return Object.assign({}, ...sections.map((section) => section.settings));
}

/** The core's settings by name. */
export const SETTINGS = settingsOf(SECTIONS) as Readonly<Record<SettingName, Setting>>;
