import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { connectTemporal } from '../config/temporalConnection';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import {
  LOCAL_DEITY_PROFILE,
  LOCAL_SPRYKER_TENANT,
  localDefaults,
  localPorts,
  type LocalPorts,
} from '../config';
import { listen } from '../config/server';
import { loadSettleConfig } from '../oms';
import { ANNOUNCE_WORKFLOW_ID } from '../oms/spryker/door';
import { createDeityShopSimulator } from '../sim/deity/server';
import { dummyTokenProvider, type ShopCredentials } from '../sim/spryker/accessToken';
import { connectTenant } from '../sim/spryker/appStore';
import { createSprykerShopSimulator } from '../sim/spryker/server';
import { createLogger, type Logger } from '../config/logger';
import { installRuntime } from '../worker/runtime';
import { ensureSearchAttributes } from '../worker/searchAttributes';
import { startClusterStack } from './cluster/stack';
import { startDevServer } from './devServer';
import { rabbitMqLine, startLocalRabbitMq } from './rabbitmq';
import { startStack, type Stack } from './stack';
import { onStopSignals } from '../config/stopSignals';

/**
 * `npm start`: all of Settle on one machine. Without TEMPORAL_ADDRESS it starts a Temporal dev server (state
 * in .data/temporal.db, Web UI on :8233), then the MIB and gateway simulators, the worker and the API, and
 * the Spryker shop simulator, and stops them all on Ctrl-C. Environment variables override the local defaults (config/index.ts); the ports
 * are API_PORT, MIB_SIM_PORT, GATEWAY_SIM_PORT, SPRYKER_SIM_PORT, TEMPORAL_PORT and TEMPORAL_UI_PORT, the state folder
 * SETTLE_DATA_DIR. With rabbitmq-server installed and no AMQP_URL it also starts a RabbitMQ broker for the Deity
 * door's events (data in .data/rabbitmq/, port AMQP_PORT or 5672).
 *
 * `npm start -- --cluster [--workers N] [--apis M]` runs a real Temporal cluster instead (scripts/cluster/:
 * PostgreSQL in .data/cluster/, the Temporal server and its Web UI) and Settle as N worker and M API processes.
 */

type Stop = () => Promise<unknown>;

interface Mode {
  readonly cluster: boolean;
  readonly workers: number;
  readonly apis: number;
}

const USAGE = 'usage: npm start [-- --cluster [--workers N] [--apis M]]';

/** The command line, or exit 2 with what is wrong and the usage. */
function parseMode(argv: string[]): Mode {
  const fail = (message: string): never => {
    console.error(`${message}\n${USAGE}`);
    process.exit(2);
  };
  let values: { cluster?: boolean; workers?: string; apis?: string } = {};
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { cluster: { type: 'boolean' }, workers: { type: 'string' }, apis: { type: 'string' } },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const count = (name: 'workers' | 'apis') => {
    const text = values[name];
    if (text === undefined) return 1;
    if (!values.cluster) fail(`--${name} needs --cluster`);
    if (!/^[1-9][0-9]?$/.test(text)) fail(`--${name} must be a whole number from 1 to 99, not "${text}"`);
    return Number(text);
  };
  return { cluster: values.cluster === true, workers: count('workers'), apis: count('apis') };
}

async function main() {
  const mode = parseMode(process.argv.slice(2));
  // Ctrl-C is handled below, in order; the SDK's own signal handlers would drain the worker first.
  installRuntime('WARN', { handleSignals: false });
  const ports = localPorts();
  const config = loadSettleConfig({ ...localDefaults(ports), ...process.env });
  const logger = createLogger('start', config.LOG_LEVEL);
  const dataDir = resolve(process.env.SETTLE_DATA_DIR ?? join(__dirname, '..', '.data'));
  const stops: Stop[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse())
      await stop().catch((error: Error) => console.error(error.message));
  };
  const shutdown = async () => {
    console.log('\nstopping Settle…');
    await stopAll();
    process.exit(0);
  };
  onStopSignals(shutdown);

  try {
    if (mode.cluster && config.TEMPORAL_ADDRESS)
      throw new Error('--cluster runs its own Temporal server: unset TEMPORAL_ADDRESS, or drop --cluster');
    // The development token may be shown; a real one never is.
    const operatorAuth = !config.ADMIN_TOKEN
      ? undefined
      : config.ADMIN_TOKEN === localDefaults().ADMIN_TOKEN
        ? `(Authorization: Bearer ${config.ADMIN_TOKEN})`
        : '(Authorization: Bearer <ADMIN_TOKEN>)';
    // Before Settle's processes, which read AMQP_URL; stopped after them.
    const amqpUrl = await startLocalRabbitMq({ dataDir: join(dataDir, 'rabbitmq'), stops, log: console.log });
    if (amqpUrl) process.env.AMQP_URL = amqpUrl;
    const lines = mode.cluster
      ? await startOnCluster(mode, ports, dataDir, config, stops, operatorAuth)
      : await startEmbedded(config, ports, dataDir, stops, logger, operatorAuth);
    console.log(
      ['', 'Settle is running:', ...lines, rabbitMqLine(amqpUrl), 'Ctrl-C stops everything.', ''].join('\n'),
    );
  } catch (error) {
    console.error((error as Error).message);
    await stopAll();
    process.exit(1);
  }
}

