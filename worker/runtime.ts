import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

/**
 * Installs the Temporal SDK runtime once per process with one log level for the TypeScript side and the
 * native core alike. Processes that stop their parts in their own order pass `handleSignals: false`.
 */
export function installRuntime(level: LogLevel, { handleSignals = true } = {}): void {
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
    ...(handleSignals ? {} : { shutdownSignals: [] }),
  });
}
