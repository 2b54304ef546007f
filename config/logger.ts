import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

/**
 * Structured JSON logs (pino), one object per line on stdout, from Settle's code and from the Temporal SDK
 * alike. Callers pass explicit fields (workflow id, payment reference, …); secrets and card data are never
 * handed to the logger. As second lines of defence, fields named like credentials (`authorization`,
 * `password`, …) are redacted by pino, and every secret the configuration holds (API keys, webhook and HMAC
 * secrets; see loadConfig) is masked in every line, should one reach a message through a library's error.
 * A line written while an HTTP request is served carries its request id (http/requestScope.ts).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const REDACTED = '[redacted]';

/** Fields whose value is a credential whatever it holds, at the top of a line or one level down. */
const CREDENTIAL_FIELDS = ['authorization', 'cookie', 'password', 'secret', 'token', 'apiKey'];
const REDACT_PATHS = CREDENTIAL_FIELDS.flatMap((field) => [field, `*.${field}`]);

/** Fields every line written in the current context carries (the HTTP request's id). */
const context = new AsyncLocalStorage<Readonly<Record<string, unknown>>>();

/** Runs `fn` with `fields` added to every line logged within it, in its asynchronous continuations too. */
export function withLogFields<T>(fields: Readonly<Record<string, unknown>>, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

function pinoLogger(level: string, base: Record<string, unknown> | null, timestamp: boolean) {
  return pino(
    {
      level,
      base,
      messageKey: 'message',
      timestamp: timestamp && pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => plain(fields) as Record<string, unknown>,
      },
      mixin: () => ({ ...context.getStore() }),
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      hooks: { streamWrite: redact },
    },
    // Written through process.stdout (not a file descriptor of pino's own), synchronously, line by line.
    process.stdout,
  );
}

export function createLogger(component: string, level: LogLevel = 'info'): Logger {
  const logger = pinoLogger(level, { component }, true);
  const at = (severity: LogLevel) => (message: string, fields?: Record<string, unknown>) =>
    logger[severity](fields ?? {}, message);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface LogLine {
  readonly time: Date;
  readonly level: string;
  readonly component: string;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

const PINO_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
/** Lines timed by their writer (the Temporal SDK's own logs), at whatever level it already chose. */
const timedLines = pinoLogger('trace', null, false);

/** Writes one line stamped with its own time, e.g. for the SDK's logs (worker/runtime.ts). */
export function writeLogLine({ time, level, component, message, fields }: LogLine): void {
  const severity = PINO_LEVELS.has(level) ? (level as pino.Level) : 'info';
  timedLines[severity]({ time: time.toISOString(), component, ...fields }, message);
}

const secrets = new Set<string>();

/** Masks these values (as written, and as they appear inside a JSON string) in every later log line. */
export function redactFromLogs(values: readonly (string | undefined)[]): void {
  for (const value of values) {
    // Shorter values would mask ordinary words; the configuration refuses secrets that short anyway.
    if (value === undefined || value.length < 8) continue;
    secrets.add(value);
    secrets.add(JSON.stringify(value).slice(1, -1));
  }
}

export function redact(text: string): string {
  let result = text;
  for (const secret of secrets) result = result.replaceAll(secret, REDACTED);
  return result;
}

/** Errors have no enumerable fields: their name, message and cause instead of `{}`; bigints as strings. */
function plain(value: unknown, depth = 0): unknown {
  if (value instanceof Error)
    return { name: value.name, message: value.message, cause: plain(value.cause, depth + 1) };
  if (typeof value === 'bigint') return value.toString();
  // Deeper than any field Settle logs: left to pino's serializer, which also handles cycles.
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => plain(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item, depth + 1)]));
}
