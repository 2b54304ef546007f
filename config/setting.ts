import { z } from 'zod';
import { DurationError, parseDuration } from '../domain/duration';

/**
 * One row per setting: everything Settle knows of it. The configuration's validation, the masking of secrets
 * in logs, config/parameters.yml.dist and docs/configuration.md all come from these rows (config/catalogue.ts
 * lists their sections).
 */
export interface Setting {
  /** Its key in config/parameters.yml, e.g. `temporal.address`. (The environment variable names the row.) */
  readonly key: string;
  /** Checks the text as written in the file or the environment, and may turn it into another value. */
  readonly schema: z.ZodType;
  /** The text that applies while it is unset. A provider's settings have none: given ones enable it. */
  readonly default?: string;
  /** Unset stops start-up (a provider's: while it serves payments). */
  readonly required?: boolean;
  /** Never shown, and masked in every log line. */
  readonly secret?: boolean;
  /**
   * A secret setting whose value is more than one secret (tokens per tenant, a password inside a URL): the
   * parts to mask, from the parsed value. Without it the value is masked whole, as written.
   */
  readonly secretParts?: (value: never) => readonly (string | undefined)[];
  /** One line for the reference. */
  readonly description: string;
  /** For the reference, when unset without a default means something: `localhost:7233`. */
  readonly unset?: string;
}

export type Settings = Readonly<Record<string, Setting>>;

/** The settings of one part of Settle, which a process loads when it uses that part. */
export interface Section<O extends string = string, S extends Settings = Settings> {
  /** The part that uses these settings: `temporal`, `mib`, `stripe`, … */
  readonly owner: O;
  /** Heading in the reference and in parameters.yml.dist. */
  readonly title: string;
  /** A few sentences under the heading. */
  readonly about?: string;
  readonly settings: S;
  /**
   * The `settle` commands that load this section and Temporal's, and no other (a front door's): the table of
   * which process reads which settings (config/uses.ts) names them.
   */
  readonly commands?: readonly string[];
}

export function section<const O extends string, const S extends Settings>(
  declared: Section<O, S>,
): Section<O, S> {
  return declared;
}

type Value<S extends Setting> = z.output<S['schema']>;
type Always<S extends Settings> = {
  [K in keyof S as S[K] extends { default: string } | { required: true } ? K : never]: Value<S[K]>;
};
type Sometimes<S extends Settings> = {
  [K in keyof S as S[K] extends { default: string } | { required: true } ? never : K]?: Value<S[K]>;
};
/** The values of a section once loaded: those with a default or required are always there. */
export type ValuesOf<S extends Settings> = Always<S> & Sometimes<S>;
/** The same with every setting optional (a provider's, which are there only while it serves payments). */
export type OptionalValuesOf<S extends Settings> = { [K in keyof S]?: Value<S[K]> };

// Schemas several sections share.

/** An http(s) URL, without trailing slashes. */
export const url = z.url({ protocol: /^https?$/ }).transform((value) => value.replace(/\/+$/, ''));
export const httpsUrl = z.url({ protocol: /^https$/ }).transform((value) => value.replace(/\/+$/, ''));
export const port = z.coerce.number().int().min(0).max(65535);
export const secret = z.string().min(8, 'must be at least 8 characters');
/** `true` or `false`, as a boolean. */
export const flag = z.enum(['true', 'false'], 'must be true or false').transform((value) => value === 'true');

/** Text that `parse` accepts, refused with the parser's message (its `refusal`, DurationError unless named). */
export function parsedBy(
  parse: (text: string) => unknown,
  refusal: abstract new (...args: never[]) => Error = DurationError,
) {
  return z.string().check((ctx) => {
    try {
      parse(ctx.value);
    } catch (error) {
      if (!(error instanceof refusal)) throw error;
      ctx.issues.push({ code: 'custom', message: error.message, input: ctx.value });
    }
  });
}

export const duration = parsedBy(parseDuration);

/** A URL's secrets: the whole of it and its password, as written and decoded. */
export function urlSecrets(url: string): string[] {
  const { password } = new URL(url);
  return [url, password, password ? decodeURIComponent(password) : undefined].filter(
    (part): part is string => part !== undefined,
  );
}
