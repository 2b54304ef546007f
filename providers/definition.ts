import type { Section, Settings, ValuesOf } from '../config/setting';
import type { PaymentProvider } from './types';

/**
 * A payment provider as Settle knows it: its settings (a section of the configuration, owned by the
 * provider) and how to build its adapter from them. Each lives in `providers/<name>Settings.ts`;
 * providers/index.ts lists them.
 */
export interface ProviderDefinition<N extends string = string, S extends Settings = Settings> extends Section<
  N,
  S
> {
  /** Builds the adapter once the provider serves payments: every required setting is then given. */
  create(settings: ValuesOf<S>): PaymentProvider;
  /** Settings required beyond the `required` ones under some values of the others, and why. */
  alsoRequired?(
    given: Readonly<Partial<Record<keyof S, string>>>,
  ): { setting: keyof S & string; why: string }[];
}

export function defineProvider<const N extends string, const S extends Settings>(
  definition: ProviderDefinition<N, S>,
): ProviderDefinition<N, S> {
  return definition;
}
