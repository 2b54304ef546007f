import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import {
  orderPaymentWorkflowId,
  orderReferenceKey,
  type OrderCommandRequest,
  type OrderKey,
  type OrderPaymentOpening,
} from '../../domain/orderPayment';
import type { SettlementPolicy } from '../../domain/settlement';
import { mailboxId } from '../../oms/spryker/door';
import { waitingMessages } from '../../oms/spryker/mailbox';
import { createSprykerReporter, type SprykerReplyContext } from '../../oms/spryker/reporter';
import { ProviderRegistry } from '../../providers/registry';
import { resolvePayment } from '../../api/paymentOperations';
import { ProviderRejectedError, type PaymentProvider, type ProviderResult } from '../../providers/types';
import { resolveUpdate, statusQuery } from '../../workflows/messages';
import {
  admitCommandUpdate,
  authorizeOrderUpdate,
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

  const scripted: PaymentProvider = {
    name: 'scripted',
    amountProblem: () => undefined,
    idempotencyKeyRetentionMs: 24 * 3600_000,
    authorize: async ({ orderReference }) => ({
      outcome: 'settled',
      transactionId: `auth_${orderReference}`,
      status: 'authorized',
    }),
    execute: async ({ workflowId }): Promise<ProviderResult> => {
      executed.push(workflowId);
      if (refused.has(workflowId)) throw new ProviderRejectedError('scripted refused the capture: HTTP 422');
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
      activities: createActivities({
        providers: new ProviderRegistry([scripted], 'scripted'),
        reporters: { spryker: createSprykerReporter(env.client, taskQueue, 'settle') },
      }),
    });
    return worker.runUntil(run);
  };

  const open = async (taskQueue: string, orderReference: string) => {
    const key: OrderKey = { door: 'spryker', tenant: TENANT, orderReference };
    const opening: OrderPaymentOpening = { key, provider: 'scripted', amountMinor: 10_000, currency: 'EUR' };
    const context: SprykerReplyContext = {
      tenant: TENANT,
      orderReference,
      orderItemIds: [1, 2],
      amount: 10_000,
      currencyIsoCode: 'EUR',
    };
    const authorization = await env.client.workflow.executeUpdateWithStart(authorizeOrderUpdate, {
      args: [opening],
      startWorkflowOperation: new WithStartWorkflowOperation('orderPaymentWorkflow', {
        workflowId: orderPaymentWorkflowId(key),
        taskQueue,
        args: [{ opening, reply: { door: 'spryker', context } }],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      }),
    });
    return { key, authorization, order: env.client.workflow.getHandle(orderPaymentWorkflowId(key)) };
  };

  const capture = (key: OrderKey, workflowId: string, settlement: SettlementPolicy): OrderCommandRequest => ({
    workflowId,
    input: {
      command: 'capture',
      reference: orderReferenceKey(key),
      provider: 'scripted',
      transactionId: `auth_${key.orderReference}`,
      amountMinor: 6_000,
      currency: 'EUR',
      settlement,
      reply: {
        door: 'spryker',
        context: {
          tenant: key.tenant,
          orderReference: key.orderReference,
          workflowId,
          orderItemIds: [1],
          amount: 6_000,
          currencyIsoCode: 'EUR',
        } satisfies SprykerReplyContext,
      },
    },
  });

  const events = async () =>
    (await waitingMessages(env.client, mailboxId(TENANT, 'payment-events'), 100)).map((message) => ({
      name: message.MessageAttributes.name,
      body: JSON.parse(message.MessageBody) as unknown,
    }));

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
      expect(await command.result()).toMatchObject({ outcome: 'declined', reported: 'PaymentCaptureFailed' });
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
      expect(await command.result()).toMatchObject({ outcome: 'declined', reported: 'PaymentCaptureFailed' });
      const state = await order.query(orderPaymentQuery);
      expect(state.commands[workflowId]).toMatchObject({ state: 'declined' });
      expect(state.capturedMinor).toBe(0);
      // The full authorization is capturable again; the provider was asked, never told to act again.
      const full = capture(key, `payment:spryker:${TENANT}:ORDER-ENDED:capture:again`, policy);
      await order.executeUpdate(admitCommandUpdate, { args: [full] });
      expect(executed.filter((id) => id === workflowId)).toHaveLength(1);
    });
  });
});
