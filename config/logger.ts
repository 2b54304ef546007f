/**
 * Structured JSON logs, one object per line on stdout, from Settle's code and from the Temporal SDK alike.
 * Callers pass explicit fields (workflow id, payment reference, …); secrets and card data are never handed
 * to the logger.
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

export function writeLogLine({ time, level, component, message, fields }: LogLine): void {
  const line = { time: time.toISOString(), level, component, message, ...fields };
  process.stdout.write(`${JSON.stringify(line, errorsAsObjects)}\n`);
}

/** Errors have no enumerable fields; log their name, message and cause instead of `{}`. */
function errorsAsObjects(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, cause: value.cause };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
