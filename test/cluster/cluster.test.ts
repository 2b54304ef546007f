import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { localDefaults } from '../../config';
import { preparePostgres, type Postgres } from '../../scripts/cluster/postgres';
import type { GatewayControl } from '../../sim/gateway/server';
import { captureThroughMib } from '../helpers/mibCommands';
import { statusQuery } from '../../workflows/messages';
import { runEntryPoint, type SettleProcess } from '../helpers/processes';
import { listening } from '../helpers/listening';
import { eventually } from '../helpers/temporal';

/**
 * Settle on a real Temporal cluster, as `npm start -- --cluster --workers 2 --apis 2` runs it: PostgreSQL, the
 * multi-service Temporal server, two worker processes and two API processes, the simulators in the start
 * process (reached over HTTP, as a user reaches them). The README's first capture goes through; a worker
 * killed with SIGKILL leaves its payments to the other; PostgreSQL stopped and started again while a capture
 * waits for its webhook; and a restart on the same data keeps the payments.
 */

// Fixed ports outside Linux's ephemeral range (the cluster refuses ports within it), apart from npm start's.
const PORTS = {
  TEMPORAL_PORT: 21233,
  TEMPORAL_UI_PORT: 22233,
  CLUSTER_MEMBERSHIP_PORT: 20933,
  CLUSTER_POSTGRES_PORT: 25433,
  API_PORT: 23000,
  MIB_SIM_PORT: 24001,
  GATEWAY_SIM_PORT: 24002,
};
const address = `127.0.0.1:${PORTS.TEMPORAL_PORT}`;
const api = (i: number) => `http://127.0.0.1:${PORTS.API_PORT + i}`;
const mib = `http://127.0.0.1:${PORTS.MIB_SIM_PORT}`;
const gateway = `http://127.0.0.1:${PORTS.GATEWAY_SIM_PORT}`;
const CAPTURED = 'magento.payments.payments_management.notify_captured';

