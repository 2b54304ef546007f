import { z } from 'zod';
import { DEFAULT_DEADLINES, formatDeadlines, parseDeadlines, parseSchedule } from '../domain/settlement';
import { PayloadKeysError, parsePayloadKeys } from './payloadKeys';
import { duration, flag, parsedBy, port, secret, section, url } from './setting';
import { TrustProxyError, parseTrustProxy } from './trustProxy';

/** The settings of Settle's own parts; each provider declares its own beside its adapter (providers/). */

export const temporalSettings = section({
  owner: 'temporal',
  title: 'Temporal',
  about:
    'Where the worker, the API and the `settle` command line find Temporal, and the keys that encrypt what ' +
    'they store there (docs/operations.md, "Encryption").',
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
    PAYLOAD_KEYS: {
      key: 'temporal.payload_keys',
      schema: parsedBy(parsePayloadKeys, PayloadKeysError),
      secret: true,
      // Each key as written, should one reach a log line alone.
      secretParts: (text: string) =>
        [...parsePayloadKeys(text).byId.values()].map((key) => key.toString('base64')),
      description:
        'AES-256 keys that encrypt workflow inputs, results and failure messages in Temporal: ' +
        '`id:base64key[,id2:base64key…]`, each 32 bytes (`openssl rand -base64 32`); the first encrypts, ' +
        'each decrypts what it encrypted. Every worker, API and command line needs the same keys.',
      unset: 'none: payloads are stored in clear (the worker and the API warn at start)',
    },
    PAYLOAD_REQUIRE_ENCRYPTION: {
      key: 'temporal.payload_require_encryption',
      schema: flag,
      default: 'false',
      description:
        'true refuses every payload read from Temporal that is not encrypted (a workflow task, query or result ' +
        'holding one fails, naming its encoding); needs PAYLOAD_KEYS. Set it once no history written before ' +
        'the keys is still open or read.',
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
    TRUST_PROXY: {
      key: 'api.trust_proxy',
      schema: parsedBy(parseTrustProxy, TrustProxyError).transform(parseTrustProxy),
      default: 'false',
      description:
        'The proxies in front of the API (an ingress, a load balancer) that may name the client in ' +
        'X-Forwarded-For, so that the abuse limits count each caller by its own address: the number of ' +
        'proxies (1 behind one ingress), or their addresses and subnets, comma-separated (10.0.0.0/8, ' +
        'loopback); false where callers connect directly.',
    },
  },
});

export const publicSettings = section({
  owner: 'public',
  title: 'Public address',
  settings: {
    PUBLIC_URL: {
      key: 'settle.public_url',
      schema: url,
      description:
        "Settle's base URL as the outside reaches it: the hosted payment page's links (<public_url>/pay/…), " +
        "MIB's registration (<public_url>/mib) and the Spryker payment methods' authorization endpoint.",
      unset: "none (`settle register` needs it, and so do the hosted payment page's links)",
    },
  },
});