/** Every setting, the doors' included. */
type LocalConfig = ReturnType<typeof loadSettleConfig>;
/** The dev server (or TEMPORAL_ADDRESS's server) with the simulators, worker and API in this process. */
async function startEmbedded(
  config: LocalConfig,
  ports: LocalPorts,
  dataDir: string,
  stops: Stop[],
  logger: ReturnType<typeof createLogger>,
  operatorAuth: string | undefined,
): Promise<string[]> {
  // With PAYLOAD_KEYS the dev server's Web UI shows payloads decrypted, through the codec server's own
  // listener (anonymous, on loopback: the local defaults), which the stack starts on CODEC_PORT.
  const codec =
    config.PAYLOAD_KEYS === undefined ? undefined : `http://${config.CODEC_HOST}:${ports.codec}/codec`;
  const address = config.TEMPORAL_ADDRESS ?? (await startLocalServer(ports, dataDir, stops, codec));
  // The shop simulator signs its access tokens as Spryker's dummy token provider does, with a key made now,
  // which Settle trusts unless it is told to trust other keys.
  const shopTokens =
    config.SPRYKER_JWKS_URL || config.SPRYKER_JWT_PUBLIC_KEY ? undefined : dummyTokenProvider();
  const temporal = await connectTemporal({ ...config, TEMPORAL_ADDRESS: address });
  // Where they cannot be registered, nothing starts: every payment start would be refused.
  const added = await ensureSearchAttributes(temporal.connection, temporal.namespace).finally(() =>
    temporal.close(),
  );
  if (added.length > 0) logger.info('registered search attributes', { added });

  const stack = await startStack({
    address,
    ports,
    env: {
      CODEC_ORIGINS: `http://localhost:${ports.temporalUi},http://127.0.0.1:${ports.temporalUi}`,
      ...(shopTokens ? { SPRYKER_JWT_PUBLIC_KEY: shopTokens.publicKeyPem } : {}),
      ...process.env,
    },
    gateway: { webhookUrl: `http://127.0.0.1:${config.API_PORT}/webhooks/gateway`, webhookDelayMs: 2000 },
  });
  stops.push(() => stack.stop());
  const shop = await startSprykerShop(stack, ports, stops, logger, shopTokens);
  const deity = await startDeityShop(stack, ports, stops);
  const ui = config.TEMPORAL_ADDRESS ? '' : `   Web UI http://localhost:${ports.temporalUi}`;
  return [
    `  API (MIB intake)   ${stack.api.url}/mib`,
    `  webhooks           ${stack.api.url}/webhooks/gateway`,
    ...operatorLine(stack.api.url, operatorAuth),
    `  Temporal           ${address}${ui}`,
    stack.codec
      ? `  codec server       ${stack.codec.url}/codec${ui ? '   (the Web UI decrypts through it)' : ''}`
      : config.PAYLOAD_KEYS === undefined
        ? '  payloads           stored in clear: set PAYLOAD_KEYS to encrypt them (docs/operations.md)'
        : '  payloads           encrypted; no codec server (CODEC_TOKEN or CODEC_ALLOW_ANONYMOUS starts one)',
    `  MIB simulator      ${stack.mib.url}   notifications: ${stack.mib.url}/notifications`,
    `  gateway simulator  ${stack.gateway.url}   control: ${stack.gateway.url}/_control`,
    `  Spryker bus        ${stack.api.url}/spryker/   checkout: ${stack.api.url}/spryker/private/initialize-payment`,
    `  Deity client API   ${stack.api.url}/api/payment-methods, /api/payment, /api/payment/:shopOrderId, /api/order-updates`,
    ...shop,
    ...deity,
  ];
}

/**
 * The Deity shop simulator as the local profile, consuming its events from the broker; nothing without a
 * broker (AMQP_URL) or without the local profile (DEITY_PROFILES overridden).
 */
async function startDeityShop(stack: Stack, ports: LocalPorts, stops: Stop[]): Promise<string[]> {
  const { AMQP_URL: amqpUrl, DEITY_PROFILES: profiles } = stack.config;
  const local = profiles?.find((profile) => profile.serviceUser === LOCAL_DEITY_PROFILE.serviceUser);
  if (!amqpUrl || !local) return [];
  const sim = createDeityShopSimulator({
    settleUrl: stack.api.url,
    ...LOCAL_DEITY_PROFILE,
    amqpUrl,
    // Its return page, where the customer comes back from the payment page.
    publicUrl: `http://127.0.0.1:${ports.deityShop}`,
  });
  const server = await listen(sim.app, ports.deityShop);
  stops.push(async () => {
    await sim.stop();
    await server.close();
  });
  await sim.start();
  return [
    `  Deity shop sim     ${server.url}   orders: ${server.url}/_orders (profile ${local.serviceUser})`,
  ];
}

