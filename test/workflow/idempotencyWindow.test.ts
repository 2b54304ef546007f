import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ActivityFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import {
  createActivities,
  type ExecuteProviderCommandInput,
  type FetchProviderStatusInput,
  type ReportOutcomeInput,
} from '../../activities';
import { listen, type RunningServer } from '../../config/server';
import { parseSchedule, type SettlementPolicy } from '../../domain/settlement';
import { notificationMethod } from '../../oms/mib/methods';
import { GatewayProvider } from '../../providers/gateway';
import { ProviderRegistry } from '../../providers/registry';
import { createGatewaySimulator, type GatewaySimulator } from '../../sim/gateway/server';
import { statusQuery } from '../../workflows/messages';
import { capturedAuthorization } from '../helpers/gatewaySetUp';
import { paymentWorkflowHarness } from '../helpers/paymentWorkflowHarness';
import { createTimeSkippingEnv, eventually, prebuiltBundle } from '../helpers/temporal';

/**
 * A refund whose answer is lost, and then days of failures while the gateway simulator forgets the refund's
 * idempotency key (24 hours, as Stripe): on the time-skipping server, with the real activities, the real
 * gateway adapter and the simulator. The gateway must show exactly one refund, whatever happens.
 */
describe('money calls beyond the idempotency key (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  const h = paymentWorkflowHarness(() => env);
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const apiKey = 'key-12345678';
  let sim: GatewaySimulator;
  let gateway: RunningServer;
  let provider: GatewayProvider;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    sim = createGatewaySimulator({ apiKey, webhookSecret: 'hook-secret-1', control: { mode: 'immediate' } });
    gateway = await listen(sim.app, 0);
    provider = new GatewayProvider({ baseUrl: gateway.url, apiKey, webhookSecret: 'hook-secret-1' });
  });
  afterAll(async () => {
    sim?.stop();
    await gateway?.close();
    await env?.teardown();
  });
  beforeEach(() => {
    h.reset();
    Object.assign(sim.control, { failing: false, loseAnswerNext: 0 });
  });

  const polling: SettlementPolicy = {
    pollScheduleMs: parseSchedule('1m,5m,15m,1h,6h'),
    statusApi: true,
    deadlineMs: 60 * DAY,
  };
  /** An authorization captured twice the refund: a second refund would go through. */
  const captured = () => capturedAuthorization(gateway.url, apiKey, 9980);
  const refundsOf = (workflowId: string) =>
    [...sim.operations.values()].filter(
      (operation) => operation.object === 'refund' && operation.metadata.workflow_id === workflowId,
    );

  /**
   * A worker with the real provider activities (WORKER_PROVIDER_RETRY_LIMIT `retryLimitMs`), `before` run
   * ahead of each provider attempt with the workflow time since `started`, and MIB's report recorded.
   */
  async function withWorker<T>(
    retryLimitMs: number,
    before: (elapsedMs: number) => void,
    run: () => Promise<T>,
  ): Promise<T> {
    const real = createActivities({
      providers: new ProviderRegistry([provider], 'gateway'),
      reporters: {},
      providerRetryLimitMs: retryLimitMs,
    });
    const started = await env.currentTimeMs();
    const tick = async () => before((await env.currentTimeMs()) - started);
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: h.taskQueue,
      ...prebuiltBundle,
      activities: {
        executeProviderCommand: async (input: ExecuteProviderCommandInput) => {
          await tick();
          return real.executeProviderCommand(input);
        },
        fetchProviderStatus: async (input: FetchProviderStatusInput) => {
          await tick();
          h.statusChecks.push(input);
          return real.fetchProviderStatus(input);
        },
        inspectAuthorization: real.inspectAuthorization,
        reportOutcome: async (report: ReportOutcomeInput) => {
          h.notifications.push(report);
          return notificationMethod(report.command, report.result.outcome === 'settled');
        },
      },
    });
    return worker.runUntil(run);
  }

  /** Starts a refund whose answer the gateway loses after making it, and waits for the refund to exist. */
  async function refundWithLostAnswer(workflowId: string, settlement: SettlementPolicy) {
    const transactionId = await captured();
    sim.control.loseAnswerNext = 1;
    const handle = await h.start(workflowId, { command: 'refund', transactionId, settlement });
    await eventually(async () => (refundsOf(workflowId).length > 0 ? true : undefined), 60_000, 'the refund');
    return handle;
  }

  it('a lost refund answer, then 30 days of failures: exactly one refund, and the command stops with the reason', async () => {
    const workflowId = 'wf-refund-30-days-of-failures';
    const ended = await withWorker(
      30 * DAY,
      (elapsed) => {
        // Every request fails from the lost answer on; meanwhile the gateway forgets the key.
        sim.control.failing = refundsOf(workflowId).length > 0;
        if (elapsed > DAY) sim.expireIdempotencyKeys();
      },
      async () => {
        const handle = await refundWithLostAnswer(workflowId, polling);
        // Stuck, the command waits for an operator; time skips while its result is awaited, so the race ends
        // either when the status shows it stuck or when the test server closes the run it skipped past.
        // Once the race is over the poll stops, so that no query outlives the test's server.
        let raceOver = false;
        const stopped = await Promise.race([
          handle.result().then(
            () => 'completed',
            (error: unknown) => error,
          ),
          eventually(
            async () =>
              raceOver || (await handle.query(statusQuery)).phase === 'stuck' ? 'stuck' : undefined,
            550_000,
            'the command to stop',
          ),
        ]);
        raceOver = true;
        const status = await handle.query(statusQuery);
        // The test server may close the run it skips past meanwhile: then there is nothing left to end.
        if (stopped === 'stuck')
          await handle.terminate('the test is over').catch((error: unknown) => {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          });
        return { stopped, status };
      },
    );
    sim.control.failing = false;
    expect(refundsOf(workflowId)).toHaveLength(1);
    expect(h.statusChecks.length).toBeGreaterThan(1);
    expect(ended.stopped).not.toBe('completed');
    // Never failed with the activity's failure: the reason is the operator's to read, the payment still open.
    const failure = ended.stopped instanceof WorkflowFailedError ? ended.stopped.cause : undefined;
    expect(failure).not.toBeInstanceOf(ActivityFailure);
    expect(ended.status).toMatchObject({
      phase: 'stuck',
      stuckReason: expect.stringMatching(
        /^a status request about refund at gateway has failed for 72\dh, past WORKER_PROVIDER_RETRY_LIMIT \(30d\); last error: gateway answered HTTP 503/,
      ),
    });
    expect(h.notifications).toEqual([]);
  }, 600_000);

  it('a lost refund answer, failures for 2 days while the key is forgotten: the refund found, not made again', async () => {
    const workflowId = 'wf-refund-found-after-2-days';
    const result = await withWorker(
      30 * DAY,
      (elapsed) => {
        const made = refundsOf(workflowId).length > 0;
        sim.control.failing = made && elapsed < 2 * DAY;
        if (made && elapsed > DAY) sim.expireIdempotencyKeys();
      },
      async () => (await refundWithLostAnswer(workflowId, polling)).result(),
    );
    expect(refundsOf(workflowId)).toHaveLength(1);
    expect(result).toEqual({
      outcome: 'settled',
      reported: 'magento.payments.payments_management.notify_refunded',
      operationId: refundsOf(workflowId)[0]!.id,
    });
  }, 300_000);

  it('an unknown outcome at a webhook-only provider, sent again after a day of failures: asked first, never made twice', async () => {
    const workflowId = 'wf-refund-resent-after-a-day';
    // Without a status API the command goes out again after an unknown outcome; its attempts fail for 25 hours,
    // longer than the gateway keeps the key.
    const result = await withWorker(
      30 * DAY,
      (elapsed) => {
        const made = refundsOf(workflowId).length > 0;
        sim.control.failing = made && elapsed < 25 * HOUR;
        if (made && elapsed > DAY) sim.expireIdempotencyKeys();
      },
      async () => (await refundWithLostAnswer(workflowId, { ...polling, statusApi: false })).result(),
    );
    expect(refundsOf(workflowId)).toHaveLength(1);
    expect(result).toMatchObject({ outcome: 'settled', operationId: refundsOf(workflowId)[0]!.id });
    expect(h.statusChecks).toEqual([]);
  }, 300_000);
});
