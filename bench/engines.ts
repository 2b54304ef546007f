import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { clusterPorts, startTemporalCluster, type ClusterPorts } from '../scripts/cluster';
import { TEMPORAL_SERVER_VERSION } from '../scripts/cluster/binaries';
import { listeners } from '../scripts/cluster/ports';
import { createDevServerEnv } from '../scripts/ephemeralTemporal';
import { freePort } from '../config/server';
import { childPidsMatching, oneProcess, processTree, type Measured } from './processes';

/**
 * The Temporal engines the benchmark runs on, each started for one measurement and removed afterwards:
 * the CLI's dev server on SQLite, or the cluster (PostgreSQL and the multi-service server, as
 * `npm start -- --cluster` runs it, without the Web UI), each with its data in a temporary folder.
 */

export const ENGINES = ['dev', 'cluster'] as const;
export type Engine = (typeof ENGINES)[number];

export interface RunningEngine {
  readonly address: string;
  /** What it is, for the report. */
  readonly description: string;
  /** The engine's processes, by name, for the CPU and memory tables. */
  readonly measured: Record<string, Measured>;
  /** The server's Prometheus metrics (serverCounts.ts counts its visibility writes there); none on a server not ours. */
  readonly metricsUrl?: string;
}

/**
 * Both engines run as production does: search attributes cached by each service, not read from the database
 * on every use. The dev server turns the forced refresh on unless told otherwise; its attributes are written
 * into its new database before it serves (`--search-attribute`), so no cache ever misses them.
 */
const AS_IN_PRODUCTION = ['--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=false'];

type Cleanups = (() => Promise<unknown> | void)[];

export async function startEngine(
  engine: Engine,
  { address, log }: { address?: string; log: (line: string) => void },
  cleanups: Cleanups,
): Promise<RunningEngine> {
  if (engine === 'cluster') return startCluster(log, cleanups);
  if (address) return { address, description: `the server at ${address}`, measured: {} };
  return startDevServer(cleanups);
}

/** A headless dev server whose SQLite file lives in a temporary folder on local disk, removed afterwards. */
async function startDevServer(cleanups: Cleanups): Promise<RunningEngine> {
  const folder = mkdtempSync(join(tmpdir(), 'settle-bench-'));
  cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
  const metricsPort = await freePort();
  const env: TestWorkflowEnvironment = await createDevServerEnv({
    dbFilename: join(folder, 'temporal.db'),
    extraArgs: [...AS_IN_PRODUCTION, '--metrics-port', String(metricsPort)],
  });
  cleanups.push(() => env.teardown());
  return {
    address: env.address,
    description:
      'dev server (Temporal CLI), SQLite on local disk, search attributes cached (no forced refresh)',
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    measured: Object.fromEntries(
      childPidsMatching('start-dev').map((pid) => ['Temporal server', oneProcess(pid)]),
    ),
  };
}

async function startCluster(log: (line: string) => void, cleanups: Cleanups): Promise<RunningEngine> {
  const folder = mkdtempSync(join(tmpdir(), 'settle-bench-cluster-'));
  // As root, PostgreSQL runs as the postgres user, which must be able to reach its data folder.
  chmodSync(folder, 0o755);
  cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
  const metricsPort = await freePort();
  const cluster = await startTemporalCluster({
    dir: join(folder, 'cluster'),
    ports: await freeClusterPorts(),
    namespace: 'default',
    log,
    // The forced refresh is turned off once the namespace and its search attributes are ready.
    asInProduction: { metricsPort },
  });
  cleanups.push(() => cluster.stop());
  const postgresPid = cluster.postgres.pid();
  if (postgresPid === undefined) throw new Error('PostgreSQL runs, but its pid file is missing');
  const version = await cluster.postgres.sql('temporal', 'SHOW server_version');
  return {
    address: cluster.address,
    description: `Temporal server ${TEMPORAL_SERVER_VERSION} (frontend, history, matching and worker services in one process) on PostgreSQL ${version.split(' ')[0]}, SQL visibility, search attributes cached (no forced refresh)`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    measured: {
      'Temporal server': oneProcess(cluster.serverPid),
      PostgreSQL: processTree(postgresPid),
    },
  };
}

/**
 * The benchmark's cluster ports, apart from `npm start`'s and the cluster tests': the first of a few blocks
 * whose every port is free, so that a cluster already running elsewhere on the host is left alone.
 */
async function freeClusterPorts(): Promise<ClusterPorts> {
  for (const frontend of [17233, 18233, 19233]) {
    const ports = clusterPorts({
      TEMPORAL_PORT: String(frontend),
      CLUSTER_MEMBERSHIP_PORT: String(frontend - 300),
      CLUSTER_POSTGRES_PORT: String(frontend + 20),
      TEMPORAL_UI_PORT: String(frontend + 30),
    });
    const free = await Promise.all(listeners(ports).map(([, port]) => isFree(port)));
    if (free.every(Boolean)) return ports;
  }
  throw new Error('no free block of ports for the cluster (17233, 18233 and 19233 onwards are taken)');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}