export const checkoutSettings = section({
  owner: 'checkout',
  title: 'Hosted payment page',
  about:
    'The page a customer pays an order on (`<public_url>/pay/<token>`): its link is signed with ' +
    'CHECKOUT_PAGE_KEY and carries its expiry, so it cannot be made for another order or kept past it.',
  settings: {
    CHECKOUT_PAGE_KEY: {
      key: 'checkout.page_key',
      schema: z.string().min(32, 'must be at least 32 characters (`openssl rand -base64 32`)'),
      required: true,
      secret: true,
      description:
        'HMAC-SHA256 key that signs and verifies the payment page links, at least 32 characters ' +
        '(`openssl rand -base64 32`); every API replica needs the same key. Changing it voids the open links.',
    },
    CHECKOUT_PAGE_TTL: {
      key: 'checkout.page_ttl',
      schema: duration,
      default: '30m',
      description:
        'How long a payment page stays open; an order whose customer has not paid by then is declined.',
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

/** Web UI origins: scheme, host and port, nothing after. */
const origins = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
  )
  .pipe(
    z.array(
      z.string().refine((origin) => URL.canParse(origin) && new URL(origin).origin === origin, {
        error: (issue) => `"${String(issue.input)}" is not an origin such as https://temporal.example.com`,
      }),
    ),
  );

export const codecSettings = section({
  owner: 'codec',
  title: 'Codec server',
  about:
    '`/codec/encode` and `/codec/decode`, which let the Temporal Web UI and CLI show what PAYLOAD_KEYS ' +
    "encrypts, on a listener of the API process's own, never on API_PORT. They decrypt whatever they are " +
    'sent: the listener opens only with PAYLOAD_KEYS and CODEC_TOKEN or CODEC_ALLOW_ANONYMOUS, and anonymous ' +
    'access is refused at start unless CODEC_HOST is a loopback address.',
  settings: {
    CODEC_TOKEN: {
      key: 'codec.token',
      schema: secret,
      secret: true,
      description:
        'Bearer token the codec routes require (`temporal … --codec-auth "Bearer <token>"`), at least 8 characters.',
      unset: 'none: no codec listener unless CODEC_ALLOW_ANONYMOUS is true',
    },
    CODEC_ALLOW_ANONYMOUS: {
      key: 'codec.allow_anonymous',
      schema: flag,
      default: 'false',
      description:
        'true serves the codec routes without a token, to whoever reaches CODEC_HOST:CODEC_PORT: only on a ' +
        'loopback CODEC_HOST (a local stack, or behind a port-forward; the Web UI cannot send a fixed token).',
    },
    CODEC_PORT: {
      key: 'codec.port',
      schema: port,
      default: '3001',
      description: 'Port of the codec listener (`/codec/decode`, `/codec/encode`), apart from API_PORT.',
    },
    CODEC_HOST: {
      key: 'codec.host',
      schema: z.string().min(1),
      default: '127.0.0.1',
      description:
        'Address the codec listener binds to (not LISTEN_HOST): loopback unless the Web UI or the CLI must ' +
        'reach it from elsewhere, and then only with CODEC_TOKEN.',
    },
    CODEC_ORIGINS: {
      key: 'codec.origins',
      schema: origins,
      description: 'Comma-separated origins of the Temporal Web UI that may call the codec routes (CORS).',
      unset: 'none: only non-browser callers such as the temporal CLI',
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
    SETTLEMENT_REPORT_DEADLINE: {
      key: 'settlement.report_deadline',
      schema: duration,
      default: '1h',
      description:
        'How long the OMS may take to accept an outcome report (unreachable, or refusing the credentials) ' +
        'before the payment is marked stuck; the report is still retried.',
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
    WORKER_PROVIDER_RETRY_LIMIT: {
      key: 'worker.provider_retry_limit',
      schema: duration,
      default: '3d',
      description:
        'How long a provider call of a payment (a capture, refund, cancel or authorization, or a status ' +
        'request about one) is retried before it fails as ProviderRetriesExhausted, with its last error, for ' +
        'an operator; never a second request.',
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
  title: 'Logs and traces',
  about:
    'JSON lines on stdout from the worker and the API; OpenTelemetry traces of each command from its HTTP ' +
    'request through its workflow to the provider call (docs/operations.md, "Tracing").',
  settings: {
    LOG_LEVEL: {
      key: 'log.level',
      schema: z.enum(['debug', 'info', 'warn', 'error']),
      default: 'info',
      description: 'debug, info, warn or error.',
    },
    OTEL_EXPORTER_OTLP_ENDPOINT: {
      key: 'log.otlp_endpoint',
      schema: url,
      description:
        "Base URL of an OpenTelemetry collector's OTLP/HTTP receiver (port 4318): the worker and the API send " +
        'their spans to `<url>/v1/traces`. The exporter reads the other standard OTEL_EXPORTER_OTLP_* variables ' +
        '(headers, timeout) from the environment.',
      unset: 'none: no traces are exported',
    },
  },
});