describe('Settle on a Temporal cluster', () => {
  let dataDir: string;
  let settle: SettleProcess | undefined;
  let postgres: Postgres;
  let connection: Connection;
  let client: Client;

  async function start(): Promise<SettleProcess> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...Object.fromEntries(Object.entries(PORTS).map(([name, port]) => [name, String(port)])),
      SETTLE_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    };
    delete env.TEMPORAL_ADDRESS;
    const started = runEntryPoint('scripts/start.ts', env, ['--cluster', '--workers', '2', '--apis', '2'], {
      oneProcess: true,
    });
    await started.waitFor('Settle is running', 170_000);
    return started;
  }

  const workerPid = (n: number) =>
    Number(new RegExp(`worker ${n} \\(pid (\\d+)\\)`).exec(settle!.output())![1]);

  async function control(settings: Partial<GatewayControl>) {
    const response = await fetch(`${gateway}/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });
    expect(response.status).toBe(200);
  }

  /** The README's capture, sent to API instance `i`; resolves with its workflow id. */
  const capture = (reference: string, i = 0) =>
    captureThroughMib(api(i), localDefaults().MIB_INTAKE_SECRET, reference, {
      payment_method: 'card',
      amount: '49.90',
      gateway_information: { gateway_id: 'gateway' },
    });

  const notificationsOf = async (reference: string) =>
    ((await (await fetch(`${mib}/notifications?reference=${reference}`)).json()) as { method: string }[]).map(
      (n) => n.method,
    );

  /** The workflow settles, and MIB has exactly one notify_captured for it. */
  async function expectSettledOnce(workflowId: string, reference: string) {
    expect(await client.workflow.getHandle(workflowId).result()).toMatchObject({ outcome: 'settled' });
    expect(await notificationsOf(reference)).toEqual([CAPTURED]);
  }

  const untilAwaitingWebhook = (workflowId: string) =>
    eventually(async () =>
      (await client.workflow.getHandle(workflowId).query(statusQuery)).phase === 'awaiting_settlement'
        ? true
        : undefined,
    );

  /** The identities (pid@host) of the workers that completed the workflow's tasks, in order. */
  async function taskWorkers(workflowId: string): Promise<string[]> {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((event) =>
      event.workflowTaskCompletedEventAttributes?.identity
        ? [event.workflowTaskCompletedEventAttributes.identity]
        : [],
    );
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'settle-cluster-'));
    // As root PostgreSQL runs as the postgres user, who must reach its data folder.
    chmodSync(dataDir, 0o755);
    settle = await start();
    postgres = await preparePostgres(join(dataDir, 'cluster'), PORTS.CLUSTER_POSTGRES_PORT);
    connection = await Connection.connect({ address });
    client = new Client({ connection });
  });
  afterAll(async () => {
    await connection?.close();
    await settle?.stop();
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("carries the README's first capture: API → workflow → gateway webhook → MIB notification", async () => {
    expect(settle!.output()).toContain(
      `Temporal cluster   ${address}   Web UI http://localhost:${PORTS.TEMPORAL_UI_PORT}`,
    );
    expect((await fetch(`http://127.0.0.1:${PORTS.TEMPORAL_UI_PORT}/`)).status).toBe(200);
    const workflowId = await capture('PAY-1001', 1);
    await expectSettledOnce(workflowId, 'PAY-1001');
    // SQL visibility finds it by Settle's search attributes.
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const w of client.workflow.list({
        query: 'SettlePaymentReference="PAY-1001" AND SettleOutcome="settled"',
      }))
        ids.push(w.workflowId);
      return ids.length > 0 ? ids : undefined;
    });
    expect(found).toEqual([workflowId]);
  });

  it('two workers share the work; one killed with SIGKILL, the other carries on: no notification lost or twice', async () => {
    const [first, second] = [workerPid(1), workerPid(2)];
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: 'settle-payments' },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const polling = (pollers ?? []).map((p) => Number(p.identity!.split('@')[0]));
    expect(polling).toEqual(expect.arrayContaining([first, second]));

    // Webhooks 6 s after each capture: the payments wait on their workers when one of them is killed.
    await control({ mode: 'pending', webhookDelayMs: 6000 });
    const references = Array.from({ length: 8 }, (_, i) => `PAY-SHARE-${i + 1}`);
    const ids = await Promise.all(references.map((reference, i) => capture(reference, i % 2)));
    await Promise.all(ids.map(untilAwaitingWebhook));
    const before = (await Promise.all(ids.map(taskWorkers))).flat();
    const pidsBefore = new Set(before.map((identity) => Number(identity.split('@')[0])));
    // The server spreads the tasks; kill a worker that holds some of these payments, whichever it is.
    const [victim, survivor, victimName] = pidsBefore.has(first)
      ? [first, second, 'worker 1']
      : [second, first, 'worker 2'];
    expect(pidsBefore.has(victim)).toBe(true);

    process.kill(victim, 'SIGKILL');
    await settle!.waitFor(`${victimName} exited (SIGKILL)`, 10_000);
    for (const [i, id] of ids.entries()) await expectSettledOnce(id, references[i]!);
    // The payments the killed worker held were finished by the other.
    const after = await Promise.all(ids.map(taskWorkers));
    const moved = after.filter((identities) =>
      identities.some((identity) => identity.startsWith(`${victim}@`)),
    );
    expect(moved.length).toBeGreaterThan(0);
    for (const identities of moved) expect(identities.at(-1)).toMatch(new RegExp(`^${survivor}@`));
  });

  it('PostgreSQL stopped and started again while a capture waits for its webhook: it settles, notified once', async () => {
    // The webhook comes 2 s after the capture, while PostgreSQL is down (8 s): the API cannot record it,
    // and the gateway delivers it again 1 s, 2 s, 4 s… later until one is acknowledged.
    await control({ mode: 'pending', webhookDelayMs: 2000, webhookTimeoutMs: 1000 });
    const workflowId = await capture('PAY-PG');
    await untilAwaitingWebhook(workflowId);
    await postgres.stop();
    await new Promise((done) => setTimeout(done, 8000));
    await postgres.start();
    await expectSettledOnce(workflowId, 'PAY-PG');
  });

  it('Ctrl-C stops everything in order; a restart on the same data keeps the payments', async () => {
    expect(await settle!.stop('SIGINT')).toBe(0);
    const stopped = [...settle!.output().matchAll(/^cluster: (.+) stopped$/gm)].map((m) => m[1]);
    expect(stopped).toEqual([
      'api 2',
      'api 1',
      'worker 2',
      'worker 1',
      'Web UI',
      'Temporal server',
      'PostgreSQL',
    ]);
    for (const port of [PORTS.API_PORT, PORTS.TEMPORAL_PORT, PORTS.CLUSTER_POSTGRES_PORT])
      expect(await listening(port)).toBe(false);
    settle = await start();
    const workflowIds: string[] = [];
    for await (const w of client.workflow.list({ query: 'SettlePaymentReference="PAY-1001"' }))
      workflowIds.push(`${w.workflowId} ${w.status.name}`);
    expect(workflowIds).toEqual([expect.stringMatching(/^payment:PAY-1001:capture:.* COMPLETED$/)]);
    const again = await capture('PAY-AFTER-RESTART');
    await expectSettledOnce(again, 'PAY-AFTER-RESTART');
  });
});
