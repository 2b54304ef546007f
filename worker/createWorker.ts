import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { commandStarterActivities } from '../activities/commandStarter';
import { turnHolderActivities } from '../activities/turnHolder';
import type { ConfigOf } from '../config';
import { parseDuration } from '../domain/duration';
import { createLogger } from '../config/logger';
import { settleDataConverter } from '../config/payloadCodec';
import { settleClient } from '../config/temporalConnection';
import { createProviderRegistry } from '../providers/fromConfig';
import type { Tracing } from '../config/tracing';
import { workflowsEntry } from './bundle';
import type { WorkerDoor } from './doors';
import { WORKFLOW_TRACING_PATH, workerTracing } from './tracing';

/** The settings the worker reads. */
type WorkerConfig = ConfigOf<'temporal' | 'providers' | 'worker' | 'log'>;

/** The bundle `npm run build` writes beside the compiled code (worker/bundleWorkflows.ts). */
export const PREBUILT_BUNDLE_PATH = join(__dirname, '..', 'workflow-bundle.js');

/**
 * The same with the failure converter that encrypts failure messages (config/payloadCodec.ts) compiled in: a
 * bundle fixes how workflow code converts its failures, so a worker with PAYLOAD_KEYS loads this one.
 */
export const encryptedBundlePath = (prebuilt: string) => prebuilt.replace(/\.js$/, '.encrypted.js');

/**
 * Where the worker gets the workflow code of the core and its doors: the compiled worker loads the bundle made
 * at build time, if there is one (the one with encrypted failures when `encrypted`); from source (tsx), the
 * worker bundles at start, so that the code it runs is never stale.
 */
export function workflowSource(
  doors: readonly Pick<WorkerDoor, 'workflows'>[],
  { compiled = __filename.endsWith('.js'), prebuilt = PREBUILT_BUNDLE_PATH, encrypted = false } = {},
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const codePath = encrypted ? encryptedBundlePath(prebuilt) : prebuilt;
  return compiled && existsSync(codePath)
    ? { workflowBundle: { codePath } }
    : { workflowsPath: workflowsEntry(doors) };
}

/**
 * Settings measured with `npm run bench` (README, "Benchmark"). The SDK's default workflow cache grows with
 * the heap limit (2,310 workflows on a 24 GB machine), and each cached workflow holds about 200 KB: 10,000
 * payments waiting for their webhook took the worker past 1 GB. A waiting payment needs no memory; when its
 * webhook comes, a payment no longer cached is replayed from its short history, which costs milliseconds.
 * 100 rather than 250: with 3,000 payments waiting the worker held about 400 MB instead of 500 MB, at
 * 100 commands in flight it spent about 15 % more CPU per command on replays (the Temporal server, not the
 * worker, limits throughput).
 */
export const WORKER_TUNING = { maxCachedWorkflows: 100 } as const satisfies Partial<WorkerOptions>;

/**
 * A worker that runs Settle's workflows and activities on the configured task queue, with each front door's
 * part, tracing what a traced command runs with `tracing` (config/tracing.ts). `overrides` lets tests pass a
 * prebuilt workflow bundle.
 */
export async function createSettleWorker(
  config: WorkerConfig,
  connection: NativeConnection,
  frontDoors: readonly WorkerDoor[],
  overrides: Partial<WorkerOptions> = {},
  tracing?: Tracing,
): Promise<Worker> {
  // Doors that keep state in workflows of their own (an order's payment, a mailbox) reach them through this,
  // with the worker's own data converter: what they signal is sealed, what the workflows answer opens.
  const temporal = settleClient(connection, config);
  const logger = createLogger('worker', config.LOG_LEVEL);
  const context = { config, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, logger };
  const doors = frontDoors.map((door) => ({ name: door.name, ...door.worker(context) }));
  const activities = {
    ...createActivities({
      providers: createProviderRegistry(config),
      providerRetryLimitMs: parseDuration(config.WORKER_PROVIDER_RETRY_LIMIT),
      reporters: Object.fromEntries(doors.map((door) => [door.name, door.reporter])),
    }),
    ...turnHolderActivities(temporal),
    ...commandStarterActivities(temporal),
    ...Object.assign({}, ...doors.map((door) => door.activities ?? {})),
  };
  const source = overrides.workflowBundle
    ? {}
    : workflowSource(frontDoors, { encrypted: config.PAYLOAD_KEYS !== undefined });
  const traced = workerTracing(tracing);
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities,
    dataConverter: settleDataConverter(config),
    ...WORKER_TUNING,
    ...source,
    ...traced,
    // A bundle made at start gets the tracing interceptors as worker/bundle.ts compiles them in.
    ...('workflowsPath' in source
      ? { interceptors: { ...traced.interceptors, workflowModules: [WORKFLOW_TRACING_PATH] } }
      : {}),
    ...overrides,
  });
  // What the doors opened (a broker connection) closes once the worker has stopped.
  const run = worker.run.bind(worker);
  return Object.assign(worker, {
    async run() {
      try {
        await run();
      } finally {
        // One door failing to close does not keep the others open.
        for (const door of doors)
          await door
            .close?.()
            .catch((error: Error) =>
              logger.warn('a front door did not close cleanly', { door: door.name, error: error.message }),
            );
      }
    },
  });
}