/**
 * The Spryker shop simulator as the local tenant, polling Settle's bus every second, connected to Settle through
 * `/spryker/private/configure` as the ACP registry would, with Settle's payment methods announced to it; nothing
 * when the local tenant is not configured (SPRYKER_TENANTS overridden). It sends the access tokens `shopTokens`
 * signs when Settle trusts them, else the tenant's static token.
 */
async function startSprykerShop(
  stack: Stack,
  ports: LocalPorts,
  stops: Stop[],
  logger: Logger,
  shopTokens: ShopCredentials | undefined,
): Promise<string[]> {
  const token = stack.config.SPRYKER_TENANTS?.[LOCAL_SPRYKER_TENANT];
  if (!token) return [];
  const mode = process.env.SPRYKER_MODE === 'conditional' ? 'conditional' : 'event';
  const sim = createSprykerShopSimulator({
    settleUrl: stack.api.url,
    tenant: LOCAL_SPRYKER_TENANT,
    token: shopTokens ?? token,
    mode,
    legacyRefunds: process.env.SPRYKER_LEGACY_REFUNDS === 'true',
  });
  const server = await listen(sim.app, ports.sprykerShop);
  // Orders check out on Settle's payment page, which returns the customer to the simulator's storefront.
  sim.useShopUrl(server.url);
  stops.push(async () => {
    await sim.stop();
    await server.close();
  });
  await stack.temporal.workflow
    .start('announcePaymentMethodsWorkflow', {
      workflowId: ANNOUNCE_WORKFLOW_ID,
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    })
    .catch((error: Error) => logger.warn('could not announce the payment methods', { error: error.message }));
  // As Spryker's ACP registry does when a shop installs the app: without it, the shop's worker (active-app
  // filter) fetches app-events only and drops its payment commands.
  await connectTenant({
    settleUrl: stack.api.url,
    tenant: LOCAL_SPRYKER_TENANT,
    token: shopTokens ?? token,
  }).catch((error: Error) =>
    logger.warn('could not connect the local Spryker tenant', { error: error.message }),
  );
  return [
    `  Spryker shop sim   ${server.url}   orders: ${server.url}/_orders (${mode} mode, tenant ${LOCAL_SPRYKER_TENANT}, ${shopTokens ? 'signed access tokens' : 'static token'})`,
    `                     checkout on the payment page: the order's redirectUrl, or POST ${server.url}/_orders/<ref>/pay`,
  ];
}

/** A real Temporal cluster on PostgreSQL, the simulators here, Settle's workers and APIs as processes. */
async function startOnCluster(
  mode: Mode,
  ports: LocalPorts,
  dataDir: string,
  config: LocalConfig,
  stops: Stop[],
  operatorAuth: string | undefined,
): Promise<string[]> {
  const namespace = config.TEMPORAL_NAMESPACE;
  const stack = await startClusterStack({
    dataDir,
    ports,
    namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workers: mode.workers,
    apis: mode.apis,
    env: process.env,
    stops,
    log: (line) => console.log(`cluster: ${line}`),
  });
  const [first] = stack.apiUrls;
  const pids = (role: string) =>
    stack.processes
      .filter((child) => child.role === role)
      .map((child) => `${child.name} (pid ${child.process.pid})`)
      .join(', ');
  return [
    `  API (MIB intake)   ${stack.apiUrls.map((url) => `${url}/mib`).join('  ')}`,
    `  webhooks           ${first}/webhooks/gateway`,
    ...operatorLine(first!, operatorAuth),
    `  Temporal cluster   ${stack.cluster.address}   Web UI ${stack.cluster.uiUrl}   namespace ${namespace}`,
    `  PostgreSQL         127.0.0.1:${stack.cluster.postgres.port}   data in ${stack.dir}`,
    `  workers            ${pids('worker')}`,
    `  API processes      ${pids('api')}`,
    `  MIB simulator      ${stack.mibUrl}   notifications: ${stack.mibUrl}/notifications`,
    `  gateway simulator  ${stack.gatewayUrl}   control: ${stack.gatewayUrl}/_control`,
  ];
}

const operatorLine = (api: string, auth: string | undefined) =>
  auth ? [`  operator API       ${api}/payments   ${auth}`] : [];

/** Starts `temporal server start-dev` with its state in the data folder; resolves with its gRPC address. */
async function startLocalServer(
  ports: LocalPorts,
  dataDir: string,
  stops: Stop[],
  uiCodecEndpoint: string | undefined,
): Promise<string> {
  const server = await startDevServer({
    dbFile: join(dataDir, 'temporal.db'),
    port: ports.temporal,
    uiPort: ports.temporalUi,
    uiCodecEndpoint,
    logFile: join(dataDir, 'temporal.log'),
    log: (line) => console.log(line),
  });
  stops.push(() => server.stop());
  return server.address;
}

void main();
