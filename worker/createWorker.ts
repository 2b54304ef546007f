import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { SettleConfig } from '../config';
import { MibClient } from '../mib/client';
import { createProviderRegistry } from '../providers/fromConfig';

/** The workflow bundle's entry: `workflows/index.ts` under tsx and jest, `workflows/index.js` once built. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

export function createMibClient(config: SettleConfig): MibClient {
  return new MibClient({
    baseUrl: config.MIB_BASE_URL,
    tokenUrl: config.MIB_TOKEN_URL,
    clientId: config.MOM_CLIENT,
    clientSecret: config.SERVICE_BUS_SECRET,
    endpointName: config.SERVICE_BUS_ENDPOINT_NAME,
  });
}

/**
 * A worker that runs Settle's workflows and activities on the configured task queue. `overrides` lets tests
 * pass a prebuilt workflow bundle.
 */
export async function createSettleWorker(
  config: SettleConfig,
  connection: NativeConnection,
  overrides: Partial<WorkerOptions> = {},
): Promise<Worker> {
  const activities = createActivities({
    providers: createProviderRegistry(config),
    mib: createMibClient(config),
    // The payment lock's signal-with-start goes through the worker's own connection.
    temporal: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
  });
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities,
    ...(overrides.workflowBundle ? {} : { workflowsPath: WORKFLOWS_PATH }),
    ...overrides,
  });
}
