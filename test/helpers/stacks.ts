import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort } from '../../config/server';
import { startDevServer, type DevServer } from '../../scripts/devServer';
import { startStack, type Stack, type StackOptions } from '../../scripts/stack';
import type { GatewayControl } from '../../sim/gateway/server';
import { startApi, startWorker, stopOrKill, type SettleProcess } from './processes';
import { startSimulators, type SimulatorsForProcesses } from './simulators';
import { createDevServerEnv, prebuiltBundle } from './temporal';

/**
 * The two ways the integration tests run Settle: the whole stack in the test process against an ephemeral
 * dev server (`startTestStack`), or the worker and the API as processes against a dev server on a SQLite
 * file that can be stopped and started again (`startProcessStack`, for the crash tests).
 */

/** Something a test starts beside Temporal (a broker): its settings for Settle, and how to stop it. */
export interface Alongside {
  readonly env: Readonly<Record<string, string>>;
  /** The worker's options made meanwhile (a workflow bundle of the test's own), instead of the prebuilt one. */
  readonly workerOptions?: StackOptions['workerOptions'];
  stop(): Promise<void>;
}

export interface TestStackOptions extends Omit<StackOptions, 'address'> {
  /** Started while the dev server starts; its settings are added to `env`. */
  readonly alongside?: () => Promise<Alongside>;
}

export interface TestStack {
  /** The ephemeral dev server and its client. */
  readonly env: TestWorkflowEnvironment;
  /** Settle's stack; its `stop` stops it, what ran alongside, and the dev server. */
  readonly stack: Stack;
}

/**
 * A dev server and Settle's stack on it, quiet (LOG_LEVEL error) and on the bundle globalSetup built unless
 * the options say otherwise.
 */
export async function startTestStack({
  alongside,
  env: settings,
  ...options
}: TestStackOptions = {}): Promise<TestStack> {
  const [env, beside] = await Promise.all([createDevServerEnv(), alongside?.()]);
  try {
    const stack = await startStack({
      workerOptions: beside?.workerOptions ?? prebuiltBundle,
      ...options,
      address: env.address,
      env: { LOG_LEVEL: 'error', ...beside?.env, ...settings },
    });
    return {
      env,
      stack: {
        ...stack,
        stop: async () => {
          await stack.stop();
          await beside?.stop();
          await env.teardown();
        },
      },
    };
  } catch (error) {
    await beside?.stop();
    await env.teardown();
    throw error;
  }
}

export interface ProcessStackOptions {
  /** Names the data folder and the task queue. */
  readonly name: string;
  /** Settle's settings beyond the local ones pointed at the simulators. */
  readonly env?: NodeJS.ProcessEnv;
  /** Started while the dev server starts, in a folder of the stack's data folder. */
  readonly alongside?: (dir: string) => Promise<Alongside>;
}

export interface ProcessStack {
  readonly dataDir: string;
  /** The settings Settle's processes run with. */
  readonly env: NodeJS.ProcessEnv;
  readonly apiUrl: string;
  readonly simulators: SimulatorsForProcesses;
  readonly client: Client;
  /** The dev server, on the same SQLite file and port each time it starts. */
  readonly temporal: { readonly address: string; stop(): Promise<void>; start(): Promise<void> };
  /** The worker and the API, each in one process; `stop` ends every one still running. */
  startWorker(): Promise<SettleProcess>;
  startApi(): Promise<SettleProcess>;
  /** Sets the gateway simulator through its HTTP control (releasing held webhooks happens there). */
  setGateway(control: Partial<GatewayControl>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A Temporal dev server on a SQLite file (`temporal server start-dev`), the MIB and gateway simulators in the
 * test process, and the settings for Settle's worker and API run as processes: no status request within
 * the test (SETTLEMENT_POLL_SCHEDULE 1h), so that a pending capture's outcome comes from its webhook.
 */
export async function startProcessStack({
  name,
  env = {},
  alongside,
}: ProcessStackOptions): Promise<ProcessStack> {
  const dataDir = mkdtempSync(join(tmpdir(), `settle-${name}-`));
  const [temporalPort, apiPort] = await Promise.all([freePort(), freePort()]);
  const startTemporal = () =>
    startDevServer({
      dbFile: join(dataDir, 'temporal.db'),
      port: temporalPort,
      logFile: join(dataDir, 'temporal.log'),
    });
  const [firstServer, beside] = await Promise.all([startTemporal(), alongside?.(join(dataDir, 'alongside'))]);
  let server: DevServer = firstServer;
  const simulators = await startSimulators(apiPort);
  const settleEnv: NodeJS.ProcessEnv = {
    ...simulators.env,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: name,
    SETTLEMENT_POLL_SCHEDULE: '1h',
    ...beside?.env,
    ...env,
  };
  const connection = await Connection.connect({ address: server.address });
  const started: SettleProcess[] = [];
  const track = async (starting: Promise<SettleProcess>) => {
    const settle = await starting;
    started.push(settle);
    return settle;
  };
  return {
    dataDir,
    env: settleEnv,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    simulators,
    client: new Client({ connection }),
    temporal: {
      get address() {
        return server.address;
      },
      stop: () => server.stop(),
      start: async () => {
        server = await startTemporal();
      },
    },
    startWorker: () => track(startWorker(settleEnv)),
    startApi: () => track(startApi(settleEnv)),
    setGateway: async (control) => {
      const answer = await fetch(`${simulators.env.GATEWAY_URL}/_control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(control),
      });
      expect(answer.status).toBe(200);
    },
    stop: async () => {
      await Promise.all(
        started.filter(({ child }) => child.exitCode === null && child.signalCode === null).map(stopOrKill),
      );
      await simulators.stop();
      await connection.close();
      await beside?.stop();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
