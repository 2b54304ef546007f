import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { NON_RETRYABLE } from '../../domain/failures';
import type { AuthorizationState, ProviderEvent } from '../../providers/types';
import {
  providerEventSignal,
  recheckSignal,
  resolveUpdate,
  retryNotificationSignal,
  statusQuery,
} from '../../workflows/messages';
import { paymentWorkflowHarness } from '../helpers/paymentWorkflowHarness';
import { createTimeSkippingEnv, eventually } from '../helpers/temporal';

/**
 * The payment workflow on the time-skipping test server, its activities replaced by functions that record
 * their calls: days of waiting for a webhook pass in moments.
 */
describe('paymentCommandWorkflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  const h = paymentWorkflowHarness(() => env);

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  beforeEach(() => h.reset());

  const settledEvent = (workflowId: string, extra: Partial<ProviderEvent> = {}): ProviderEvent => ({
    workflowId,
    eventId: 'evt_1',
    operationId: 'cap_1',
    outcome: 'settled',
    status: 'succeeded',
    ...extra,
  });

  it('waits three days for the capture webhook, then notifies notify_captured', async () => {
    h.answer = async () => ({ outcome: 'pending', operationId: 'cap_1', status: 'pending' });
    await h.withWorker(async () => {
      const handle = await h.start('wf-3-days');
      await env.sleep('3 days');
      expect(await handle.query(statusQuery)).toMatchObject({
        phase: 'awaiting_settlement',
        operationId: 'cap_1',
      });
      expect(h.notifications).toHaveLength(0);
      await handle.signal(providerEventSignal, settledEvent('wf-3-days'));
      expect(await handle.result()).toEqual({
        outcome: 'settled',
        reported: 'magento.payments.payments_management.notify_captured',
        operationId: 'cap_1',
      });
    });
    expect(h.executions).toEqual([
      {
        provider: 'gateway',
        command: 'capture',
        transactionId: 'auth_7',
        amountMinor: 4990,
        currency: 'EUR',
        idempotencyKey: 'wf-3-days',
        workflowId: 'wf-3-days',
        // When the command may first have reached the provider (its start), and when this call was asked for.
        since: expect.any(Number),
        askedAt: expect.any(Number),
      },
    ]);
    expect(h.executions[0]!.since).toBeLessThanOrEqual(h.executions[0]!.askedAt!);
    expect(h.notifications).toEqual([
      {
        // Stable across retries; the run id keeps a later re-run of a check from looking like a duplicate.
        reportId: expect.stringMatching(/^wf-3-days:[0-9a-f-]{36}$/),
        command: 'capture',
        reply: h.input('wf-3-days').reply,
        result: { provider: 'gateway', outcome: 'settled', operationId: 'cap_1', status: 'succeeded' },
      },
    ]);
  });

  it('notifies notify_capture_failed with the reason when the settlement fails', async () => {
    h.answer = async () => ({ outcome: 'pending', operationId: 'cap_1', status: 'pending' });
    await h.withWorker(async () => {
      const handle = await h.start('wf-failed-settlement');
      await env.sleep('1 day');
      await handle.signal(
        providerEventSignal,
        settledEvent('wf-failed-settlement', {
          outcome: 'declined',
          status: 'failed',
          reason: 'bank_rejected',
        }),
      );
      expect((await handle.result()).reported).toBe(
        'magento.payments.payments_management.notify_capture_failed',
      );
    });
    expect(h.notifications[0]?.result).toEqual({
      provider: 'gateway',
      outcome: 'declined',
      operationId: 'cap_1',
      status: 'failed',
      reason: 'bank_rejected',
    });
  });

  it('notifies at once when the gateway settles or declines in its answer', async () => {
    for (const [outcome, method] of [
      ['settled', 'notify_captured'],
      ['declined', 'notify_capture_failed'],
    ] as const) {
      h.answer = async () => ({
        outcome,
        operationId: 'cap_2',
        status: outcome === 'settled' ? 'succeeded' : 'declined',
      });
      const result = await h.withWorker(async () => (await h.start(`wf-immediate-${outcome}`)).result());
      expect(result.reported).toBe(`magento.payments.payments_management.${method}`);
    }
  });

  it('counts a webhook that arrives before the provider call returns, and only the first event of an operation', async () => {
    let release!: () => void;
    const released = new Promise<void>((done) => (release = done));
    h.answer = async () => {
      await released;
      return { outcome: 'pending', operationId: 'cap_1', status: 'pending' };
    };
    await h.withWorker(async () => {
      const handle = await h.start('wf-early');
      // The first event wins; a redelivery and a later, contradicting event of the same operation are dropped.
      await handle.signal(providerEventSignal, settledEvent('wf-early'));
      await handle.signal(providerEventSignal, settledEvent('wf-early'));
      await handle.signal(
        providerEventSignal,
        settledEvent('wf-early', { eventId: 'evt_later', outcome: 'declined', status: 'failed' }),
      );
      release();
      expect((await handle.result()).outcome).toBe('settled');
    });
    expect(h.notifications).toHaveLength(1);
  });

  it('ignores events of other operations while it waits', async () => {
    h.answer = async () => ({ outcome: 'pending', operationId: 'cap_1', status: 'pending' });
    await h.withWorker(async () => {
      const handle = await h.start('wf-other-op');
      await handle.signal(
        providerEventSignal,
        settledEvent('wf-other-op', { eventId: 'evt_x', operationId: 'cap_other' }),
      );
      await env.sleep('1 hour');
      expect((await handle.query(statusQuery)).phase).toBe('awaiting_settlement');
      await handle.signal(providerEventSignal, settledEvent('wf-other-op'));
      expect((await handle.result()).outcome).toBe('settled');
    });
  });

  it('retries a provider outage until the provider answers', async () => {
    let attempts = 0;
    h.answer = async () => {
      attempts += 1;
      if (attempts < 4) throw new Error('gateway answered HTTP 503');
      return { outcome: 'settled', operationId: 'cap_3', status: 'succeeded' };
    };
    await h.withWorker(async () =>
      expect((await (await h.start('wf-outage')).result()).outcome).toBe('settled'),
    );
    expect(h.executions).toHaveLength(4);
    expect(new Set(h.executions.map((e) => e.idempotencyKey))).toEqual(new Set(['wf-outage']));
  });

  it('makes a request the provider refused stuck with its message, acts again only on a recheck, and reports a resolution', async () => {
    let refusals = 2;
    h.answer = async () => {
      if (refusals-- > 0)
        throw ApplicationFailure.nonRetryable(
          'gateway refused the capture: amount exceeds the authorization',
          NON_RETRYABLE.providerRejected,
        );
      return { outcome: 'pending', operationId: 'cap_r', status: 'pending' };
    };
    await h.withWorker(async () => {
      const handle = await h.start('wf-rejected');
      const stuck = await eventuallyStatus(handle, 'stuck');
      expect(stuck).toMatchObject({
        stuckReason: 'gateway refused the capture: amount exceeds the authorization',
        lastError: 'gateway refused the capture: amount exceeds the authorization',
        waitingFor:
          'an operator to resolve the payment, or to recheck it (acts again with the same idempotency key)',
        nextStep:
          'settle payments resolve wf-rejected --outcome <settled or declined> --reason "<why>" --operator <name>   or   settle payments recheck wf-rejected',
      });
      // The search attribute names the stage and the failure's type, not the provider's words.
      expect((await handle.describe()).searchAttributes).toMatchObject({
        SettlePhase: ['stuck'],
        SettleStuckReason: ['the act at the provider failed (ProviderRejected)'],
      });
      // Days pass: the workflow neither fails nor acts again by itself.
      await env.sleep('3 days');
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(h.executions).toHaveLength(1);
      // A recheck acts again, with the same key; refused again, it is stuck again.
      await handle.signal(recheckSignal);
      await eventually(async () => (h.executions.length === 2 ? true : undefined));
      await eventually(async () => {
        const status = await handle.query(statusQuery);
        return status.phase === 'stuck' && status.attempts.provider === 2 ? status : undefined;
      });
      const resolved = await handle.executeUpdate(resolveUpdate, {
        args: [{ outcome: 'declined', reason: 'the shop lowered the amount', operator: 'ana' }],
      });
      expect(resolved.resolution).toMatchObject({ outcome: 'declined', operator: 'ana' });
      expect((await handle.result()).reported).toBe(
        'magento.payments.payments_management.notify_capture_failed',
      );
      expect((await handle.describe()).searchAttributes.SettleStuckReason).toEqual(['']);
    });
    expect(h.executions.map((e) => e.idempotencyKey)).toEqual(['wf-rejected', 'wf-rejected']);
    expect(h.notifications.map((n) => n.result)).toEqual([
      {
        provider: 'gateway',
        outcome: 'declined',
        status: 'resolved_by_operator',
        reason: 'the shop lowered the amount',
      },
    ]);
  });

  it('makes an unexpected failure stuck too, and acts again after a recheck until the provider answers', async () => {
    let failures = 1;
    h.answer = async () => {
      if (failures-- > 0)
        throw ApplicationFailure.nonRetryable('the adapter cannot read the answer', 'Unexpected');
      return { outcome: 'settled', operationId: 'cap_u', status: 'succeeded' };
    };
    await h.withWorker(async () => {
      const handle = await h.start('wf-unexpected');
      expect(await eventuallyStatus(handle, 'stuck')).toMatchObject({
        stuckReason: 'the adapter cannot read the answer',
      });
      expect((await handle.describe()).searchAttributes.SettleStuckReason).toEqual([
        'the act at the provider failed (Unexpected)',
      ]);
      await handle.signal(recheckSignal);
      expect((await handle.result()).reported).toBe('magento.payments.payments_management.notify_captured');
      const { timeline } = await handle.query(statusQuery);
      expect(timeline.map((entry) => entry.what)).toContain(
        'acting at the provider again with the same idempotency key, as the operator asked',
      );
    });
    expect(h.executions).toHaveLength(2);
  });

  describe('validate and revalidate', () => {
    const check = (command: 'validate' | 'revalidate') => ({ command });
    const authorization = (extra: Partial<AuthorizationState>): AuthorizationState => ({
      transactionId: 'auth_7',
      status: 'authorized',
      validity: 'valid',
      expiresAt: '2026-12-01T00:00:00.000Z',
      ...extra,
    });

    const EXPIRED = authorization({
      status: 'expired',
      validity: 'expired',
      reason: 'authorization_expired',
    });

    it('validates a valid authorization by reading it, and reports its status', async () => {
      h.authorizationState = authorization({});
      const result = await h.withWorker(async () =>
        (await h.start('wf-validate', check('validate'))).result(),
      );
      expect(result.reported).toBe('magento.payments.payments_management.notify_validated');
      expect(h.inspections).toEqual([
        { provider: 'gateway', transactionId: 'auth_7', amountMinor: 4990, currency: 'EUR' },
      ]);
      expect(h.executions).toHaveLength(0);
      expect(h.notifications[0]!.result).toMatchObject({
        outcome: 'settled',
        authorization: { transactionId: 'auth_7', status: 'authorized' },
      });
    });

    it('fails validation of an expired authorization, with the reason, and asks for no new one', async () => {
      h.authorizationState = EXPIRED;
      const result = await h.withWorker(async () =>
        (await h.start('wf-validate-expired', check('validate'))).result(),
      );
      expect(result.reported).toBe('magento.payments.payments_management.notify_validation_failed');
      expect(h.notifications[0]!.result).toMatchObject({
        outcome: 'declined',
        reason: 'authorization_expired',
      });
      expect(h.executions).toHaveLength(0);
    });

    it('revalidates a still valid authorization without a provider action', async () => {
      h.authorizationState = authorization({});
      const result = await h.withWorker(async () =>
        (await h.start('wf-reval', check('revalidate'))).result(),
      );
      expect(result.reported).toBe('magento.payments.payments_management.notify_revalidated');
      expect(h.executions).toHaveLength(0);
    });

    it('replaces an expired authorization with a new one and reports the new transaction', async () => {
      h.authorizationState = EXPIRED;
      h.answer = async () => ({
        outcome: 'settled',
        operationId: 'rea_1',
        status: 'succeeded',
        authorization: { transactionId: 'auth_new', status: 'authorized' },
      });
      const result = await h.withWorker(async () =>
        (await h.start('wf-reval-new', check('revalidate'))).result(),
      );
      expect(result.reported).toBe('magento.payments.payments_management.notify_revalidated');
      expect(h.executions).toEqual([
        expect.objectContaining({
          command: 'revalidate',
          transactionId: 'auth_7',
          idempotencyKey: 'wf-reval-new',
        }),
      ]);
      expect(h.notifications[0]!.result.authorization).toEqual({
        transactionId: 'auth_new',
        status: 'authorized',
      });
    });

    it('fails revalidation when the provider will not authorize again', async () => {
      h.authorizationState = EXPIRED;
      h.answer = async () => ({
        outcome: 'declined',
        operationId: 'rea_2',
        status: 'declined',
        reason: 'card_not_reusable',
      });
      const result = await h.withWorker(async () =>
        (await h.start('wf-reval-no', check('revalidate'))).result(),
      );
      expect(result.reported).toBe('magento.payments.payments_management.notify_revalidation_failed');
      expect(h.notifications[0]!.result).toMatchObject({ outcome: 'declined', reason: 'card_not_reusable' });
    });
  });

  it('marks the payment stuck when MIB refuses the notification, and delivers it when an operator retries', async () => {
    h.answer = async () => ({ outcome: 'settled', operationId: 'cap_9', status: 'succeeded' });
    let refusals = 1;
    h.deliver = async () => {
      if (refusals-- > 0)
        throw ApplicationFailure.nonRetryable(
          'MIB refused the notification: MIB answered HTTP 400: {"error":"no such customer jane@example.com"}',
          NON_RETRYABLE.reportRefused,
        );
    };
    await h.withWorker(async () => {
      const handle = await h.start('wf-stuck');
      const stuck = await eventuallyStatus(handle, 'stuck');
      expect(stuck.lastError).toContain('MIB answered HTTP 400');
      const { searchAttributes } = await handle.describe();
      expect(searchAttributes.SettlePhase).toEqual(['stuck']);
      // Search attributes are stored in clear: they carry Settle's category, never the OMS's answer.
      expect(searchAttributes.SettleStuckReason).toEqual(['report refused by the OMS (HTTP 400)']);
      expect(stuck.stuckReason).toContain('no such customer jane@example.com');
      // The Web UI's current details say why, and what to run.
      const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails: string };
      expect(metadata.currentDetails).toContain(
        'Stuck: MIB refused the notification: MIB answered HTTP 400:',
      );
      expect(metadata.currentDetails).toContain('Next step: `settle payments retry-notification wf-stuck`');
      expect(stuck.nextStep).toBe('settle payments retry-notification wf-stuck');
      // Days pass: a stuck payment stays stuck, it is neither dropped nor failed.
      await env.sleep('3 days');
      expect((await handle.query(statusQuery)).phase).toBe('stuck');
      expect(h.notifications).toHaveLength(0);
      await handle.signal(retryNotificationSignal);
      expect((await handle.result()).reported).toBe('magento.payments.payments_management.notify_captured');
    });
    expect(h.notifications).toHaveLength(1);
  });

  it('marks a report that has not gone through by the report deadline stuck while it retries, and delivers it once the OMS is fixed', async () => {
    h.answer = async () => ({ outcome: 'settled', operationId: 'cap_d', status: 'succeeded' });
    let omsFixed = false;
    let attempts = 0;
    h.deliver = async () => {
      attempts += 1;
      if (!omsFixed) throw new Error('MIB at http://mib.invalid/delegate unreachable: ENOTFOUND');
    };
    await h.withWorker(async () => {
      const handle = await h.start('wf-report-deadline', {
        settlement: { ...h.input('x').settlement, reportDeadlineMs: 3_600_000 },
      });
      await env.sleep('30 minutes');
      expect((await handle.query(statusQuery)).phase).toBe('notifying');
      await env.sleep('1 hour');
      const stuck = await eventuallyStatus(handle, 'stuck');
      expect(stuck).toMatchObject({
        outcome: 'settled',
        stuckReason:
          'the OMS (mib) has not accepted the outcome report by the report deadline; still retrying',
        waitingFor: 'the OMS (mib) to accept the outcome report (still retrying)',
      });
      expect(stuck.nextStep).toBeUndefined();
      expect((await handle.describe()).searchAttributes.SettlePhase).toEqual(['stuck']);
      // Still retrying: the attempts go on while it is stuck.
      const before = attempts;
      await env.sleep('1 hour');
      expect(attempts).toBeGreaterThan(before);
      omsFixed = true;
      expect((await handle.result()).reported).toBe('magento.payments.payments_management.notify_captured');
      const { searchAttributes } = await handle.describe();
      expect(searchAttributes).toMatchObject({ SettlePhase: ['done'], SettleStuckReason: [''] });
    });
    expect(h.notifications).toHaveLength(1);
  });

  function eventuallyStatus(handle: Awaited<ReturnType<typeof h.start>>, phase: string) {
    return eventually(
      async () => {
        const status = await handle.query(statusQuery);
        return status.phase === phase ? status : undefined;
      },
      undefined,
      `phase ${phase}`,
    );
  }
});
