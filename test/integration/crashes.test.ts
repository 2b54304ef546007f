import type { Client } from '@temporalio/client';
import type { GatewaySimulator } from '../../sim/gateway/server';
import type { MibSimulator } from '../../sim/mib/server';
import { captureThroughMib } from '../helpers/mibCommands';
import { retryNotificationSignal, statusQuery } from '../../workflows/messages';
import { freePort } from '../../config/server';
import { killHard, type SettleProcess } from '../helpers/processes';
import { startProcessStack, type ProcessStack } from '../helpers/stacks';
import { eventually } from '../helpers/temporal';

/**
 * What survives what, with every part real and in its own process: the Temporal dev server (`temporal server
 * start-dev` on a SQLite file), the worker and the API as `npm run worker` and `npm run api` run them, each in
 * one process, and the simulators in the test process. A worker killed with SIGKILL between the gateway acting and its
 * answer, and a dev server stopped and started again while a capture waits for its webhook, each end with
 * one capture at the gateway and one notification at MIB. The worker's Prometheus endpoint counts a stuck
 * payment.
 */
describe('crashes on a real dev server', () => {
  jest.setTimeout(120_000);
  let settle: ProcessStack;
  let mibSim: MibSimulator;
  let gatewaySim: GatewaySimulator;
  let metricsPort: number;
  let worker: SettleProcess;
  let api: SettleProcess;
  let client: Client;

  beforeAll(async () => {
    metricsPort = await freePort();
    settle = await startProcessStack({ name: 'crashes', env: { METRICS_PORT: String(metricsPort) } });
    ({ mibSim, gatewaySim } = settle.simulators);
    client = settle.client;
    [worker, api] = await Promise.all([settle.startWorker(), settle.startApi()]);
  });
  afterAll(async () => {
    await settle?.stop();
  });

  const capture = (reference: string) =>
    captureThroughMib(settle.apiUrl, settle.env.MIB_INTAKE_SECRET!, reference);

  const operationsOf = (workflowId: string) =>
    [...gatewaySim.operations.values()].filter((op) => op.metadata.workflow_id === workflowId);
  const callsOf = (workflowId: string) =>
    gatewaySim.calls.filter((call) => call.idempotencyKey === workflowId);
  const notificationsOf = (reference: string) =>
    mibSim.notifications.filter(
      (n) => (n.params as { payment: { reference: string } }).payment.reference === reference,
    );

  /** One capture at the gateway, acted on once, and one notify_captured at MIB, after the workflow has ended. */
  async function expectOneCaptureAndOneNotification(workflowId: string, reference: string) {
    expect(await client.workflow.getHandle(workflowId).result()).toMatchObject({ outcome: 'settled' });
    expect(operationsOf(workflowId)).toEqual([expect.objectContaining({ object: 'capture', amount: 2500 })]);
    expect(callsOf(workflowId).filter((call) => !call.replayed && !call.inUse)).toHaveLength(1);
    expect(notificationsOf(reference).map((n) => n.method)).toEqual([
      'magento.payments.payments_management.notify_captured',
    ]);
  }

  it('a worker killed after the gateway acted, before it answered: one capture, one notification', async () => {
    // The gateway captures at once but answers 20 s later: the worker dies waiting for the answer.
    Object.assign(gatewaySim.control, { mode: 'immediate', answerDelayMs: 20_000 });
    const workflowId = await capture('PAY-KILL');
    await eventually(
      async () => (operationsOf(workflowId).length > 0 ? true : undefined),
      60_000,
      'the capture at the gateway',
    );
    await killHard(worker);
    gatewaySim.control.answerDelayMs = 0;
    worker = await settle.startWorker();
    // The activity's heartbeat times out (10 s); its retry on the new worker sends the capture again with the
    // same idempotency key. Until the first request is answered the gateway refuses the key as in use (409
    // idempotency_key_in_use, retried), then it answers with the capture it already made.
    await expectOneCaptureAndOneNotification(workflowId, 'PAY-KILL');
    const answered = callsOf(workflowId).filter((call) => !call.inUse);
    expect(answered.map((call) => call.replayed)).toEqual([false, true]);
  });

  it('a dev server stopped and started again while a capture waits for its webhook: one capture, one notification', async () => {
    // The gateway holds the webhook until the server is down, then sends it. A delivery without an answer
    // within 1 s has failed, and the gateway sends it again 1 s, 2 s, 4 s… later (six deliveries in all).
    Object.assign(gatewaySim.control, {
      mode: 'pending',
      holdWebhooks: true,
      webhookDelayMs: 10,
      webhookTimeoutMs: 1000,
    });
    const workflowId = await capture('PAY-OUTAGE');
    const handle = client.workflow.getHandle(workflowId);
    await eventually(async () =>
      (await handle.query(statusQuery)).phase === 'awaiting_settlement' ? true : undefined,
    );
    const [operation] = operationsOf(workflowId);
    await settle.temporal.stop();
    await settle.setGateway({ holdWebhooks: false });
    const deliveries = () => gatewaySim.webhooks.filter((w) => w.operationId === operation!.id);
    // While Temporal is down the API cannot record the event and answers nothing: two deliveries fail.
    await eventually(async () => (deliveries().length >= 2 ? true : undefined), 60_000, 'two deliveries');
    expect(deliveries().map((delivery) => delivery.status)).toEqual(['network-error', 'network-error']);

    await settle.temporal.start();
    // The same worker and API processes carry on. The event reaches the workflow through the API's signal
    // call, which kept retrying while the server was down, or through a redelivery (a duplicate is dropped).
    await expectOneCaptureAndOneNotification(workflowId, 'PAY-OUTAGE');
    // The gateway stops redelivering once a delivery is acknowledged.
    await eventually(
      async () => (deliveries().at(-1)!.status === 200 ? true : undefined),
      60_000,
      'an acknowledged delivery',
    );
    expect([worker.child.exitCode, api.child.exitCode]).toEqual([null, null]);
  });

  it('a stuck payment is counted in the worker’s Prometheus metrics as settle_payments_stuck', async () => {
    gatewaySim.control.mode = 'immediate';
    Object.assign(mibSim.faults, { failNext: 1, failStatus: 400 });
    const workflowId = await capture('PAY-STUCK');
    const handle = client.workflow.getHandle(workflowId);
    await eventually(async () => ((await handle.query(statusQuery)).phase === 'stuck' ? true : undefined));
    // The workflow's counter goes out through the SDK runtime's Prometheus exporter, without prefix or suffix.
    const stuckLine =
      /^settle_payments_stuck\{(?=[^}]*command="capture")(?=[^}]*provider="gateway")[^}]*\} 1$/m;
    await eventually(
      async () => {
        const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        return stuckLine.test(metrics) ? true : undefined;
      },
      30_000,
      'settle_payments_stuck 1 at /metrics',
    );
    await handle.signal(retryNotificationSignal);
    expect(await handle.result()).toMatchObject({ outcome: 'settled' });
    expect(notificationsOf('PAY-STUCK')).toHaveLength(1);
  });
});
