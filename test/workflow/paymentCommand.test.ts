import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NON_RETRYABLE } from '../../domain/failures';
import type { AuthorizationState, ProviderEvent } from '../../providers/types';
import { providerEventSignal, retryNotificationSignal, statusQuery } from '../../workflows/messages';
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

  it('stops retrying a request the provider refused, and notifies nothing', async () => {
    h.answer = async () => {
      throw ApplicationFailure.nonRetryable('idempotency key reused', NON_RETRYABLE.providerRejected);
    };
    const error = await h.withWorker(async () =>
      (await h.start('wf-rejected')).result().catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(h.executions).toHaveLength(1);
    expect(h.notifications).toHaveLength(0);
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
          'MIB refused the notification: MIB answered HTTP 400',
          NON_RETRYABLE.reportRefused,
        );
    };
    await h.withWorker(async () => {
      const handle = await h.start('wf-stuck');
      const stuck = await eventuallyStatus(handle, 'stuck');
      expect(stuck.lastError).toContain('MIB answered HTTP 400');
      const { searchAttributes } = await handle.describe();
      expect(searchAttributes.SettlePhase).toEqual(['stuck']);
      expect(searchAttributes.SettleStuckReason).toEqual([
        'MIB refused the notification: MIB answered HTTP 400',
      ]);
      // The Web UI's current details say why, and what to run.
      const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails: string };
      expect(metadata.currentDetails).toContain('Stuck: MIB refused the notification: MIB answered HTTP 400');
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
