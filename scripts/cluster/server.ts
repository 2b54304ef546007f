import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ClusterBinaries } from './binaries';
import { spawnChild, type Child } from './child';
import type { ClusterPorts } from './ports';
import { DB_PASSWORD, DB_USER } from './postgres';
import { untilServing } from '../temporalServing';

/**
 * The Temporal server (frontend, history, matching and worker services in one process) on PostgreSQL, with
 * SQL visibility, and the Web UI server in front of it. Both are configured by files written here, in the
 * cluster's folder, each time it starts, so that a change of port takes effect on existing data.
 */

/** Fixed once the database exists: history shards cannot be changed later. */
const HISTORY_SHARDS = 4;
const ENV = 'settle';

/** How often the server reads its dynamic config file again (Temporal's minimum). */
const DYNAMIC_CONFIG_POLL_SECONDS = 5;

/** Beyond the ports: what the benchmark sets to run the server as production does. */
export interface ServerSettings {
  /** Prometheus metrics on 127.0.0.1:<port>, for counting what the server does; none when unset. */
  readonly metricsPort?: number;
}

/**
 * The server's dynamic config. `forceRefresh`: every search-attribute check reads the database, so that an
 * attribute just added is known at once (the namespace's set-up, the cluster tests); Temporal says it
 * "should not be turned on in production" (system.forceSearchAttributesCacheRefreshOnRead).
 */
function writeDynamicConfig(root: string, forceRefresh: boolean): string {
  const dynamicConfig = join(root, 'dynamicconfig.yaml');
  writeFileSync(
    dynamicConfig,
    stringify({
      'limit.maxIDLength': [{ value: 255, constraints: {} }],
      'system.forceSearchAttributesCacheRefreshOnRead': [{ value: forceRefresh, constraints: {} }],
    }),
  );
  return dynamicConfig;
}

/**
 * Turns the forced refresh off on a running server, as production runs: each service then keeps its search
 * attributes cached and reads them again every 60 s (common/searchattribute/manager.go). Done once the set-up
 * has run with it on, so that every cache already holds Settle's attributes; resolves once the server has read
 * the file again.
 */
export async function stopForcedSearchAttributeRefresh(dir: string): Promise<void> {
  writeDynamicConfig(join(dir, 'server'), false);
  await new Promise((done) => setTimeout(done, DYNAMIC_CONFIG_POLL_SECONDS * 1000 + 1500));
}

export function writeServerConfig(dir: string, ports: ClusterPorts, settings: ServerSettings = {}): string {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${ports.postgres}`,
      connectProtocol: 'tcp',
      user: DB_USER,
      password: DB_PASSWORD,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...(httpPort ? { httpPort } : {}) },
  });
  const root = join(dir, 'server');
  mkdirSync(join(root, 'config'), { recursive: true });
  // A search attribute just added is known at once, not after the cache's next refresh (the benchmark turns
  // it off once the namespace is ready: stopForcedSearchAttributeRefresh).
  const dynamicConfig = writeDynamicConfig(root, true);
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: { default: store('temporal', 20), visibility: store('temporal_visibility', 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      pprof: { port: 0 },
      ...(settings.metricsPort === undefined
        ? {}
        : {
            metrics: {
              prometheus: { framework: 'tally', listenAddress: `127.0.0.1:${settings.metricsPort}` },
            },
          }),
    },
    services: {
      frontend: service(ports.frontend, ports.membership.frontend, ports.frontendHttp),
      history: service(ports.history, ports.membership.history),
      matching: service(ports.matching, ports.membership.matching),
      worker: service(ports.worker, ports.membership.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
          httpAddress: `127.0.0.1:${ports.frontendHttp}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: dynamicConfig, pollInterval: `${DYNAMIC_CONFIG_POLL_SECONDS}s` },
  };
  writeFileSync(join(root, 'config', `${ENV}.yaml`), stringify(config));
  return root;
}

export interface RunningServer {
  readonly address: string;
  readonly child: Child;
}

/** Starts the server and resolves once its frontend answers; fails with the log's name if it exits first. */
export async function startTemporalServer(
  binaries: ClusterBinaries,
  dir: string,
  ports: ClusterPorts,
  settings: ServerSettings = {},
): Promise<RunningServer> {
  const root = writeServerConfig(dir, ports, settings);
  const logFile = join(dir, 'temporal.log');
  const child = spawnChild(
    'Temporal server',
    binaries.server,
    ['--root', root, '--config', 'config', '--env', ENV, '--allow-no-auth', 'start'],
    { logFile },
  );
  const address = `127.0.0.1:${ports.frontend}`;
  try {
    let exited = false;
    void child.exited.then(() => (exited = true));
    await untilServing(address, { what: `the Temporal server (log: ${logFile})`, exited: () => exited });
  } catch (error) {
    await child.stop('SIGKILL');
    throw error;
  }
  return { address, child };
}

/** The Web UI server on 127.0.0.1, resolved once it answers HTTP. */
export async function startWebUi(
  binaries: ClusterBinaries,
  dir: string,
  ports: ClusterPorts,
  namespace: string,
): Promise<Child> {
  const root = join(dir, 'ui');
  mkdirSync(join(root, 'config'), { recursive: true });
  writeFileSync(
    join(root, 'config', `${ENV}.yaml`),
    stringify({
      temporalGrpcAddress: `127.0.0.1:${ports.frontend}`,
      host: '127.0.0.1',
      port: ports.ui,
      enableUi: true,
      defaultNamespace: namespace,
      notifyOnNewVersion: false,
    }),
  );
  const logFile = join(dir, 'ui.log');
  const child = spawnChild(
    'Web UI',
    binaries.uiServer,
    ['--root', root, '--config', 'config', '--env', ENV, 'start'],
    { logFile },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.process.exitCode !== null) throw new Error(`the Web UI server exited at start; see ${logFile}`);
    const ok = await fetch(`http://127.0.0.1:${ports.ui}/`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return child;
    if (Date.now() > deadline) {
      await child.stop('SIGKILL');
      throw new Error(`the Web UI server did not listen on ${ports.ui}; see ${logFile}`);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
}
