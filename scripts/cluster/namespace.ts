import { randomUUID } from 'node:crypto';
import { Connection, type Client } from '@temporalio/client';
import { msToTs, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { settleClient } from '../../config/temporalConnection';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';
import { ensureSearchAttributes, SearchAttributesMissingError } from '../../worker/searchAttributes';

/**
 * A new cluster has no namespace, and a namespace just created, or search attributes just added, are refused
 * for a moment until the frontend's caches know them. This creates what is missing and returns once a
 * workflow started with every one of Settle's search attributes is accepted.
 */

const RETENTION_DAYS = 3;
const GRPC_ALREADY_EXISTS = 6;

export async function prepareNamespace(
  address: string,
  namespace: string,
  timeoutMs = 60_000,
): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService
      .registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(`${RETENTION_DAYS} days`),
      })
      .catch((error: { code?: number }) => {
        if (error.code !== GRPC_ALREADY_EXISTS) throw error;
      });
    await retry(() => ensureSearchAttributes(connection, namespace), timeoutMs, 'the search attributes');
    // The probe carries no payload: no keys are needed to start and terminate it.
    const client = settleClient(connection, { TEMPORAL_NAMESPACE: namespace });
    await retry(() => probeStart(client), timeoutMs, 'a workflow start');
  } finally {
    await connection.close();
  }
}

/** Starts a workflow that no worker runs, with every search attribute set, and terminates it. */
async function probeStart(client: Client): Promise<void> {
  const handle = await client.workflow.start('settleClusterProbe', {
    taskQueue: 'settle-cluster-probe',
    workflowId: `settle-cluster-probe-${randomUUID()}`,
    typedSearchAttributes: ALL_SEARCH_ATTRIBUTES.map(sample),
  });
  await handle.terminate('cluster readiness probe');
}

function sample(key: (typeof ALL_SEARCH_ATTRIBUTES)[number]): SearchAttributePair {
  const values: Partial<Record<SearchAttributeType, unknown>> = {
    [SearchAttributeType.INT]: 0,
    [SearchAttributeType.DATETIME]: new Date(),
    [SearchAttributeType.KEYWORD_LIST]: ['probe'],
  };
  return { key, value: values[key.type] ?? 'probe' } as SearchAttributePair;
}

async function retry<T>(attempt: () => Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      // A namespace without room for them stays so: no use waiting.
      if (error instanceof SearchAttributesMissingError) throw error;
      if (Date.now() > deadline)
        throw new Error(`the cluster did not accept ${what}: ${(error as Error).message}`);
      await new Promise((done) => setTimeout(done, 250));
    }
  }
}
