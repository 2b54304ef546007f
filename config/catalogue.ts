import { PROVIDERS, type Provider } from '../providers';
import { DOOR_SETTINGS } from '../oms/settings';
import { selectionSettings } from '../providers/selection';
import {
  apiSettings,
  codecSettings,
  logSettings,
  metricsSettings,
  operatorSettings,
  settlementSettings,
  temporalSettings,
  workerSettings,
} from './sections';
import type { OptionalValuesOf, Section, Setting, ValuesOf } from './setting';

/** Every section of Settle's configuration, in the order of the reference and of parameters.yml.dist. */
export const SECTIONS = [
  temporalSettings,
  apiSettings,
  ...DOOR_SETTINGS,
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
/** A part of Settle that has settings; `providers` stands for the choice of provider and every provider. */
export type Owner = AnySection['owner'];

type Expand<O extends Owner> = O | (O extends 'providers' ? Provider['owner'] : never);
type ValuesOfSection<S> = S extends Provider
  ? OptionalValuesOf<S['settings']>
  : S extends Section<string, infer Rows>
    ? ValuesOf<Rows>
    : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
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

/** The sections the parts `owners` read (`providers` brings each provider's own). */
export function sectionsOf(owners?: readonly Owner[]): readonly AnySection[] {
  if (owners === undefined) return SECTIONS;
  const wanted = new Set<string>(owners);
  return SECTIONS.filter(
    ({ owner }) => wanted.has(owner) || (wanted.has('providers') && PROVIDER_OWNERS.includes(owner)),
  );
}

/** Every setting by name. */
export const SETTINGS: Readonly<Record<SettingName, Setting>> = Object.assign(
  {},
  ...SECTIONS.map((section) => section.settings),
);
