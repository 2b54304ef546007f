import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stopLeftovers } from '../leftovers';
import { resolveClusterBinaries } from './binaries';
import type { ClusterPorts } from './ports';
import { prepareNamespace } from './namespace';
import { preparePostgres, type Postgres } from './postgres';
import { ensureSchemas } from './schema';
import {
  startTemporalServer,
  startWebUi,
  stopForcedSearchAttributeRefresh,
  type ServerSettings,
} from './server';

/**
 * A real Temporal cluster on this host, for `npm start -- --cluster` and the cluster tests: PostgreSQL with its
 * data in `dir`, the schemas, the Temporal server and its Web UI, the namespace with Settle's search
 * attributes. A second start on the same folder finds every workflow of the first.
 */

export { clusterPorts, type ClusterPorts } from './ports';

export interface ClusterOptions {
  /** The cluster's folder: PostgreSQL's data, the server's configuration and the logs. */
  readonly dir: string;
  readonly ports: ClusterPorts;
  readonly namespace: string;
  readonly log?: (line: string) => void;
  /**
   * Run as production does, once the namespace is ready: search attributes cached by each service rather than
   * read from the database on every use (the benchmark's). Tests and `npm start` keep the forced refresh, so
   * that an attribute added while the cluster runs is known at once.
   */
  readonly asInProduction?: ServerSettings;
}

/** PostgreSQL and the Temporal server with the namespace ready, without the Web UI. */
export interface TemporalCluster {
  /** The frontend, host:port (Settle's TEMPORAL_ADDRESS). */
  readonly address: string;
  readonly postgres: Postgres;
  /** The Temporal server's process id, for measuring it. */
  readonly serverPid: number;
  /** Stops what was started, in reverse order: the server, then PostgreSQL. */
  stop(): Promise<void>;
}

export interface Cluster extends TemporalCluster {
  readonly uiUrl: string;
}

/** The whole cluster, its Web UI included (`npm start -- --cluster`). */
export function startCluster(options: ClusterOptions): Promise<Cluster> {
  return start(options, true) as Promise<Cluster>;
}

/** PostgreSQL, the schemas, the Temporal server and the namespace, without the Web UI (the benchmark's). */
export function startTemporalCluster(options: ClusterOptions): Promise<TemporalCluster> {
  return start(options, false);
}

async function start(
  { dir, ports, namespace, log = () => {}, asInProduction }: ClusterOptions,
  webUi: boolean,
): Promise<TemporalCluster | Cluster> {
  mkdirSync(dir, { recursive: true });
  // What an earlier run left on this folder would hold the ports and the database: its Web UI, its Temporal
  // server, then its PostgreSQL, each found by the folder it was started on.
  const leftovers = [`--root ${join(resolve(dir), 'ui')}`, `--root ${join(resolve(dir), 'server')}`];
  for (const marker of [...leftovers, `-D ${join(resolve(dir), 'postgres')}`])
    await stopLeftovers(marker, { what: 'the cluster', log });
  // Checked first: a missing PostgreSQL says so before minutes of building.
  const postgres = await preparePostgres(dir, ports.postgres);
  const binaries = await resolveClusterBinaries({ log });
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse())
      await step().catch((error: Error) => console.error(error.message));
  };
  try {
    await postgres.start();
    stops.push(() => postgres.stop().then(() => log('PostgreSQL stopped')));
    log(`PostgreSQL on 127.0.0.1:${ports.postgres} (data in ${join(dir, 'postgres')})`);
    await ensureSchemas(binaries, postgres);
    const server = await startTemporalServer(binaries, dir, ports, asInProduction);
    stops.push(() => server.child.stop().then(() => log('Temporal server stopped')));
    log(`Temporal server on ${server.address} (log ${join(dir, 'temporal.log')})`);
    await prepareNamespace(server.address, namespace);
    if (asInProduction) {
      await stopForcedSearchAttributeRefresh(dir);
      log('search attributes cached by the server, as in production');
    }
    const cluster = { address: server.address, postgres, serverPid: server.child.process.pid!, stop };
    if (!webUi) return cluster;
    const ui = await startWebUi(binaries, dir, ports, namespace);
    stops.push(() => ui.stop().then(() => log('Web UI stopped')));
    return { ...cluster, uiUrl: `http://localhost:${ports.ui}` };
  } catch (error) {
    await stop();
    throw error;
  }
}
