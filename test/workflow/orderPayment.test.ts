import { Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { commandStarterActivities } from '../../activities/commandStarter';
import { PAGE_EXPIRED_REASON, type CheckoutMode } from '../../domain/checkout';
import { verifyCheckoutToken } from '../../domain/checkoutToken';
import {
  authorizeWorkflowId,
  orderPaymentWorkflowId,
  orderReferenceKey,
  type OrderCommandRequest,
  type OrderKey,
} from '../../domain/orderPayment';
import { openCheckout, type Checkout } from '../../oms/orderPayments';
import type { SettlementPolicy } from '../../domain/settlement';
import { mailboxId } from '../../oms/spryker/door';
import { waitingMessages } from '../../oms/spryker/mailbox';
import { createSprykerReporter, type SprykerReplyContext } from '../../oms/spryker/reporter';
import { ProviderRegistry } from '../../providers/registry';
import { recheckPayment, resolvePayment } from '../../api/paymentOperations';
import { paymentTurnId } from '../../domain/workflowId';
import {
  ProviderRejectedError,
  type AuthorizationRequest,
  type AuthorizationResult,
  type PaymentProvider,
  type ProviderResult,
} from '../../providers/types';
import { providerEventSignal, resolveUpdate, statusQuery } from '../../workflows/messages';
import {
  admitCommandUpdate,
  checkoutPageQuery,
  commandEventSignal,
  orderPaymentQuery,
} from '../../workflows/orderPaymentMessages';
import { createTimeSkippingEnv, eventually, prebuiltBundle } from '../helpers/temporal';

/**
 * An order's payment over days, on the time-skipping server: the order's payment workflow, its commands and
 * the Spryker door's reporter and mailbox are real; the provider is a scripted adapter behind the real
 * activities, answering on workflow time.
 */
describe("an order's payment (time-skipping)", () => {
  let env: TestWorkflowEnvironment;
  const DAY = 86_400_000;
  /** Each test its own tenant: a mailbox lives on the task queue of the worker that started it. */
  let TENANT = '';
  /** When the provider settles each operation, in workflow time; never while absent. */
  const settlesAt = new Map<string, number>();
  const executed: string[] = [];
  /** Operations the provider refuses: it keeps no record of them. */
  const refused = new Set<string>();
  /** Operations whose first call fails as a dropped connection would. */
  const dropsFirst = new Set<string>();
  /** Operations whose call after the first waits for the test to let it answer. */
  const held = new Map<string, Promise<void>>();

  /** Authorizations asked about (findAuthorization), by order reference; and the authorizations asked for. */
  const searched: string[] = [];
  const asked: AuthorizationRequest[] = [];
  /** Payment pages whose session the workflow closed at the provider (closeSession), by order reference. */
  const closed: string[] = [];
  /**
   * The provider's answer to an authorization: a payment page opens a session the customer has not paid in;
   * an order whose reference starts with PENDING wants 3-D Secure; any other is authorized at once.
   */
  const authorization = ({ orderReference, mode }: AuthorizationRequest): AuthorizationResult =>
    mode === 'page'
      ? {
          outcome: 'pending',
          transactionId: `sess_${orderReference}`,
          status: 'awaiting_customer',
          session: { kind: 'gateway', formUrl: `https://gateway.example/pay/sess_${orderReference}` },
        }
      : orderReference.startsWith('PENDING')
        ? {
            outcome: 'pending',
            transactionId: `auth_${orderReference}`,
            status: 'requires_action',
            redirectUrl: 'https://gateway.example/3ds',
          }
        : { outcome: 'settled', transactionId: `auth_${orderReference}`, status: 'authorized' };

  const scripted: PaymentProvider = {
    name: 'scripted',
    amountProblem: () => undefined,
    idempotencyKeyRetentionMs: 24 * 3600_000,
    authorize: async (request) => {
      asked.push(request);
      return authorization(request);
    },
    findAuthorization: async (request) => {
      searched.push(request.orderReference);
      return authorization(request);
    },
    // An order whose reference starts with PAID-LATE: the customer paid just as the page expired.
    closeSession: async (request) => {
      closed.push(request.orderReference);
      return request.orderReference.startsWith('PAID-LATE')
        ? { outcome: 'settled', transactionId: `auth_${request.orderReference}`, status: 'authorized' }
        : { ...authorization(request), status: 'expired' };
    },
    execute: async ({ workflowId }): Promise<ProviderResult> => {
      const calls = executed.push(workflowId) && executed.filter((id) => id === workflowId).length;
      if (refused.has(workflowId)) throw new ProviderRejectedError('scripted refused the capture: HTTP 422');
      if (dropsFirst.has(workflowId) && calls === 1) throw new Error('socket hang up');
      if (calls > 1) await held.get(workflowId);
      return { outcome: 'pending', operationId: `op_${workflowId}`, status: 'pending' };
    },
    fetchStatus: async ({ workflowId }): Promise<ProviderResult | undefined> => {
      if (refused.has(workflowId)) return undefined;
      const at = settlesAt.get(workflowId);
      const settled = at !== undefined && (await env.currentTimeMs()) >= at;
      return {
        outcome: settled ? 'settled' : 'pending',
        operationId: `op_${workflowId}`,
        status: settled ? 'succeeded' : 'pending',
      };
    },
    inspectAuthorization: async () => {
      throw new Error('not used');
    },
    parseWebhook: async () => undefined,
  };

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const withWorker = async <T>(taskQueue: string, run: () => Promise<T>): Promise<T> => {
    TENANT = `shop-${taskQueue}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      ...prebuiltBundle,
      activities: {
        ...createActivities({
          providers: new ProviderRegistry([scripted], 'scripted'),
          reporters: { spryker: createSprykerReporter(env.client, taskQueue, 'settle') },
        }),
        ...commandStarterActivities(env.client),
      },
    });
    return worker.runUntil(async () => {
      try {
        return await run();
      } finally {
        await endLeftovers();
      }
    });
  };

  /** The orders this test opened: ended with their commands as it ends (endLeftovers). */
  let opened: string[] = [];
  /**
   * Ends what a test leaves running, so that its timers do not fire in a later test's skipped time, with no
   * worker on its task queue to handle them.
   */
  const endLeftovers = async () => {
    for (const orderId of opened) {
      const order = env.client.workflow.getHandle(orderId);
      const state = await order.query(orderPaymentQuery).catch(() => undefined);
      const ids = [...Object.keys(state?.commands ?? {}), orderId];
      for (const workflowId of ids) {
        await env.client.workflow
          .getHandle(workflowId)
          .terminate('the test is over')
          .catch(() => undefined);
      }
    }
    opened = [];
  };

  const PAGE_KEY = 'page-key-for-tests';
  /** The checkout as a door opens it (oms/orderPayments.ts): the order's workflow and its authorize command. */
  const checkout = async (taskQueue: string, orderReference: string, mode: CheckoutMode = 'direct') => {
    const key: OrderKey = { door: 'spryker', tenant: TENANT, orderReference };
    const opening: Checkout = {
      key,
      provider: 'scripted',
      amountMinor: 10_000,
      currency: 'EUR',
      mode,
      returnTo: { successUrl: 'https://shop.example/success', cancelUrl: 'https://shop.example/cancel' },
    };
    const context: SprykerReplyContext = {
      tenant: TENANT,
      orderReference,
      orderItemIds: [1, 2],
      amount: 10_000,
      currencyIsoCode: 'EUR',
    };
    const deps = {
      temporal: env.client,
      taskQueue,
      providers: new ProviderRegistry([scripted], 'scripted'),
      settlement: (_command: string, statusApi: boolean) => ({
        pollScheduleMs: [3_600_000],
        statusApi,
        deadlineMs: DAY,
      }),
      // The page lasts 30 minutes of the workflows' clock, which the earlier tests have moved days ahead.
      checkoutPage: {
        publicUrl: 'https://settle.example',
        key: PAGE_KEY,
        ttlMs: (await env.currentTimeMs()) - Date.now() + 30 * 60_000,
      },
    };
    const answer = await openCheckout(deps, opening, { door: 'spryker', context }, 30_000);
    const orderId = orderPaymentWorkflowId(key);
    opened.push(orderId);
    return {
      key,
      answer,
      order: env.client.workflow.getHandle(orderId),
      authorize: env.client.workflow.getHandle(authorizeWorkflowId(orderId)),
    };
  };

  const open = async (taskQueue: string, orderReference: string) => {
    const { answer, ...opened } = await checkout(taskQueue, orderReference);
    if (!('authorization' in answer)) throw new Error(`no authorization: ${JSON.stringify(answer)}`);
    return { ...opened, authorization: answer.authorization };
  };

  const capture = (
    key: OrderKey,
    workflowId: string,
    settlement: SettlementPolicy,
    amountMinor = 6_000,
  ): OrderCommandRequest => ({
    workflowId,
    input: {
      command: 'capture',
      reference: orderReferenceKey(key),
      provider: 'scripted',
      transactionId: `auth_${key.orderReference}`,
      amountMinor,
      currency: 'EUR',
      settlement,
      reply: {
        door: 'spryker',
        context: {
          tenant: key.tenant,
          orderReference: key.orderReference,
          workflowId,
          orderItemIds: [1],
          amount: amountMinor,
          currencyIsoCode: 'EUR',
        } satisfies SprykerReplyContext,
      },
    },
  });

  /**
   * A workflow's result, waited for without moving the clock: the test client's `result()` lets the server skip
   * ahead while it waits, and with nothing else pending that is to an idle order's end (KEPT_IDLE_MS).
   */
  const resultInTime = (workflowId: string) =>
    new Client({ connection: env.connection }).workflow.getHandle(workflowId).result();

  const events = async () =>
    (await waitingMessages(env.client, mailboxId(TENANT, 'payment-events'), 100)).map((message) => ({
      name: message.MessageAttributes.name,
      body: JSON.parse(message.MessageBody) as unknown,
    }));

  it('authorizes through the webhook of a pending authorize command, then takes a capture on it', async () => {
    await withWorker('authorize-webhook', async () => {
      const { key, authorization, order, authorize } = await open('authorize-webhook', 'PENDING-HOOK');
      expect(authorization).toMatchObject({
        outcome: 'pending',
        transactionId: 'auth_PENDING-HOOK',
        redirectUrl: 'https://gateway.example/3ds',
      });
      const capturing = capture(key, `payment:spryker:${TENANT}:PENDING-HOOK:capture:early`, {
        pollScheduleMs: [DAY],
        statusApi: true,
        deadlineMs: 7 * DAY,
      });
      // Not authorized yet: a capture is refused, nothing started.
      await expect(order.executeUpdate(admitCommandUpdate, { args: [capturing] })).rejects.toThrow(
        WorkflowUpdateFailedError,
      );
      expect(await authorize.query(statusQuery)).toMatchObject({
        command: 'authorize',
        phase: 'awaiting_settlement',
        operationId: 'auth_PENDING-HOOK',
      });

      // The provider's webhook, as the API signals it to the workflow id the provider put on its object.
      await authorize.signal(providerEventSignal, {
        workflowId: authorize.workflowId,
        eventId: 'evt_hook',
        operationId: 'auth_PENDING-HOOK',
        outcome: 'settled',
        status: 'authorized',
      });
      expect(await resultInTime(authorize.workflowId)).toMatchObject({
        outcome: 'settled',
        reported: 'PaymentAuthorized',
      });
      expect(searched.filter((reference) => reference === 'PENDING-HOOK')).toEqual([]);
      expect(await events()).toEqual([
        {
          name: 'PaymentAuthorized',
          body: {
            orderReference: 'PENDING-HOOK',
            orderItemIds: [1, 2],
            amount: 10_000,
            currencyIsoCode: 'EUR',
          },
        },
      ]);
      expect((await order.query(orderPaymentQuery)).authorization).toMatchObject({
        outcome: 'settled',
        transactionId: 'auth_PENDING-HOOK',
      });

      // Authorized now: the capture is taken and acts on the authorization.
      settlesAt.set(capturing.workflowId, 0);
      await order.executeUpdate(admitCommandUpdate, { args: [capturing] });
      const captured = env.client.workflow.getHandle(capturing.workflowId);
      expect(await captured.result()).toMatchObject({ outcome: 'settled', reported: 'PaymentCaptured' });
      expect(await order.query(orderPaymentQuery)).toMatchObject({ capturedMinor: 6_000 });
    });
  });

  it('polls a pending authorize with no webhook, is stuck at its deadline, and tells the shop what the operator resolved', async () => {
    await withWorker('authorize-stuck', async () => {
      const { order, authorize } = await open('authorize-stuck', 'PENDING-LOST');
      await env.sleep(3 * 3_600_000);
      // Asked on the polling schedule, by what Settle put on the authorization.
      expect(searched.filter((reference) => reference === 'PENDING-LOST').length).toBeGreaterThanOrEqual(2);
      expect(await authorize.query(statusQuery)).toMatchObject({ phase: 'awaiting_settlement' });
      await env.sleep(DAY);
      const stuck = await eventually(async () => {
        const status = await authorize.query(statusQuery);
        return status.phase === 'stuck' ? status : undefined;
      });
      expect(stuck.stuckReason).toBe('no outcome from the provider by the deadline');
      expect(await events()).toEqual([]);

      await resolvePayment(env.client, authorize.workflowId, {
        outcome: 'settled',
        reason: 'authorized in the provider dashboard',
        operator: 'alice',
      });
      expect(await authorize.result()).toMatchObject({ outcome: 'settled', reported: 'PaymentAuthorized' });
      expect((await events()).map((event) => event.name)).toEqual(['PaymentAuthorized']);
      expect((await order.query(orderPaymentQuery)).authorization).toMatchObject({
        outcome: 'settled',
        transactionId: 'auth_PENDING-LOST',
      });
    });
  });

  it('hears of a capture that settles after 5 days then, and not before', async () => {
    await withWorker('order-5-days', async () => {
      const { key, authorization, order } = await open('order-5-days', 'ORDER-5D');
      expect(authorization).toMatchObject({ outcome: 'settled', transactionId: 'auth_ORDER-5D' });
      const workflowId = `payment:spryker:${TENANT}:ORDER-5D:capture:five-days`;
      settlesAt.set(workflowId, (await env.currentTimeMs()) + 5 * DAY);
      const policy = { pollScheduleMs: [DAY], statusApi: true, deadlineMs: 7 * DAY };
      await order.executeUpdate(admitCommandUpdate, { args: [capture(key, workflowId, policy)] });
      const command = env.client.workflow.getHandle(workflowId);

      await env.sleep(4 * DAY);
      expect((await events()).map((event) => event.name)).toEqual(['PaymentAuthorized']);
      expect(await command.query(statusQuery)).toMatchObject({ phase: 'awaiting_settlement' });

      expect(await command.result()).toMatchObject({ outcome: 'settled', reported: 'PaymentCaptured' });
      expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(settlesAt.get(workflowId)!);
      expect(await events()).toEqual([
        {
          name: 'PaymentAuthorized',
          body: { orderReference: 'ORDER-5D', orderItemIds: [1, 2], amount: 10_000, currencyIsoCode: 'EUR' },
        },
        {
          name: 'PaymentCaptured',
          body: { orderReference: 'ORDER-5D', orderItemIds: [1], amount: 6_000, currencyIsoCode: 'EUR' },
        },
      ]);
      expect(await order.query(orderPaymentQuery)).toMatchObject({ capturedMinor: 6_000, refundedMinor: 0 });
      expect(executed.filter((id) => id === workflowId)).toHaveLength(1);
    });
  });

  it('tells the shop of a capture an operator resolved once it was stuck past its deadline', async () => {
    await withWorker('order-stuck', async () => {
      const { key, order } = await open('order-stuck', 'ORDER-STUCK');
      const workflowId = `payment:spryker:${TENANT}:ORDER-STUCK:capture:stuck`;
      const policy = { pollScheduleMs: [DAY], statusApi: true, deadlineMs: DAY };
      await order.executeUpdate(admitCommandUpdate, { args: [capture(key, workflowId, policy)] });
      // Another capture of more than is left is refused while this one runs: nothing is started for it.
      const tooMuch = capture(key, `payment:spryker:${TENANT}:ORDER-STUCK:capture:too-much`, policy);
      await expect(order.executeUpdate(admitCommandUpdate, { args: [tooMuch] })).rejects.toThrow(
        WorkflowUpdateFailedError,
      );
      const command = env.client.workflow.getHandle(workflowId);
      await env.sleep(2 * DAY);
      await eventually(async () => ((await command.query(statusQuery)).phase === 'stuck' ? true : undefined));

      await command.executeUpdate(resolveUpdate, {
        args: [{ outcome: 'settled', reason: 'captured in the provider dashboard', operator: 'alice' }],
      });
      expect(await command.result()).toMatchObject({ outcome: 'settled', reported: 'PaymentCaptured' });
      const names = (await events()).filter(
        (event) => (event.body as { orderReference: string }).orderReference === 'ORDER-STUCK',
      );
      expect(names.map((event) => event.name)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
      expect(await order.query(orderPaymentQuery)).toMatchObject({ capturedMinor: 6_000 });
    });
  });

  it('releases the amount of a capture the provider refused once an operator resolves it as declined', async () => {
    await withWorker('order-refused', async () => {
      const { key, order } = await open('order-refused', 'ORDER-REFUSED');
      const workflowId = `payment:spryker:${TENANT}:ORDER-REFUSED:capture:refused`;
      refused.add(workflowId);
      const policy = { pollScheduleMs: [DAY], statusApi: true, deadlineMs: 7 * DAY };
      await order.executeUpdate(admitCommandUpdate, { args: [capture(key, workflowId, policy)] });
      const command = env.client.workflow.getHandle(workflowId);
      const stuck = await eventually(async () => {
        const status = await command.query(statusQuery);
        return status.phase === 'stuck' ? status : undefined;
      });
      expect(stuck.stuckReason).toBe('scripted refused the capture: HTTP 422');
      // The order keeps the amount reserved while its command is stuck: no second capture of it.
      await env.sleep(2 * DAY);
      expect(await order.query(orderPaymentQuery)).toMatchObject({ capturedMinor: 0 });
      const again = capture(key, `payment:spryker:${TENANT}:ORDER-REFUSED:capture:again`, policy);
      await expect(order.executeUpdate(admitCommandUpdate, { args: [again] })).rejects.toThrow(
        WorkflowUpdateFailedError,
      );

      // The provider has no record of it: the resolution stands, the shop hears of it, the amount is free.
      await command.executeUpdate(resolveUpdate, {
        args: [{ outcome: 'declined', reason: 'refused by the provider', operator: 'alice' }],
      });
      expect(await resultInTime(workflowId)).toMatchObject({
        outcome: 'declined',
        reported: 'PaymentCaptureFailed',
      });
      const names = (await events()).filter(
        (event) => (event.body as { orderReference: string }).orderReference === 'ORDER-REFUSED',
      );
      expect(names.map((event) => event.name)).toEqual(['PaymentAuthorized', 'PaymentCaptureFailed']);
      const state = await order.query(orderPaymentQuery);
      expect(state).toMatchObject({ capturedMinor: 0 });
      expect(state.commands[workflowId]).toMatchObject({ state: 'declined' });
      await order.executeUpdate(admitCommandUpdate, { args: [again] });
      expect(executed.filter((id) => id === workflowId)).toHaveLength(1);
    });
  });

  it('acts for its commands itself, in the order they came, and again for a failed act an operator rechecks', async () => {
    await withWorker('order-acts', async () => {
      const { key, order } = await open('order-acts', 'ORDER-ACTS');
      const policy = { pollScheduleMs: [DAY], statusApi: true, deadlineMs: 7 * DAY };
      const first = capture(key, `payment:spryker:${TENANT}:ORDER-ACTS:capture:first`, policy, 4_000);
      const second = capture(key, `payment:spryker:${TENANT}:ORDER-ACTS:capture:second`, policy, 4_000);
      refused.add(first.workflowId);
      await order.executeUpdate(admitCommandUpdate, { args: [first] });
      await order.executeUpdate(admitCommandUpdate, { args: [second] });
      const refusedOne = env.client.workflow.getHandle(first.workflowId);
      const stuck = await eventually(async () => {
        const status = await refusedOne.query(statusQuery);
        return status.phase === 'stuck' ? status : undefined;
      });
      expect(stuck.stuckReason).toBe('scripted refused the capture: HTTP 422');
      // Acted by the order in the order admitted, with no turn of the payment's taken.
      const ours = (id: string) => id === first.workflowId || id === second.workflowId;
      await eventually(async () => (executed.filter(ours).length === 2 ? true : undefined));
      expect(executed.filter(ours)).toEqual([first.workflowId, second.workflowId]);
      await expect(
        env.client.workflow.getHandle(paymentTurnId(orderReferenceKey(key))).describe(),
      ).rejects.toThrow(WorkflowNotFoundError);

      // Rechecked by an operator once the provider takes it: the order acts again, with the same key.
      refused.delete(first.workflowId);
      await recheckPayment(env.client, first.workflowId);
      await eventually(async () => (executed.filter(ours).length === 3 ? true : undefined));
      expect(executed.filter(ours)).toEqual([first.workflowId, second.workflowId, first.workflowId]);
      // Settled by their webhooks (the clock of this shared server need not move).
      for (const { workflowId } of [first, second]) {
        const command = env.client.workflow.getHandle(workflowId);
        await command.signal(providerEventSignal, {
          workflowId,
          eventId: `evt_${workflowId}`,
          operationId: `op_${workflowId}`,
          outcome: 'settled',
          status: 'succeeded',
        });
        expect(await command.result()).toMatchObject({ outcome: 'settled', reported: 'PaymentCaptured' });
      }
      expect(await order.query(orderPaymentQuery)).toMatchObject({ capturedMinor: 8_000 });
      const { events: history } = await refusedOne.fetchHistory();
      expect(history?.some((event) => event.startChildWorkflowExecutionInitiatedEventAttributes)).toBe(false);
    });
  });

  it("starts a command with its act's answer, or first when the act retries or waits behind another", async () => {
    await withWorker('order-starts', async () => {
      const { key, order } = await open('order-starts', 'ORDER-STARTS');
      const policy = { pollScheduleMs: [DAY], statusApi: true, deadlineMs: 7 * DAY };
      const id = (name: string) => `payment:spryker:${TENANT}:ORDER-STARTS:capture:${name}`;
      const [idle, retried, behind] = ['idle', 'retried', 'behind'].map((name) =>
        capture(key, id(name), policy, 3_000),
      ) as [OrderCommandRequest, OrderCommandRequest, OrderCommandRequest];
      const history = async (workflowId: string) =>
        (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      const signalled = async (workflowId: string) =>
        (await history(workflowId))
          .filter((event) => event.workflowExecutionSignaledEventAttributes)
          .map((event) => event.workflowExecutionSignaledEventAttributes!.signalName);

      // An idle order acts, then starts the command with the answer: no signal carries it.
      await order.executeUpdate(admitCommandUpdate, { args: [idle] });
      const idleCommand = env.client.workflow.getHandle(idle.workflowId);
      await eventually(async () =>
        (await idleCommand.query(statusQuery)).phase === 'awaiting_settlement' ? true : undefined,
      );
      const [started] = await history(idle.workflowId);
      expect(started?.workflowExecutionStartedEventAttributes?.input?.payloads).toHaveLength(4);
      expect(await signalled(idle.workflowId)).toEqual([]);

      // A local attempt that fails: the command is started before the regular activity retries, and hears of
      // its answer by signal. Admitted meanwhile, a command waiting behind that act is started at once.
      let answer = () => undefined as void;
      held.set(retried.workflowId, new Promise<void>((release) => (answer = release)));
      dropsFirst.add(retried.workflowId);
      await order.executeUpdate(admitCommandUpdate, { args: [retried] });
      await eventually(async () =>
        executed.filter((each) => each === retried.workflowId).length === 2 ? true : undefined,
      );
      await order.executeUpdate(admitCommandUpdate, { args: [behind] });
      const waiting = await eventually(async () =>
        env.client.workflow
          .getHandle(behind.workflowId)
          .query(statusQuery)
          .catch(() => undefined),
      );
      expect(waiting.phase).not.toBe('awaiting_settlement');
      expect(executed).not.toContain(behind.workflowId);
      answer();
      for (const { workflowId } of [retried, behind]) {
        const command = env.client.workflow.getHandle(workflowId);
        await eventually(async () =>
          (await command.query(statusQuery)).phase === 'awaiting_settlement' ? true : undefined,
        );
        expect(await signalled(workflowId)).toEqual(['actAnswered']);
      }
      expect(executed.filter((each) => [retried, behind].some((c) => c.workflowId === each))).toEqual([
        retried.workflowId,
        retried.workflowId,
        behind.workflowId,
      ]);
      // Started before the regular activity was scheduled: the authorize's, the idle command's and its start.
      const orderEvents = await order.fetchHistory().then(({ events }) => events ?? []);
      const scheduled = orderEvents.findIndex((event) => event.activityTaskScheduledEventAttributes);
      const starts = orderEvents.slice(0, scheduled).filter((event) => {
        const data = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
        return data && Buffer.from(data).toString('utf8').includes('"activity_type":"startOrderCommand"');
      });
      expect(scheduled).toBeGreaterThan(-1);
      expect(starts).toHaveLength(3);
    });
  });

  it("hands a provider's event that came before its command ran to the command", async () => {
    await withWorker('order-early', async () => {
      const { key, order } = await open('order-early', 'ORDER-EARLY');
      const policy = { pollScheduleMs: [DAY], statusApi: true, deadlineMs: 7 * DAY };
      const id = (name: string) => `payment:spryker:${TENANT}:ORDER-EARLY:capture:${name}`;
      const settled = (workflowId: string) => ({
        workflowId,
        eventId: `evt_${workflowId}`,
        operationId: `op_${workflowId}`,
        outcome: 'settled' as const,
        status: 'succeeded',
      });
      // The event comes to the order before the command's admission (a redelivered one, after a crash).
      const first = capture(key, id('first'), policy, 4_000);
      await order.signal(commandEventSignal, settled(first.workflowId));
      await order.executeUpdate(admitCommandUpdate, { args: [first] });
      const command = env.client.workflow.getHandle(first.workflowId);
      expect(await resultInTime(command.workflowId)).toMatchObject({
        outcome: 'settled',
        reported: 'PaymentCaptured',
      });
      const { events } = await command.fetchHistory();
      const signals = events?.flatMap(
        (event) => event.workflowExecutionSignaledEventAttributes?.signalName ?? [],
      );
      expect(signals).toEqual([]);
      // Running already: passed on.
      const second = capture(key, id('second'), policy, 4_000);
      await order.executeUpdate(admitCommandUpdate, { args: [second] });
      await order.signal(commandEventSignal, settled(second.workflowId));
      expect(await env.client.workflow.getHandle(second.workflowId).result()).toMatchObject({
        outcome: 'settled',
        reported: 'PaymentCaptured',
      });
      expect(await order.query(orderPaymentQuery)).toMatchObject({ capturedMinor: 8_000 });
    });
  });

  it('releases the amount of a capture whose workflow was terminated by hand once an operator declines it', async () => {
    await withWorker('order-ended', async () => {
      const { key, order } = await open('order-ended', 'ORDER-ENDED');
      const workflowId = `payment:spryker:${TENANT}:ORDER-ENDED:capture:ended`;
      const policy = { pollScheduleMs: [DAY], statusApi: true, deadlineMs: 7 * DAY };
      await order.executeUpdate(admitCommandUpdate, { args: [capture(key, workflowId, policy)] });
      const command = env.client.workflow.getHandle(workflowId);
      await eventually(async () =>
        (await command.query(statusQuery)).phase === 'awaiting_settlement' ? true : undefined,
      );
      await command.terminate('ended by hand');
      // The order's payment cannot hear of it: the amount stays reserved.
      expect((await order.query(orderPaymentQuery)).commands[workflowId]).toMatchObject({ state: 'running' });

      // The provider still has the capture pending: declining needs force, and runs the command again for it.
      const decline = {
        outcome: 'declined',
        reason: 'the shop cancelled the order',
        operator: 'alice',
      } as const;
      await expect(resolvePayment(env.client, workflowId, decline)).rejects.toThrow(
        /resolve refused: the provider still has the capture pending/,
      );
      await resolvePayment(env.client, workflowId, { ...decline, force: true });
      expect(await resultInTime(command.workflowId)).toMatchObject({
        outcome: 'declined',
        reported: 'PaymentCaptureFailed',
      });
      const state = await order.query(orderPaymentQuery);
      expect(state.commands[workflowId]).toMatchObject({ state: 'declined' });
      expect(state.capturedMinor).toBe(0);
      // The full authorization is capturable again; the provider was asked, never told to act again.
      const full = capture(key, `payment:spryker:${TENANT}:ORDER-ENDED:capture:again`, policy);
      await order.executeUpdate(admitCommandUpdate, { args: [full] });
      expect(executed.filter((id) => id === workflowId)).toHaveLength(1);
    });
  });

  describe('on a time-skipping server of its own', () => {
    // The tests here leave commands waiting on task queues no worker serves any more; with them, the shared
    // server's clock was seen to stop moving (a sleep that never ends). The page's expiry needs a clock that moves.
    let shared: TestWorkflowEnvironment;
    beforeAll(async () => {
      shared = env;
      env = await createTimeSkippingEnv();
    });
    afterAll(async () => {
      await env?.teardown();
      env = shared;
    });

    it('declines a payment page the customer never completed once it expires, and tells the shop', async () => {
      await withWorker('authorize-page', async () => {
        const { key, answer, order, authorize } = await checkout('authorize-page', 'PAGE-1', 'page');
        if (!('page' in answer)) throw new Error(`no page: ${JSON.stringify(answer)}`);
        const token = answer.page.url.replace('https://settle.example/pay/', '');
        expect(
          verifyCheckoutToken(token, PAGE_KEY, new Date(Date.parse(answer.page.expiresAt) - 1000)),
        ).toEqual({
          orderWorkflowId: orderPaymentWorkflowId(key),
          expiresAt: answer.page.expiresAt,
        });
        // The shop sending its checkout again gets the same page; the provider opened one session, keyed by the
        // authorize command, which sends the customer back to the page's return.
        expect((await checkout('authorize-page', 'PAGE-1', 'page')).answer).toEqual(answer);
        expect(asked.filter((request) => request.orderReference === 'PAGE-1')).toEqual([
          expect.objectContaining({
            mode: 'page',
            expiresAt: answer.page.expiresAt,
            returnUrl: `${answer.page.url}/return`,
            idempotencyKey: authorize.workflowId,
            workflowId: authorize.workflowId,
            amountMinor: 10_000,
          }),
        ]);
        const view = await eventually(async () => {
          const page = await order.query(checkoutPageQuery);
          return page?.state === 'open' ? page : undefined;
        });
        expect(view).toMatchObject({
          orderReference: 'PAGE-1',
          amountMinor: 10_000,
          currency: 'EUR',
          session: { kind: 'gateway', formUrl: 'https://gateway.example/pay/sess_PAGE-1' },
          expiresAt: answer.page.expiresAt,
          returnTo: { successUrl: 'https://shop.example/success', cancelUrl: 'https://shop.example/cancel' },
        });

        expect(closed).not.toContain('PAGE-1');
        await env.sleep(31 * 60_000);
        expect(await authorize.result()).toMatchObject({
          outcome: 'declined',
          reported: 'PaymentAuthorizationFailed',
        });
        // The customer's session at the provider was closed before the decline, once.
        expect(closed.filter((reference) => reference === 'PAGE-1')).toEqual(['PAGE-1']);
        expect(await authorize.query(statusQuery)).toMatchObject({ phase: 'done', outcome: 'declined' });
        expect((await events()).map((event) => event.name)).toEqual(['PaymentAuthorizationFailed']);
        expect(await order.query(checkoutPageQuery)).toMatchObject({
          state: 'expired',
          reason: PAGE_EXPIRED_REASON,
        });
        // Nothing to capture on it (refusalOf: not authorized).
        expect((await order.query(orderPaymentQuery)).authorization).toMatchObject({
          outcome: 'declined',
          reason: PAGE_EXPIRED_REASON,
        });
      });
    });

    it('keeps the payment of a customer who paid just as the page expired, found when closing its session', async () => {
      await withWorker('authorize-page-late', async () => {
        const { order, authorize } = await checkout('authorize-page-late', 'PAID-LATE-1', 'page');
        await env.sleep(31 * 60_000);
        expect(await authorize.result()).toMatchObject({ outcome: 'settled', reported: 'PaymentAuthorized' });
        expect(closed.filter((reference) => reference === 'PAID-LATE-1')).toEqual(['PAID-LATE-1']);
        expect((await events()).map((event) => event.name)).toEqual(['PaymentAuthorized']);
        expect((await order.query(orderPaymentQuery)).authorization).toMatchObject({
          outcome: 'settled',
          transactionId: 'auth_PAID-LATE-1',
        });
      });
    });
  });
});
