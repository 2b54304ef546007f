import { z } from 'zod';
import { DEFAULT_DEADLINES, formatDeadlines, parseDeadlines, parseSchedule } from '../domain/settlement';
import { duration, parsedBy, port, secret, section } from './setting';

/** The settings of Settle's own parts; each provider declares its own beside its adapter (providers/). */

export const temporalSettings = section({
  owner: 'temporal',
  title: 'Temporal',
  about: 'Where the worker, the API and the `settle` command line find Temporal.',
  settings: {
    TEMPORAL_ADDRESS: {
      key: 'temporal.address',
      schema: z.string().min(1),
      description: 'Temporal frontend, host:port.',
      unset: 'localhost:7233 (`npm start` starts a dev server of its own)',
    },
    TEMPORAL_NAMESPACE: {
      key: 'temporal.namespace',
      schema: z.string().min(1),
      default: 'default',
      description: 'Temporal namespace.',
    },
    TEMPORAL_TASK_QUEUE: {
      key: 'temporal.task_queue',
      schema: z.string().min(1),
      default: 'settle-payments',
      description: 'Task queue shared by the worker, the API and the command line.',
    },
  },
});

export const apiSettings = section({
  owner: 'api',
  title: 'HTTP API',
  settings: {
    API_PORT: {
      key: 'api.port',
      schema: port,
      default: '3000',
      description: 'Port of the API (POST /mib, webhooks, /payments, /health, /openapi.json).',
    },
  },
});

export const operatorSettings = section({
  owner: 'operator',
  title: 'Operator',
  settings: {
    ADMIN_TOKEN: {
      key: 'operator.token',
      schema: secret,
      secret: true,
      description: 'Bearer token of the operator API (/payments), at least 8 characters.',
      unset: 'none: the operator API answers 503',
    },
  },
});

export const settlementSettings = section({
  owner: 'settlement',
  title: 'Settlement',
  about: 'How long Settle waits for an outcome and how often it asks the provider for one.',
  settings: {
    SETTLEMENT_POLL_SCHEDULE: {
      key: 'settlement.poll_schedule',
      schema: parsedBy(parseSchedule),
      default: '1m,5m,15m,1h,6h',
      description:
        'Pauses between status requests while an outcome is pending or unknown (providers with a status ' +
        'API); the last one repeats.',
    },
    SETTLEMENT_DEADLINES: {
      key: 'settlement.deadlines',
      schema: parsedBy((text) => parseDeadlines(text)),
      default: formatDeadlines(DEFAULT_DEADLINES),
      description:
        'Per command, how long until a payment without an outcome becomes stuck, e.g. capture=7d,refund=14d; ' +
        'unnamed commands keep their default.',
    },
  },
});

export const workerSettings = section({
  owner: 'worker',
  title: 'Worker',
  settings: {
    WORKER_SHUTDOWN_GRACE: {
      key: 'worker.shutdown_grace',
      schema: duration,
      default: '30s',
      description:
        'After SIGTERM, how long the worker lets its activities in flight finish before it cancels them; ' +
        "keep it below the supervisor's own grace period (Kubernetes' terminationGracePeriodSeconds).",
    },
  },
});

export const metricsSettings = section({
  owner: 'metrics',
  title: 'Metrics',
  settings: {
    METRICS_PORT: {
      key: 'metrics.port',
      schema: port,
      description: 'Port on which the worker serves Prometheus metrics at /metrics.',
      unset: 'none: no metrics endpoint',
    },
  },
});

export const logSettings = section({
  owner: 'log',
  title: 'Logging',
  settings: {
    LOG_LEVEL: {
      key: 'log.level',
      schema: z.enum(['debug', 'info', 'warn', 'error']),
      default: 'info',
      description: 'debug, info, warn or error.',
    },
  },
});
