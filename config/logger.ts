/**
 * Structured JSON logs, one object per line on stdout, from Settle's code and from the Temporal SDK alike.
 * Callers pass explicit fields (workflow id, payment reference, …); secrets and card data are never handed
 * to the logger. As a second line of defence, every secret the configuration holds (API keys, webhook and
 * HMAC secrets; see loadConfig) is masked in every line, should one reach a message through a library's error.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(component: string, level: LogLevel = 'info'): Logger {
  const at = (severity: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (RANK[severity] >= RANK[level])
      writeLogLine({ time: new Date(), level: severity, component, message, fields });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface LogLine {
  readonly time: Date;
  readonly level: string;
  readonly component: string;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

export const REDACTED = '[redacted]';
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

export function writeLogLine({ time, level, component, message, fields }: LogLine): void {
  const line = { time: time.toISOString(), level, component, message, ...fields };
  process.stdout.write(`${redact(JSON.stringify(line, errorsAsObjects))}\n`);
}

/** Errors have no enumerable fields; log their name, message and cause instead of `{}`. */
function errorsAsObjects(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, cause: value.cause };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
