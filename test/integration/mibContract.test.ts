import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mibMethod } from '../../oms/mib/methods';
import { signPayload } from '../../domain/signature';
import type { Stack } from '../../scripts/stack';
import { sendMibCommand } from '../../sim/mib/sendCommand';
import { retryNotificationSignal, statusQuery } from '../../workflows/messages';
import { passedBackText, withUnusedFields } from '../helpers/momPayments';
import { notificationOf } from '../helpers/notifications';
import { startTestStack } from '../helpers/stacks';
import { eventually } from '../helpers/temporal';

/**
 * The MIB payment contract through the real API, worker, gateway simulator and MIB simulator on a dev
 * server: each of the five commands to each of its two notifications, as MIB receives them, and the
 * intake's refusal of callers that do not hold the intake secret.
 */
describe('the MIB payment contract (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;

  beforeAll(async () => {
    ({ env, stack } = await startTestStack({
      gateway: { mode: 'pending', webhookDelayMs: 100 },
    }));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const paymentOf = (reference: string, amount: string) => ({
    reference,
    currency: 'EUR',
    order_note: 'passed through untouched',
    transactions: [
      {
        payment_method: 'card',
        amount,
        gateway_information: { gateway_id: 'gateway', transaction_id: `auth_${reference}`, custom: 'kept' },
      },
    ],
  });
  const commandOf = (name: string, reference: string, amount = '49.90') => ({
    jsonrpc: '2.0',
    id: `${name}-${reference}`,
    method: mibMethod(name),
    params: { payment: paymentOf(reference, amount) },
  });

  /** Sends a command as MIB does; answers the workflow id Settle acknowledged it with. */
  async function send(name: string, reference: string, amount?: string): Promise<string> {
    const answer = await sendMibCommand(stack.api.url, commandOf(name, reference, amount), {
      secret: stack.config.MIB_INTAKE_SECRET,
      auth: 'signature',
    });
    expect(answer.status).toBe(200);
    return (answer.body as { result: { workflow_id: string } }).result.workflow_id;
  }

  /** Sends a command and waits until MIB received the notification that answers it. */
  async function notified(name: string, reference: string, amount?: string) {
    const workflowId = await send(name, reference, amount);
    return { workflowId, ...(await notificationOf(stack, workflowId)) };
  }

  /** An authorization made at checkout, as the gateway simulator lets tests set one up. */
  async function authorize(reference: string, fields: object) {
    const response = await fetch(`${stack.gateway.url}/v1/authorizations`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.config.GATEWAY_API_KEY}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ id: `auth_${reference}`, currency: 'EUR', amount: 10_000, ...fields }),
    });
    expect(response.status).toBe(200);
  }
  const yesterday = () => new Date(Date.now() - 86_400_000).toISOString();

  type Case = readonly [
    command: string,
    notification: string,
    setUp: (reference: string) => Promise<unknown>,
  ];
  const nothing = async () => undefined;
  const CASES: readonly Case[] = [
    ['validate', 'notify_validated', nothing],
    ['validate', 'notify_validation_failed', (ref) => authorize(ref, { expires_at: yesterday() })],
    ['revalidate', 'notify_revalidated', (ref) => authorize(ref, { expires_at: yesterday() })],
    [
      'revalidate',
      'notify_revalidation_failed',
      (ref) => authorize(ref, { expires_at: yesterday(), reauthorizable: false }),
    ],
    ['capture', 'notify_captured', nothing],
    ['capture', 'notify_capture_failed', (ref) => authorize(ref, { amount: 1000 })],
    ['refund', 'notify_refunded', (ref) => notified('capture', ref)],
    ['refund', 'notify_refund_failed', nothing],
    ['cancel', 'notify_cancelled', nothing],
    ['cancel', 'notify_cancellation_failed', (ref) => notified('capture', ref)],
  ];
  const REASONS: Record<string, string> = {
    notify_validation_failed: 'authorization_expired',
    notify_revalidation_failed: 'card_not_reusable',
    notify_capture_failed: 'amount_exceeds_authorization',
    notify_refund_failed: 'amount_exceeds_captured',
    notify_cancellation_failed: 'authorization_already_captured',
  };

  it.each(CASES)('%s → %s', async (command, expected, setUp) => {
    const reference = `PAY-${expected}`;
    await setUp(reference);
    const { workflowId, runId, notification } = await notified(command, reference);
    const method = mibMethod(expected);
    expect(notification.method).toBe(method);
    // Stable per command and method: MIB drops a redelivered notification by this id.
    expect(notification.id).toBe(`${workflowId}:${runId}:${method}`);
    expect(notification.duplicate).toBe(false);

    const { payment, reason } = notification.params as {
      payment: ReturnType<typeof paymentOf>;
      reason?: string;
    };
    // The command's payment model comes back, unknown fields untouched, the gateway's result merged in.
    const sent = paymentOf(reference, '49.90');
    expect(payment).toMatchObject({ ...sent, transactions: [expect.any(Object)] });
    const info = payment.transactions[0]!.gateway_information as Record<string, unknown>;
    expect(info).toMatchObject({ gateway_id: 'gateway', custom: 'kept' });
    expect(JSON.parse(info.payment_service_response as string)).toMatchObject({ provider: 'gateway' });
    expect(reason).toBe(REASONS[expected]);

    if (command === 'validate' || command === 'revalidate') {
      if (!reason) expect(info.authorization_status).toBe('authorized');
    } else {
      expect(info).toMatchObject({ transaction_id: `auth_${reference}`, operation_id: expect.any(String) });
    }
    if (expected === 'notify_revalidated') {
      // The expired authorization was replaced: MIB learns the new transaction to act on from now.
      expect(info.transaction_id).toMatch(/^auth_/);
      expect(info.transaction_id).not.toBe(`auth_${reference}`);
      const replacement = await fetch(
        `${stack.gateway.url}/v1/authorizations/${String(info.transaction_id)}`,
        {
          headers: { authorization: `Bearer ${stack.config.GATEWAY_API_KEY}` },
        },
      );
      expect(await replacement.json()).toMatchObject({ status: 'authorized', replaces: `auth_${reference}` });
    } else if (command === 'validate' || command === 'revalidate') {
      expect(info.transaction_id).toBe(`auth_${reference}`);
    }
  });

  describe('MOM-shaped payments: null or any JSON type in every field Settle does not read', () => {
    // null, a number, a boolean, an array and an object: one payment each, beside the plain payment.
    const VALUES = [null, 0, true, ['a', 1, null, { deep: [false] }], { nested: { list: [1, '2', null] } }];
    type Received = { method: string; params: { payment: unknown; reason?: string } };

    /** Sends `payment` as a capture; answers MIB's acknowledgement and the notification it received. */
    async function capture(payment: Record<string, unknown>) {
      const answer = await sendMibCommand(
        stack.api.url,
        {
          jsonrpc: '2.0',
          id: `capture-${String(payment.reference)}`,
          method: mibMethod('capture'),
          params: { payment },
        },
        { secret: stack.config.MIB_INTAKE_SECRET },
      );
      const { result } = answer.body as { result: { accepted: boolean; workflow_id: string } };
      const { notification } = await notificationOf(stack, result.workflow_id);
      return {
        status: answer.status,
        accepted: result.accepted,
        notification: notification as unknown as Received,
      };
    }
    const settleResult = (notification: Received) => {
      const [first] = (
        notification.params.payment as { transactions: Record<string, Record<string, unknown>>[] }
      ).transactions;
      const { operationId: _unique, ...result } = JSON.parse(
        String(first!.gateway_information!.payment_service_response),
      );
      return { operation_status: first!.gateway_information!.operation_status, result };
    };

    it.each([
      ['notify_captured', async () => undefined],
      ['notify_capture_failed', (reference: string) => authorize(reference, { amount: 1000 })],
    ])(
      'are accepted and answered with %s as the plain payment is, those fields byte for byte',
      async (expected, setUp) => {
        const payments = [undefined, ...VALUES].map((value, index) => {
          const plain = paymentOf(`PAY-MOM-${expected}-${index}`, '49.90');
          return index === 0 ? plain : withUnusedFields(plain, value);
        });
        await Promise.all(payments.map((payment) => setUp(String(payment.reference))));
        const [plain, ...mom] = await Promise.all(payments.map(capture));

        expect(plain!).toMatchObject({
          status: 200,
          accepted: true,
          notification: { method: mibMethod(expected) },
        });
        mom.forEach((answer, index) => {
          expect({ value: VALUES[index], status: answer.status, method: answer.notification.method }).toEqual(
            {
              value: VALUES[index],
              status: 200,
              method: mibMethod(expected),
            },
          );
          expect(answer.notification.params.reason).toBe(plain!.notification.params.reason);
          expect(settleResult(answer.notification)).toEqual(settleResult(plain!.notification));
        });
        [plain!, ...mom].forEach((answer, index) =>
          expect(passedBackText(answer.notification.params.payment)).toBe(passedBackText(payments[index])),
        );
      },
    );
  });

  it('passes back odd keys such as __proto__ exactly, at every level', async () => {
    // As text: a JavaScript object literal cannot hold an own __proto__ key, JSON.parse makes one.
    const reference = 'PAY-MOM-PROTO';
    const text = JSON.stringify({
      jsonrpc: '2.0',
      id: `capture-${reference}`,
      method: mibMethod('capture'),
      params: { payment: { ...paymentOf(reference, '49.90'), lines: [{ sku: 'A' }] } },
    })
      .replace('"reference":', '"__proto__":{"admin":true},"constructor":null,"reference":')
      .replace('"sku":"A"', '"sku":"A","__proto__":[1,{"__proto__":"x"}]')
      .replace('"transaction_id":', '"__proto__":null,"transaction_id":');
    const sent = (JSON.parse(text) as { params: { payment: object } }).params.payment;
    expect(passedBackText(sent)).toContain('"__proto__":{"admin":true},"constructor":null,');
    expect(passedBackText(sent)).toContain('"__proto__":[1,{"__proto__":"x"}]');
    const answer = await sendMibCommand(stack.api.url, text, { secret: stack.config.MIB_INTAKE_SECRET });
    expect(answer.status).toBe(200);
    const { workflow_id: workflowId } = (answer.body as { result: { workflow_id: string } }).result;
    const { notification } = await notificationOf(stack, workflowId);
    expect(notification.method).toBe(mibMethod('notify_captured'));
    expect(passedBackText((notification.params as { payment: unknown }).payment)).toBe(passedBackText(sent));
  });

  it('runs a revalidate sent again later once more, and replaces the expired authorization only once', async () => {
    const reference = 'PAY-REVAL-AGAIN';
    await authorize(reference, { expires_at: yesterday() });
    const first = await notified('revalidate', reference);
    const second = await notified('revalidate', reference);
    expect(second.workflowId).toBe(first.workflowId);
    expect(second.runId).not.toBe(first.runId);
    expect(second.notification.duplicate).toBe(false);
    const newTransaction = (n: typeof first) =>
      (n.notification.params as { payment: ReturnType<typeof paymentOf> }).payment.transactions[0]!
        .gateway_information.transaction_id;
    // The second run asked for a new authorization with the same idempotency key: the gateway replayed it.
    expect(newTransaction(second)).toBe(newTransaction(first));
    const calls = stack.gateway.sim.calls.filter((call) => call.idempotencyKey === first.workflowId);
    expect(calls.map((call) => call.replayed)).toEqual([false, true]);
  });

  it('delivers a notification once after MIB answered 503 for a while', async () => {
    Object.assign(stack.mib.sim.faults, { failNext: 2, failStatus: 503 });
    const { notification } = await notified('capture', 'PAY-MIB-DOWN');
    expect(stack.mib.sim.faults.failNext).toBe(0);
    expect(notification.duplicate).toBe(false);
    expect(stack.mib.sim.notifications.filter((n) => n.id === notification.id)).toHaveLength(1);
  });

  it('leaves a payment stuck, visible in search, when MIB refuses its notification, until an operator retries', async () => {
    Object.assign(stack.mib.sim.faults, { failNext: 1, failStatus: 400 });
    const workflowId = await send('capture', 'PAY-MIB-REFUSES');
    await eventually(async () => {
      const { count } = await env.client.workflow.count(
        `SettlePaymentReference="PAY-MIB-REFUSES" AND SettlePhase="stuck"`,
      );
      return count === 1 ? true : undefined;
    });
    const handle = stack.temporal.workflow.getHandle(workflowId);
    expect(await handle.query(statusQuery)).toMatchObject({
      phase: 'stuck',
      lastError: expect.stringContaining('400'),
    });
    await handle.signal(retryNotificationSignal);
    expect(await handle.result()).toMatchObject({ reported: mibMethod('notify_captured') });
  });

  describe('callers without the intake secret', () => {
    const body = JSON.stringify(commandOf('capture', 'PAY-UNAUTHENTICATED'));
    const now = () => Math.floor(Date.now() / 1000);
    it.each([
      ['no credentials', () => ({})],
      ['a wrong bearer token', () => ({ authorization: 'Bearer not-the-intake-secret' })],
      [
        'a signature made with another secret',
        () => ({ 'x-settle-signature': signPayload('another-secret', body, now()) }),
      ],
      [
        'a signature older than five minutes',
        () => ({ 'x-settle-signature': signPayload(stack.config.MIB_INTAKE_SECRET, body, now() - 600) }),
      ],
      [
        'a signature of another body',
        () => ({ 'x-settle-signature': signPayload(stack.config.MIB_INTAKE_SECRET, `${body} `, now()) }),
      ],
    ])('are refused with 401 when they send %s, and nothing starts', async (_case, headers) => {
      const callsBefore = stack.gateway.sim.calls.length;
      const response = await fetch(`${stack.api.url}/mib`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers() },
        body,
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32001, message: expect.stringMatching(/^Unauthorized: /) },
      });
      expect(stack.gateway.sim.calls.length).toBe(callsBefore);
    });

    it('…and none of them started a workflow, once visibility has caught up', async () => {
      // A command with the secret after the refused ones: once it is visible, the others would be too.
      await send('capture', 'PAY-AUTHENTICATED');
      await eventually(async () =>
        (await env.client.workflow.count('SettlePaymentReference="PAY-AUTHENTICATED"')).count === 1
          ? true
          : undefined,
      );
      expect((await env.client.workflow.count('SettlePaymentReference="PAY-UNAUTHENTICATED"')).count).toBe(0);
    });

    it('still answer the OPTIONS probe, which MIB sends without credentials', async () => {
      const response = await fetch(`${stack.api.url}/mib`, { method: 'OPTIONS' });
      expect(response.headers.get('x-magento-service-bus')).toBe('*');
    });
  });
});
