import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { localDefaults } from '../../config';
import { listen, type RunningServer } from '../../config/server';
import { parseSchedule, type SettlementPolicy } from '../../domain/settlement';
import { createMibReporter } from '../../oms/mib/reporter';
import type { MibReplyContext } from '../../oms/mib/payment';
import { GatewayProvider } from '../../providers/gateway';
import type { ProviderResult } from '../../providers/types';
import { createGatewaySimulator, type GatewaySimulator } from '../../sim/gateway/server';
import { createMibSimulator, type MibSimulator } from '../../sim/mib/server';
import { createMibClient } from '../../oms/mib/client';
import { providerEventSignal, recheckSignal, resolveUpdate, statusQuery } from '../../workflows/messages';
import { paymentWorkflowHarness } from '../helpers/paymentWorkflowHarness';
import { createTimeSkippingEnv, eventually } from '../helpers/temporal';

/**
 * Settlements that take days, outages that take hours, answers that get lost: on the time-skipping server,
 * with the provider and MIB activities answering what each test sets (or, for the outages, the real
 * gateway and MIB simulators behind the real adapter and client).
 */
describe('settlement (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  const h = paymentWorkflowHarness(() => env);
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  beforeEach(() => h.reset());

  const polling = (extra: Partial<SettlementPolicy> = {}): SettlementPolicy => ({
    pollScheduleMs: parseSchedule('1m,5m,15m,1h,6h'),
    statusApi: true,
    deadlineMs: 14 * DAY,
    ...extra,
  });
  const webhookOnly = (extra: Partial<SettlementPolicy> = {}): SettlementPolicy => ({
    ...polling(extra),
    statusApi: false,
  });
  const pending = (operationId: string): ProviderResult => ({
    outcome: 'pending',
    operationId,
    status: 'pending',
  });
  const settled = (operationId: string): ProviderResult => ({
    outcome: 'settled',
    operationId,
    status: 'succeeded',
  });
  const NS = 'magento.payments.payments_management';
  /** A provider's status API whose operation settles `after` ms of workflow time; remembers its last check. */
  const settlingAfter = (started: number, after: number, operationId: string) => {
    const clock = {
      lastCheck: started,
      status: async () => {
        clock.lastCheck = await env.currentTimeMs();
        return clock.lastCheck - started >= after ? settled(operationId) : pending(operationId);
      },
    };
    return clock;
  };

  it('settles a refund by polling after 10 days', async () => {
    const started = await env.currentTimeMs();
    h.answer = async () => pending('ref_1');
    const settlesAfter = settlingAfter(started, 10 * DAY, 'ref_1');
    h.status = settlesAfter.status;
    const result = await h.withWorker(async () =>
      (await h.start('wf-refund-10-days', { command: 'refund', settlement: polling() })).result(),
    );
    expect(result).toEqual({
      outcome: 'settled',
      reported: `${NS}.notify_refunded`,
      operationId: 'ref_1',
    });
    const elapsed = settlesAfter.lastCheck - started;
    expect(elapsed).toBeGreaterThanOrEqual(10 * DAY);
    expect(elapsed).toBeLessThan(10 * DAY + 6 * HOUR + HOUR);
    // 1m, 5m, 15m, 1h, then every 6 hours: 4 checks in the first 81 minutes and 4 a day after.
    expect(h.statusChecks.length).toBeGreaterThan(40);
    expect(h.statusChecks.length).toBeLessThan(46);
    expect(new Set(h.statusChecks.map((check) => check.operationId))).toEqual(new Set(['ref_1']));
    expect(h.executions).toHaveLength(1);
  });

  it('finds a refund whose webhook never comes by polling, at the next scheduled check', async () => {
    const started = await env.currentTimeMs();
    h.answer = async () => pending('ref_2');
    const settlesAfter = settlingAfter(started, 2 * HOUR, 'ref_2');
    h.status = settlesAfter.status;
    await h.withWorker(async () => {
      const handle = await h.start('wf-no-webhook', { command: 'refund', settlement: polling() });
      expect((await handle.result()).reported).toBe(`${NS}.notify_refunded`);
      const { timeline } = await handle.query(statusQuery);
      expect(timeline.filter((entry) => entry.what.startsWith('webhook'))).toEqual([]);
    });
    // Checks at 1m, 6m, 21m, 1h21m (pending), then 7h21m (settled).
    expect(h.statusChecks).toHaveLength(5);
    expect(settlesAfter.lastCheck - started).toBeGreaterThan(7 * HOUR);
    expect(settlesAfter.lastCheck - started).toBeLessThan(8 * HOUR);
  });

  it('marks a capture stuck past its deadline, keeps waiting, and notifies what an operator resolves', async () => {
    h.answer = async () => pending('cap_stuck');
    await h.withWorker(async () => {
      const handle = await h.start('wf-deadline', { settlement: webhookOnly({ deadlineMs: 7 * DAY }) });
      await env.sleep('6 days');
      expect((await handle.query(statusQuery)).phase).toBe('awaiting_settlement');
      await env.sleep('2 days');
      const stuck = await handle.query(statusQuery);
      expect(stuck).toMatchObject({
        phase: 'stuck',
        stuckReason: 'no outcome from the provider by the deadline',
        operationId: 'cap_stuck',
      });
      expect((await handle.describe()).searchAttributes.SettlePhase).toEqual(['stuck']);
      expect(h.notifications).toHaveLength(0);

      // Refused where it makes no sense: no operator named, an outcome that is not final.
      const refused = (request: object) =>
        handle.executeUpdate(resolveUpdate, { args: [request as never] }).catch((error: unknown) => error);
      const anonymous = await refused({ outcome: 'settled', reason: 'bank statement', operator: ' ' });
      expect(anonymous).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((anonymous as Error).cause)).toContain('the operator must be named');
      expect(await refused({ outcome: 'pending', reason: 'x', operator: 'ana' })).toBeInstanceOf(
        WorkflowUpdateFailedError,
      );

      const resolved = await handle.executeUpdate(resolveUpdate, {
        args: [{ outcome: 'settled', reason: 'funds seen on the bank statement', operator: 'ana' }],
      });
      expect(resolved.resolution).toMatchObject({ outcome: 'settled', operator: 'ana' });
      expect(await handle.result()).toMatchObject({
        outcome: 'settled',
        reported: `${NS}.notify_captured`,
      });
      // A finished payment takes no resolution at all.
      const again = await refused({ outcome: 'declined', reason: 'changed my mind', operator: 'bo' });
      expect(again).toBeInstanceOf(WorkflowNotFoundError);
    });
    expect(h.notifications).toHaveLength(1);
    expect(h.notifications[0]!.result).toMatchObject({ outcome: 'settled', status: 'resolved_by_operator' });
  });

  it('asks the provider before an operator declines: refused while it is pending, and the settled answer taken instead', async () => {
    h.answer = async () => pending('cap_ask');
    let answer = pending('cap_ask');
    h.status = async () => answer;
    await h.withWorker(async () => {
      const handle = await h.start('wf-ask-first', {
        settlement: polling({ pollScheduleMs: [30 * DAY], deadlineMs: DAY }),
      });
      await env.sleep('2 days');
      expect((await handle.query(statusQuery)).phase).toBe('stuck');
      const decline = {
        outcome: 'declined',
        reason: 'the customer says it failed',
        operator: 'ana',
      } as const;
      const pendingRefusal = await handle
        .executeUpdate(resolveUpdate, { args: [decline] })
        .catch((error: unknown) => error);
      expect(pendingRefusal).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((pendingRefusal as Error).cause)).toContain(
        'the provider still has the capture pending (status pending) and may yet settle it; resolve as declined with force only if you know it will not',
      );
      expect((await handle.query(statusQuery)).resolution).toBeUndefined();
      expect(h.statusChecks).toHaveLength(1);

      answer = settled('cap_ask');
      const settledRefusal = await handle
        .executeUpdate(resolveUpdate, { args: [{ ...decline, force: true }] })
        .catch((error: unknown) => error);
      expect(String((settledRefusal as Error).cause)).toContain(
        'the provider says the capture settled (status succeeded): the payment reports it as settled instead',
      );
      expect((await handle.result()).reported).toBe(`${NS}.notify_captured`);
    });
    expect(h.notifications.map((n) => n.result)).toEqual([
      { provider: 'gateway', outcome: 'settled', operationId: 'cap_ask', status: 'succeeded' },
    ]);
  });

  it('declines a payment the provider still has pending only when the operator forces it', async () => {
    h.answer = async () => pending('cap_force');
    h.status = async () => pending('cap_force');
    await h.withWorker(async () => {
      const handle = await h.start('wf-force', {
        settlement: polling({ pollScheduleMs: [30 * DAY], deadlineMs: DAY }),
      });
      await env.sleep('2 days');
      const resolved = await handle.executeUpdate(resolveUpdate, {
        args: [
          { outcome: 'declined', reason: 'the gateway confirmed it is dead', operator: 'ana', force: true },
        ],
      });
      expect(resolved.resolution).toMatchObject({ outcome: 'declined', force: true });
      expect((await handle.result()).reported).toBe(`${NS}.notify_capture_failed`);
      const { timeline } = await handle.query(statusQuery);
      expect(timeline.map((entry) => entry.what)).toEqual(
        expect.arrayContaining([
          'status check before resolving: pending (pending)',
          'resolved as declined (forced) by ana: the gateway confirmed it is dead',
        ]),
      );
    });
    expect(h.statusChecks).toHaveLength(1);
  });

  it('makes a status check that fails beyond retrying stuck, and asks again on a recheck', async () => {
    h.answer = async () => pending('cap_sf');
    let failures = 1;
    h.status = async () => {
      if (failures-- > 0)
        throw ApplicationFailure.nonRetryable('the status answer is unreadable', 'Unexpected');
      return settled('cap_sf');
    };
    await h.withWorker(async () => {
      const handle = await h.start('wf-status-fails', { settlement: polling() });
      await env.sleep('2 minutes');
      const stuck = await eventually(async () => {
        const status = await handle.query(statusQuery);
        return status.phase === 'stuck' ? status : undefined;
      });
      expect(stuck.stuckReason).toBe('the status answer is unreadable');
      expect((await handle.describe()).searchAttributes.SettleStuckReason).toEqual([
        'asking the provider for the outcome failed (Unexpected)',
      ]);
      // Hours pass: no status check goes out by itself while it is stuck on the failure.
      await env.sleep('1 day');
      expect(h.statusChecks).toHaveLength(1);
      await handle.signal(recheckSignal);
      expect((await handle.result()).reported).toBe(`${NS}.notify_captured`);
    });
    expect(h.statusChecks).toHaveLength(2);
    expect(h.executions).toHaveLength(1);
  });

  it('re-asks an unknown outcome and ends settled, never failed by guesswork', async () => {
    // The gateway acted but its answer was lost: the status request by idempotency key finds the capture.
    h.answer = async () => ({ outcome: 'unknown', status: 'no_answer', reason: 'socket closed' });
    h.status = async (query) => (query.operationId ? undefined : settled('cap_found'));
    const result = await h.withWorker(async () =>
      (await h.start('wf-unknown', { settlement: polling() })).result(),
    );
    expect(result).toEqual({
      outcome: 'settled',
      reported: `${NS}.notify_captured`,
      operationId: 'cap_found',
    });
    expect(h.executions).toHaveLength(1);
    // Asked by the idempotency key: with no answer, Settle had no operation id to ask about.
    expect(h.statusChecks).toHaveLength(1);
    expect(h.statusChecks[0]).toMatchObject({ idempotencyKey: 'wf-unknown' });
    expect(h.statusChecks[0]!.operationId).toBeUndefined();
  });

  it('sends an unknown command again when the provider has no record of it, with the same key', async () => {
    let calls = 0;
    h.answer = async () =>
      ++calls === 1 ? { outcome: 'unknown', status: 'no_answer' } : settled('cap_again');
    h.status = async () => undefined;
    await h.withWorker(async () => (await h.start('wf-unknown-resend', { settlement: polling() })).result());
    expect(h.executions.map((e) => e.idempotencyKey)).toEqual(['wf-unknown-resend', 'wf-unknown-resend']);
  });

  it('re-asks an unknown outcome at a webhook-only provider by sending the command again', async () => {
    let calls = 0;
    h.answer = async () => (++calls === 1 ? { outcome: 'unknown', status: 'no_answer' } : pending('cap_w'));
    await h.withWorker(async () => {
      const handle = await h.start('wf-unknown-webhook', { settlement: webhookOnly() });
      await env.sleep('2 minutes');
      await handle.signal(providerEventSignal, {
        workflowId: 'wf-unknown-webhook',
        eventId: 'evt_w',
        ...settled('cap_w'),
        operationId: 'cap_w',
        outcome: 'settled',
      });
      expect((await handle.result()).outcome).toBe('settled');
    });
    expect(h.executions).toHaveLength(2);
    expect(h.statusChecks).toHaveLength(0);
  });

  it('counts one transition however often a webhook is delivered', async () => {
    h.answer = async () => pending('cap_dup');
    await h.withWorker(async () => {
      const handle = await h.start('wf-dup-webhooks', { settlement: webhookOnly() });
      const event = { workflowId: 'wf-dup-webhooks', eventId: 'evt_dup', operationId: 'cap_dup' };
      await env.sleep('1 hour');
      for (let i = 0; i < 3; i++)
        await handle.signal(providerEventSignal, { ...event, outcome: 'settled', status: 'succeeded' });
      await handle.signal(providerEventSignal, {
        ...event,
        eventId: 'evt_late',
        outcome: 'declined',
        status: 'failed',
      });
      expect((await handle.result()).outcome).toBe('settled');
      const { timeline } = await handle.query(statusQuery);
      expect(timeline.filter((entry) => entry.what.startsWith('webhook'))).toHaveLength(1);
    });
    expect(h.notifications).toHaveLength(1);
  });

  it('asks the provider at once when an operator wants a recheck', async () => {
    h.answer = async () => pending('cap_re');
    let settledNow = false;
    h.status = async () => (settledNow ? settled('cap_re') : pending('cap_re'));
    await h.withWorker(async () => {
      const handle = await h.start('wf-recheck', { settlement: polling({ pollScheduleMs: [DAY] }) });
      await env.sleep('1 hour');
      expect(h.statusChecks).toHaveLength(0);
      settledNow = true;
      await handle.signal(recheckSignal);
      expect((await handle.result()).outcome).toBe('settled');
    });
    expect(h.statusChecks).toHaveLength(1);
  });

  it('lets a cancel that arrives while the capture call is in flight wait for it', async () => {
    let finishCapture!: () => void;
    const captureFinished = new Promise<void>((done) => (finishCapture = done));
    const order: string[] = [];
    h.answer = async (request) => {
      order.push(`${request.command} starts`);
      if (request.command === 'capture') await captureFinished;
      order.push(`${request.command} ends`);
      return settled(`${request.command}_1`);
    };
    const reference = h.input('PAY-SERIAL').reference;
    await h.withWorker(async () => {
      const capture = await h.start('wf-serial-capture', { reference });
      while (h.executions.length === 0) await new Promise((done) => setTimeout(done, 20));
      const cancel = await h.start('wf-serial-cancel', { command: 'cancel', reference });
      // Once the cancel has run its first task, give it time to (wrongly) start before the capture ends.
      await eventually(
        async () =>
          ((await cancel.fetchHistory()).events ?? []).find(
            (event) => event.workflowTaskCompletedEventAttributes,
          ),
        undefined,
        "the cancel's first workflow task",
      );
      await new Promise((done) => setTimeout(done, 1500));
      expect(order).toEqual(['capture starts']);
      expect((await cancel.query(statusQuery)).phase).toBe('executing');
      finishCapture();
      await capture.result();
      await cancel.result();
    });
    expect(order).toEqual(['capture starts', 'capture ends', 'cancel starts', 'cancel ends']);
  });

  it('refuses to resolve a command that is stuck waiting for its turn: it has yet to act', async () => {
    let finishCapture!: () => void;
    const captureFinished = new Promise<void>((done) => (finishCapture = done));
    h.answer = async (request) => {
      if (request.command === 'capture') await captureFinished;
      return settled(`${request.command}_1`);
    };
    const reference = h.input('PAY-QUEUED').reference;
    await h.withWorker(async () => {
      const capture = await h.start('wf-queued-capture', { reference });
      while (h.executions.length === 0) await new Promise((done) => setTimeout(done, 20));
      const cancel = await h.start('wf-queued-cancel', {
        command: 'cancel',
        reference,
        settlement: webhookOnly({ deadlineMs: 500 }),
      });
      while ((await cancel.query(statusQuery)).phase !== 'stuck')
        await new Promise((done) => setTimeout(done, 50));
      expect((await cancel.query(statusQuery)).stuckReason).toBe(
        "still waiting for the payment's other command to finish at the provider by the deadline",
      );
      const refused = await cancel
        .executeUpdate(resolveUpdate, { args: [{ outcome: 'declined', reason: 'give up', operator: 'ana' }] })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((refused as Error).cause)).toContain('has not had its provider answer yet');
      finishCapture();
      await capture.result();
      expect((await cancel.result()).reported).toBe(`${NS}.notify_cancelled`);
    });
  });

  it('polls for 30 days well inside history limits, continuing as new with all its state', async () => {
    const started = await env.currentTimeMs();
    h.answer = async () => pending('ref_30');
    h.status = settlingAfter(started, 30 * DAY, 'ref_30').status;
    await h.withWorker(async () => {
      const handle = await h.start('wf-30-days', {
        command: 'refund',
        settlement: polling({ deadlineMs: 40 * DAY, historyEventsBeforeContinue: 300 }),
      });
      expect((await handle.result()).reported).toBe(`${NS}.notify_refunded`);
      const last = await handle.describe();
      // The chain continued as new several times; each run stayed small.
      expect(last.runId).not.toBe(last.raw.workflowExecutionInfo?.firstRunId);
      expect(last.historyLength).toBeLessThan(400);
      const status = await handle.query(statusQuery);
      expect(status.attempts.statusChecks).toBe(h.statusChecks.length);
      expect(status.timeline.some((entry) => entry.what === 'acting at the provider')).toBe(true);
    });
    expect(h.statusChecks.length).toBeGreaterThan(120);
    expect(h.executions).toHaveLength(1);
    expect(h.notifications).toHaveLength(1);
  });

  it('still shows, after 20 days of polling, when it started, what the provider first answered and when it became stuck', async () => {
    const started = await env.currentTimeMs();
    h.answer = async () => pending('ref_20');
    h.status = async () => pending('ref_20');
    await h.withWorker(async () => {
      const handle = await h.start('wf-20-days', {
        command: 'refund',
        settlement: polling({
          pollScheduleMs: [HOUR],
          deadlineMs: 7 * DAY,
          historyEventsBeforeContinue: 300,
        }),
      });
      await env.sleep('20 days');
      const { timeline } = await handle.query(statusQuery);
      // 480 hourly checks: far more than the timeline keeps.
      expect(h.statusChecks.length).toBeGreaterThan(450);
      expect(timeline.length).toBeLessThanOrEqual(201);
      expect(timeline[0]).toMatchObject({ what: 'acting at the provider' });
      expect(Date.parse(timeline[0]!.at)).toBeLessThan(started + HOUR);
      expect(timeline).toContainEqual(
        expect.objectContaining({ what: 'provider answered pending (pending)' }),
      );
      const stuck = timeline.find((entry) => entry.what.startsWith('stuck: no outcome'))!;
      expect(Date.parse(stuck.at) - started).toBeGreaterThanOrEqual(7 * DAY);
      expect(Date.parse(stuck.at) - started).toBeLessThan(7 * DAY + HOUR);
      expect(timeline.some((entry) => /entries dropped/.test(entry.what))).toBe(true);
      // The latest checks are there too.
      expect(Date.parse(timeline.at(-1)!.at) - started).toBeGreaterThan(19 * DAY);
      h.status = async () => settled('ref_20');
      await handle.signal(recheckSignal);
      expect((await handle.result()).reported).toBe(`${NS}.notify_refunded`);
    });
    // Hundreds of status checks in workflow time: seconds idle, longer on a busy machine.
  }, 300_000);

  describe('outages, against the real simulators', () => {
    let gatewaySim: GatewaySimulator;
    let mibSim: MibSimulator;
    let servers: RunningServer[];
    const defaults = localDefaults();
    beforeAll(async () => {
      gatewaySim = createGatewaySimulator({
        apiKey: defaults.GATEWAY_API_KEY,
        webhookSecret: defaults.GATEWAY_WEBHOOK_SECRET,
        control: { mode: 'immediate' },
      });
      mibSim = createMibSimulator({
        clientId: defaults.MOM_CLIENT,
        clientSecret: defaults.SERVICE_BUS_SECRET,
      });
      servers = [await listen(gatewaySim.app, 0), await listen(mibSim.app, 0)];
    });
    afterAll(async () => {
      gatewaySim.stop();
      for (const server of servers) await server.close();
    });

    it('retries a gateway answering 503 for 2 hours, and the gateway records one capture for the key', async () => {
      const gateway = new GatewayProvider({
        baseUrl: servers[0]!.url,
        apiKey: defaults.GATEWAY_API_KEY,
        webhookSecret: defaults.GATEWAY_WEBHOOK_SECRET,
      });
      // A local attempt, then the activity's retries, backoff 1 s doubling to 5 min: 33 failed attempts
      // span a little over 2 hours.
      Object.assign(gatewaySim.control, { failNext: 33, failStatus: 503 });
      const started = await env.currentTimeMs();
      let lastAttempt = started;
      h.answer = async (request) => {
        lastAttempt = await env.currentTimeMs();
        return gateway.execute(request);
      };
      const result = await h.withWorker(async () =>
        (await h.start('wf-gateway-down', { settlement: polling() })).result(),
      );
      expect(result.outcome).toBe('settled');
      expect(lastAttempt - started).toBeGreaterThanOrEqual(2 * HOUR);
      expect(lastAttempt - started).toBeLessThan(3 * HOUR);
      expect(h.executions).toHaveLength(34);
      const calls = gatewaySim.calls.filter((call) => call.idempotencyKey === 'wf-gateway-down');
      expect(calls.map((call) => call.replayed)).toEqual([false]);
      const captures = [...gatewaySim.operations.values()].filter(
        (operation) => operation.metadata.workflow_id === 'wf-gateway-down',
      );
      expect(captures).toHaveLength(1);
    });

    it('delivers the notification once after MIB was unreachable for 6 hours', async () => {
      const mib = createMibClient({
        ...defaults,
        MIB_BASE_URL: servers[1]!.url,
        MIB_TOKEN_URL: `${servers[1]!.url}/oauth/token`,
      } as never);
      // Backoff 1 s doubling to 10 min: 45 failed attempts span a little over 6 hours.
      Object.assign(mibSim.faults, { failNext: 45, failStatus: 503 });
      h.answer = async () => settled('cap_mib');
      const started = await env.currentTimeMs();
      let lastAttempt = started;
      h.deliver = async (n) => {
        lastAttempt = await env.currentTimeMs();
        await createMibReporter(mib).report({ ...n, context: n.reply.context as MibReplyContext });
      };
      await h.withWorker(async () => (await h.start('wf-mib-down', { settlement: polling() })).result());
      expect(lastAttempt - started).toBeGreaterThanOrEqual(6 * HOUR);
      expect(lastAttempt - started).toBeLessThan(7 * HOUR);
      const received = mibSim.notifications.filter((n) => String(n.id).startsWith('wf-mib-down:'));
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ method: `${NS}.notify_captured`, duplicate: false });
    });
  });
});
