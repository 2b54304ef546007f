import { z } from 'zod';
import { DEFAULT_DEADLINES, formatDeadlines, parseDeadlines, parseSchedule } from '../domain/settlement';
import { duration, parsedBy, port, secret, section, url } from './setting';

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

export const mibSettings = section({
  owner: 'mib',
  title: 'Magento Integration Bus (MIB)',
  about:
    "The MIB front door: Settle's OAuth 2.0 client at MIB, the secret of MIB's calls to Settle, and the " +
    "endpoint's registration. `mom_client`, `service_bus.secret` and `service_bus.endpoint_name` are the keys " +
    "of Magento's own parameters.yml.",
  settings: {
    SERVICE_BUS_ENDPOINT_NAME: {
      key: 'service_bus.endpoint_name',
      schema: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, _ . - only'),
      default: 'custom-payment',
      description:
        'Endpoint name agreed with Magento; registration announces Settle under this id. Letters, digits, _ . - only.',
    },
    MOM_CLIENT: {
      key: 'mom_client',
      schema: z.string().min(1),
      required: true,
      description: 'OAuth 2.0 client id issued by Magento.',
    },
    SERVICE_BUS_SECRET: {
      key: 'service_bus.secret',
      schema: secret,
      required: true,
      secret: true,
      description: 'OAuth 2.0 client secret issued by Magento, at least 8 characters.',
    },
    MIB_BASE_URL: {
      key: 'service_bus.base_url',
      schema: url,
      required: true,
      description: 'MIB base URL (http or https); Settle appends /<mom_client>/…',
    },
    MIB_TOKEN_URL: {
      key: 'service_bus.token_url',
      schema: url,
      required: true,
      description: 'OAuth 2.0 token endpoint of MIB.',
    },
    MIB_INTAKE_SECRET: {
      key: 'service_bus.intake_secret',
      schema: secret,
      required: true,
      secret: true,
      description:
        "Shared secret MIB's calls to POST /mib must carry, as `Authorization: Bearer <secret>` or as an " +
        'X-Settle-Signature HMAC of the body; at least 8 characters.',
    },
    MIB_REGISTER_EVERY: {
      key: 'service_bus.register_every',
      schema: duration,
      default: '24h',
      description:
        'How often `settle register --schedule` re-registers the endpoint: a whole number and s, m, h or d.',
    },
    PUBLIC_URL: {
      key: 'settle.public_url',
      schema: url,
      description: "Settle's base URL as MIB reaches it; registration tells MIB <public_url>/mib.",
      unset: 'none (`settle register` needs it)',
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
