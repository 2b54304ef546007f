import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { writeLogLine } from '../config/logger';

/**
 * Installs the Temporal SDK runtime once per process: the SDK's logs (workflow and activity loggers, the
 * native core) go out as the same JSON lines as Settle's own, at one level. Processes that stop their parts
 * in their own order pass `handleSignals: false`. With a metrics port, Prometheus metrics are served at
 * `/metrics` there.
 */
export function installRuntime(
  level: LogLevel,
  { handleSignals = true, metricsPort }: { handleSignals?: boolean; metricsPort?: number } = {},
): void {
  const logger = new DefaultLogger(level, ({ level: severity, message, meta, timestampNanos }) =>
    writeLogLine({
      time: new Date(Number(timestampNanos / 1_000_000n)),
      level: severity.toLowerCase(),
      component: 'temporal',
      message,
      fields: meta,
    }),
  );
  Runtime.install({
    logger,
    telemetryOptions: {
      logging: { filter: { core: level, other: level }, forward: {} },
      // The SDK's and Settle's own metrics (e.g. settle_payments_stuck) for Prometheus to scrape.
      ...(metricsPort === undefined
        ? {}
        : {
            metrics: {
              prometheus: { bindAddress: `${process.env.LISTEN_HOST ?? '127.0.0.1'}:${metricsPort}` },
            },
          }),
    },
    ...(handleSignals ? {} : { shutdownSignals: [] }),
  });
}
