import { Client, Connection } from '@temporalio/client';
import { temporalAddress, type ConfigOf } from '../config';

export interface TemporalSession {
  readonly client: Client;
  close(): Promise<void>;
}

/** A Temporal client for one CLI command, on TEMPORAL_ADDRESS (default localhost:7233) and TEMPORAL_NAMESPACE. */
export async function connectTemporal(config: ConfigOf<'temporal'>): Promise<TemporalSession> {
  const address = temporalAddress(config);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: '10 seconds' });
  } catch (error) {
    throw new Error(`Temporal not reachable at ${address} (TEMPORAL_ADDRESS): ${(error as Error).message}`);
  }
  return {
    client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    close: () => connection.close(),
  };
}
