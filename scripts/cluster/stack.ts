import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { localDefaults, type LocalPorts } from '../../config';
import { listen } from '../../config/server';
import { createSimulators } from '../stack';
import { clusterPorts, startCluster, type Cluster } from '.';
import type { Child } from './child';
import { startSettleProcess, type Role, type SettleProcess } from './settleProcesses';

/**
 * `npm start -- --cluster`: the cluster, the MIB and gateway simulators in this process, and Settle as N worker
 * processes and M API processes (API_PORT, API_PORT + 1, …). The gateway's webhooks go to the first API.
 */

export interface ClusterStackOptions {
  readonly dataDir: string;
  readonly ports: LocalPorts;
  readonly namespace: string;
  /** The task queue the workers poll (TEMPORAL_TASK_QUEUE). */
  readonly taskQueue: string;
  readonly workers: number;
  readonly apis: number;
  readonly env: NodeJS.ProcessEnv;
  /** Where each step is pushed as it starts; the caller runs them in reverse to stop. */
  readonly stops: (() => Promise<unknown>)[];
  readonly log: (line: string) => void;
}

export interface ClusterStack {
  readonly cluster: Cluster;
  readonly dir: string;
  readonly processes: readonly SettleProcess[];
  readonly apiUrls: readonly string[];
  readonly mibUrl: string;
  readonly gatewayUrl: string;
}

export async function startClusterStack(options: ClusterStackOptions): Promise<ClusterStack> {
  const { ports, stops, log } = options;
  const dir = join(options.dataDir, 'cluster');
  const cluster = await startCluster({
    dir,
    ports: clusterPorts(options.env),
    namespace: options.namespace,
    log,
  });
  stops.push(() => cluster.stop());

  const apiUrl = (i: number) => `http://127.0.0.1:${ports.api + i}`;
  const { mibSim, gatewaySim } = createSimulators(localDefaults(), {
    webhookUrl: `${apiUrl(0)}/webhooks/gateway`,
    webhookDelayMs: 2000,
  });
  stops.push(async () => gatewaySim.stop());
  const mib = await listen(mibSim.app, ports.mib);
  stops.push(() => mib.close());
  const gateway = await listen(gatewaySim.app, ports.gateway);
  stops.push(() => gateway.close());

  const env: NodeJS.ProcessEnv = {
    ...localDefaults({ api: ports.api, mib: mib.port, gateway: gateway.port }),
    ...options.env,
    // As `npm start` itself: local settings, no parameters file.
    SETTLE_CONFIG_FILE: '/dev/null',
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: options.namespace,
  };
  const metricsPort = options.env.METRICS_PORT ? Number(options.env.METRICS_PORT) : undefined;
  const plans: [Role, string, NodeJS.ProcessEnv][] = [
    ...Array.from({ length: options.workers }, (_, i): [Role, string, NodeJS.ProcessEnv] => [
      'worker',
      `worker ${i + 1}`,
      { ...env, METRICS_PORT: metricsPort === undefined ? undefined : String(metricsPort + i) },
    ]),
    ...Array.from({ length: options.apis }, (_, i): [Role, string, NodeJS.ProcessEnv] => [
      'api',
      `api ${i + 1}`,
      {
        ...env,
        API_PORT: String(ports.api + i),
        // Each API's codec listener (with PAYLOAD_KEYS) on a port of its own.
        CODEC_PORT: String(ports.codec + i),
        PUBLIC_URL: options.env.PUBLIC_URL ?? apiUrl(i),
      },
    ]),
  ];
  const connection = await Connection.connect({ address: cluster.address });
  const isReady = (role: Role, processEnv: NodeJS.ProcessEnv) =>
    role === 'api'
      ? async () => (await fetch(`http://127.0.0.1:${processEnv.API_PORT}/health`)).ok
      : (child: Child) => polling(connection, options.namespace, options.taskQueue, child.process.pid!);
  const started = await Promise.allSettled(
    plans.map(([role, name, processEnv]) =>
      startSettleProcess(
        role,
        name,
        processEnv,
        (line) => console.log(`[${name}] ${line}`),
        isReady(role, processEnv),
      ),
    ),
  ).finally(() => connection.close());
  const processes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  // Stopped in reverse: the APIs first (no new commands), then the workers drain.
  for (const child of processes) {
    stops.push(() => child.stop().then(() => log(`${child.name} stopped`)));
    void child.exited.then((end) => {
      if (child.process.killed === false && end !== 0) log(`${child.name} exited (${end})`);
    });
  }
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return {
    cluster,
    dir,
    processes,
    apiUrls: Array.from({ length: options.apis }, (_, i) => apiUrl(i)),
    mibUrl: mib.url,
    gatewayUrl: gateway.url,
  };
}

/** True once the server sees a workflow-task poller of this process (the SDK's identity is pid@host). */
async function polling(connection: Connection, namespace: string, taskQueue: string, pid: number) {
  const { pollers } = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (pollers ?? []).some((poller) => poller.identity?.startsWith(`${pid}@`));
}
