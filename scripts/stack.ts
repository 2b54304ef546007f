import type { Client } from '@temporalio/client';
import { NativeConnection, type Worker, type WorkerOptions } from '@temporalio/worker';
import { createApi } from '../api/app';
import { startCodecServer } from '../api/codecServer';
import { apiDependencies } from '../api/dependencies';
import { loadConfig, localDefaults, type SettleConfig } from '../config';
import { createLogger } from '../config/logger';
import { tracingClientInterceptors, tracingFromConfig, type Tracing } from '../config/tracing';
import { FRONT_DOORS, doorSectionsOf, type DoorsConfig } from '../oms';
import type { FrontDoor } from '../oms/door';

/** The stack's settings: all of Settle's, the door list's typed (a test's own door reads its own). */
type StackConfig = SettleConfig & DoorsConfig;
import { listen, type RunningServer } from '../config/server';
import { connectTemporal, temporalTarget } from '../config/temporalConnection';
import { createGatewaySimulator, type GatewayControl, type GatewaySimulator } from '../sim/gateway/server';
import { createMibSimulator, type MibSimulator } from '../sim/mib/server';
import { createSettleWorker } from '../worker/createWorker';
import { startDoorParts } from '../api/doorParts';

/**
 * Settle's processes against one Temporal server: the MIB and gateway simulators, the worker, the API and
 * (with PAYLOAD_KEYS) the codec server's listener, in this process. Used by `npm start`, the integration
 * tests, the replay recorder and the benchmark.
 */

export interface StackOptions {
  /** Temporal frontend, host:port. */
  readonly address: string;
  /** Ports to listen on; 0 (the default) picks free ones. */
  readonly ports?: {
    readonly api?: number;
    readonly codec?: number;
    readonly mib?: number;
    readonly gateway?: number;
  };
  /** Overrides of the local configuration (environment-variable names). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly gateway?: Partial<GatewayControl>;
  /** For tests: a prebuilt workflow bundle and the like. */
  readonly workerOptions?: Partial<WorkerOptions>;
  /** The front doors the worker and the API serve (all of oms/ unless a test adds its own). */
  readonly doors?: readonly FrontDoor[];
  /** Where the API's and the worker's spans go; by default as OTEL_EXPORTER_OTLP_ENDPOINT says (none when unset). */
  readonly tracing?: Tracing;
}

export interface Stack {
  readonly config: StackConfig;
  readonly temporal: Client;
  readonly worker: Worker;
  readonly api: RunningServer;
  /** The codec server's own listener: with PAYLOAD_KEYS and CODEC_TOKEN or CODEC_ALLOW_ANONYMOUS only. */
  readonly codec?: RunningServer;
  readonly mib: RunningServer & { readonly sim: MibSimulator };
  readonly gateway: RunningServer & { readonly sim: GatewaySimulator };
  /** Stops everything, in reverse order of start. */
  stop(): Promise<void>;
}

export async function startStack({
  address,
  ports = {},
  env = {},
  gateway,
  workerOptions,
  doors = FRONT_DOORS,
  tracing: given,
}: StackOptions): Promise<Stack> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse())
      await step().catch((error: Error) => console.error(error.message));
  };
  try {
    // The simulators share Settle's credentials; their URLs are known once they listen.
    const { mibSim, gatewaySim } = createSimulators({ ...localDefaults(), ...pickDefined(env) }, gateway);
    stops.push(async () => gatewaySim.stop());
    const mib = await listen(mibSim.app, ports.mib ?? 0);
    stops.push(() => mib.close());
    const gatewayServer = await listen(gatewaySim.app, ports.gateway ?? 0);
    stops.push(() => gatewayServer.close());

    // Explicit settings win over the local ones (npm start may point Settle at a real MIB or gateway).
    const local = localDefaults({ api: ports.api ?? 0, mib: mib.port, gateway: gatewayServer.port });
    // A door outside Settle's list (a test's) brings its settings with it.
    const config = loadConfig(
      { ...local, TEMPORAL_ADDRESS: address, ...pickDefined(env) },
      { doors: doorSectionsOf(doors) },
    ) as StackConfig;

    const tracing = given ?? tracingFromConfig(config, 'settle');
    if (tracing && !given) stops.push(() => tracing.shutdown());

    // Before Temporal, the worker and the API: an anonymous codec server other hosts would reach is refused.
    const logger = createLogger('api', config.LOG_LEVEL);
    const codec = await startCodecServer(config, logger, ports.codec ?? 0);
    if (codec) stops.push(() => codec.close());

    const target = temporalTarget(config, env);
    const nativeConnection = await NativeConnection.connect(target.connectionOptions);
    stops.push(() => nativeConnection.close());
    const workerConfig = { ...config, TEMPORAL_NAMESPACE: target.namespace };
    const worker = await createSettleWorker(workerConfig, nativeConnection, doors, workerOptions, tracing);
    const running = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    const session = await connectTemporal(config, env, tracingClientInterceptors(tracing));
    stops.push(() => session.close());
    const temporal = session.client;
    const deps = { ...apiDependencies(config, temporal, logger, doors), tracer: tracing?.tracer };
    const app = createApi(deps, doors);
    const api = await listen(app, config.API_PORT);
    stops.push(() => api.close());
    stops.push(startDoorParts(deps, config, doors));
    gatewaySim.control.webhookUrl ??= `${api.url}/webhooks/gateway`;

    return {
      config,
      temporal,
      worker,
      api,
      codec,
      mib: Object.assign(mib, { sim: mibSim }),
      gateway: Object.assign(gatewayServer, { sim: gatewaySim }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

type SimulatorCredentials = Pick<
  ReturnType<typeof localDefaults>,
  'MOM_CLIENT' | 'SERVICE_BUS_SECRET' | 'GATEWAY_API_KEY' | 'GATEWAY_WEBHOOK_SECRET'
>;

/** The MIB and gateway simulators, sharing Settle's credentials (not yet listening). */
export function createSimulators(credentials: SimulatorCredentials, gateway?: Partial<GatewayControl>) {
  return {
    mibSim: createMibSimulator({
      clientId: credentials.MOM_CLIENT,
      clientSecret: credentials.SERVICE_BUS_SECRET,
    }),
    gatewaySim: createGatewaySimulator({
      apiKey: credentials.GATEWAY_API_KEY,
      webhookSecret: credentials.GATEWAY_WEBHOOK_SECRET,
      control: gateway,
    }),
  };
}

function pickDefined(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
