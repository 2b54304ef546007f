import type { IncomingMessage } from 'node:http';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Stack } from '../../scripts/stack';
import { sendMibCommand } from '../../sim/mib/sendCommand';
import { statusQuery } from '../../workflows/messages';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUTH_FAILURE_LIMIT } from '../../http/throttle';
import { LOCAL_SPRYKER_TENANT, LOCAL_SPRYKER_TOKEN } from '../../config/local';
import { orderPaymentWorkflowId } from '../../domain/orderPayment';
import { SPRYKER_DOOR } from '../../oms/spryker/door';
import { orderPaymentQuery } from '../../workflows/orderPaymentMessages';
import { gatewayEvent } from '../helpers/gatewayEvents';
import { PROJECT_ROOT } from '../helpers/paths';
import { startTestStack } from '../helpers/stacks';
import { eventually } from '../helpers/temporal';

/**
 * The whole capture path on a real Temporal dev server: POST /mib → paymentCommandWorkflow → gateway
 * simulator (pending) → signed webhook → POST /webhooks/gateway → signal → notify_captured at the MIB
 * simulator, with an OAuth token. Nothing here is mocked: every hop is a real HTTP server or Temporal.
 */
describe('MIB commands end to end (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  const NS = 'magento.payments.payments_management';

  beforeAll(async () => {
    ({ env, stack } = await startTestStack({
      gateway: { mode: 'pending', webhookDelayMs: 200 },
    }));
  });
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(() => {
    Object.assign(stack.gateway.sim.control, { mode: 'pending', failNext: 0, declineNext: 0, down: false });
  });

  const command = (
    name: string,
    reference: string,
    amount: string | number = '49.90',
    extra: object = {},
  ) => ({
    jsonrpc: '2.0',
    id: `req-${reference}`,
    method: `${NS}.${name}`,
    params: {
      payment: {
        reference,
        currency: 'EUR',
        order_note: 'kept as is',
        transactions: [
          {
            payment_method: 'card',
            amount,
            gateway_information: { gateway_id: 'gateway', transaction_id: `auth_${reference}` },
          },
        ],
        ...extra,
      },
    },
  });

  const capture = (reference: string, amount?: string | number, extra?: object) =>
    command('capture', reference, amount, extra);

  const post = async (path: string, body: string | object, headers: Record<string, string> = {}) => {
    if (path === '/mib')
      return sendMibCommand(stack.api.url, body, { secret: stack.config.MIB_INTAKE_SECRET, headers });
    const response = await fetch(`${stack.api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  const notificationsFor = async (reference: string) => {
    const response = await fetch(`${stack.mib.url}/notifications?reference=${reference}`);
    return (await response.json()) as {
      id: string;
      method: string;
      params: { payment: Record<string, unknown>; reason?: string };
    }[];
  };
  const waitForNotification = (reference: string) =>
    eventually(async () => (await notificationsFor(reference))[0], 30_000, `a notification for ${reference}`);
  /** Payment command workflows matching the query (payment locks come and go beside them). */
  const workflowCount = async (query?: string) => {
    const commands = 'WorkflowType="paymentCommandWorkflow"';
    return (await env.client.workflow.count(query ? `${commands} AND ${query}` : commands)).count;
  };

  it('turns a capture command into notify_captured at MIB, after the gateway webhook', async () => {
    const answer = await post('/mib', capture('PAY-E2E-1'));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      jsonrpc: '2.0',
      id: 'req-PAY-E2E-1',
      result: {
        accepted: true,
        workflow_id: expect.stringMatching(/^payment:PAY-E2E-1:capture:[0-9a-f]{16}$/),
      },
    });
    const workflowId = answer.body.result.workflow_id as string;

    const notification = await waitForNotification('PAY-E2E-1');
    const operation = [...stack.gateway.sim.operations.values()].find(
      (op) => op.metadata.workflow_id === workflowId,
    )!;
    expect(operation).toMatchObject({
      object: 'capture',
      amount: 4990,
      currency: 'EUR',
      status: 'succeeded',
    });
    expect(notification).toEqual({
      id: `${workflowId}:${(await env.client.workflow.getHandle(workflowId).describe()).runId}:${NS}.notify_captured`,
      endpoint: 'custom-payment',
      method: `${NS}.notify_captured`,
      receivedAt: expect.any(String),
      duplicate: false,
      params: {
        payment: {
          reference: 'PAY-E2E-1',
          currency: 'EUR',
          order_note: 'kept as is',
          transactions: [
            {
              payment_method: 'card',
              amount: '49.90',
              gateway_information: {
                gateway_id: 'gateway',
                transaction_id: 'auth_PAY-E2E-1',
                operation_id: operation.id,
                operation_status: 'succeeded',
                payment_service_response: expect.any(String),
              },
            },
          ],
        },
      },
    });
    // The webhook went through the API's signature check and reached the workflow as a signal.
    expect(stack.gateway.sim.webhooks.filter((w) => w.operationId === operation.id)).toEqual([
      expect.objectContaining({ status: 200 }),
    ]);
    const handle = env.client.workflow.getHandle(workflowId);
    expect(await handle.result()).toMatchObject({ outcome: 'settled' });
    const { searchAttributes } = await handle.describe();
    expect(searchAttributes).toMatchObject({
      SettlePaymentReference: ['PAY-E2E-1'],
      SettleFacets: ['door:mib', 'provider:gateway', 'command:capture', 'currency:EUR'],
      SettlePhase: ['done'],
      SettleOutcome: ['settled'],
    });
    // Upserted in the closing workflow task, whose upsert the server's visibility queue skips: the run's close
    // record carries them, and an operator's list finds the closed command by them.
    const ended =
      'SettlePaymentReference="PAY-E2E-1" AND SettlePhase="done" AND SettleOutcome="settled" AND ExecutionStatus="Completed"';
    expect(await eventually(async () => ((await workflowCount(ended)) === 1 ? true : undefined))).toBe(true);
  });

  it('answers a redelivered command the same way and calls the gateway once', async () => {
    const first = await post('/mib', capture('PAY-E2E-2'));
    const second = await post('/mib', capture('PAY-E2E-2'));
    expect(second).toEqual(first);
    await waitForNotification('PAY-E2E-2');
    const third = await post('/mib', capture('PAY-E2E-2'));
    expect(third).toEqual(first);
    // MIB re-sending it with the amount written another way and a pass-through field changed is no new command.
    const rewritten = await post('/mib', capture('PAY-E2E-2', 49.9, { order_note: 'sent again' }));
    expect(rewritten).toEqual(first);
    const workflowId = first.body.result.workflow_id;
    const calls = stack.gateway.sim.calls.filter((call) => call.idempotencyKey === workflowId);
    expect(calls).toHaveLength(1);
    expect(await notificationsFor('PAY-E2E-2')).toHaveLength(1);
  });

  it('answers a batch with one answer per request, and a request without id with nothing', async () => {
    const batch = await post('/mib', [capture('PAY-BATCH-1'), { jsonrpc: '2.0', id: 'x', method: 'nope' }]);
    expect(batch.status).toBe(200);
    expect(batch.body).toEqual([
      { jsonrpc: '2.0', id: 'req-PAY-BATCH-1', result: expect.objectContaining({ accepted: true }) },
      { jsonrpc: '2.0', id: 'x', error: { code: -32601, message: 'Method not found: nope' } },
    ]);
    const { id: _omitted, ...withoutId } = capture('PAY-NO-ID');
    const silent = await post('/mib', withoutId);
    expect(silent).toEqual({ status: 204, body: undefined });
    // Carried out all the same.
    expect((await waitForNotification('PAY-NO-ID')).method).toBe(`${NS}.notify_captured`);
    expect((await waitForNotification('PAY-BATCH-1')).method).toBe(`${NS}.notify_captured`);
  });

  it('refunds part of a capture, then refuses to refund more than was captured', async () => {
    stack.gateway.sim.control.mode = 'immediate';
    await post('/mib', command('capture', 'PAY-REFUND', '30.00'));
    await waitForNotification('PAY-REFUND');
    // Same payment, same authorization: each refund is its own command (its amount differs).
    const notificationNumber = (n: number) =>
      eventually(async () => {
        const received = await notificationsFor('PAY-REFUND');
        return received.length >= n ? received : undefined;
      });
    await post('/mib', command('refund', 'PAY-REFUND', '10.00'));
    await notificationNumber(2);
    await post('/mib', command('refund', 'PAY-REFUND', '25.00'));
    const methods = await notificationNumber(3);
    const refunds = methods.slice(1).map((n) => [n.method, n.params.payment.transactions, n.params.reason]);
    expect(refunds).toEqual(
      expect.arrayContaining([
        [`${NS}.notify_refunded`, [expect.objectContaining({ amount: '10.00' })], undefined],
        [
          `${NS}.notify_refund_failed`,
          [expect.objectContaining({ amount: '25.00' })],
          'amount_exceeds_captured',
        ],
      ]),
    );
  });

  it('cancels an authorization (settled by webhook), and refuses to cancel a captured one', async () => {
    await post('/mib', command('cancel', 'PAY-CANCEL'));
    expect((await waitForNotification('PAY-CANCEL')).method).toBe(`${NS}.notify_cancelled`);
    stack.gateway.sim.control.mode = 'immediate';
    await post('/mib', command('capture', 'PAY-CANCEL-LATE'));
    await waitForNotification('PAY-CANCEL-LATE');
    await post('/mib', command('cancel', 'PAY-CANCEL-LATE', '49.90', { attempt: 2 }));
    const late = await eventually(async () => (await notificationsFor('PAY-CANCEL-LATE'))[1]);
    expect(late.method).toBe(`${NS}.notify_cancellation_failed`);
    expect(late.params.reason).toBe('authorization_already_captured');
  });

  it('reports a decline as notify_capture_failed with the reason', async () => {
    stack.gateway.sim.control.declineNext = 1;
    await post('/mib', capture('PAY-E2E-3'));
    const notification = await waitForNotification('PAY-E2E-3');
    expect(notification.method).toBe(`${NS}.notify_capture_failed`);
    expect(notification.params.reason).toBe('insufficient_funds');
  });

  it('keeps trying through a gateway outage and captures once', async () => {
    Object.assign(stack.gateway.sim.control, { failNext: 2, failStatus: 503 });
    const { body } = await post('/mib', capture('PAY-E2E-4'));
    const notification = await waitForNotification('PAY-E2E-4');
    expect(notification.method).toBe(`${NS}.notify_captured`);
    const calls = stack.gateway.sim.calls.filter((call) => call.idempotencyKey === body.result.workflow_id);
    expect(calls.map((call) => call.replayed)).toEqual([false]);
    expect(stack.gateway.sim.control.failNext).toBe(0);
  });

  describe('bad input gets its JSON-RPC error and starts no workflow', () => {
    const valid = capture('PAY-BAD');
    let countBefore = 0;
    beforeAll(async () => {
      countBefore = await eventually(async () => {
        // Visibility settles shortly after the tests above; take the count once it stands still.
        const first = await workflowCount();
        await new Promise((done) => setTimeout(done, 300));
        return first === (await workflowCount()) ? first : undefined;
      });
    });
    it.each([
      ['not JSON', '{"jsonrpc": "2.0", "method": ', 400, -32700, null],
      ['not JSON-RPC', { hello: 'world' }, 400, -32600, null],
      ['a wrong jsonrpc version', { ...valid, jsonrpc: '1.0' }, 400, -32600, 'req-PAY-BAD'],
      ['an unknown method', { ...valid, method: `${NS}.explode` }, 404, -32601, 'req-PAY-BAD'],
      [
        'a validate without the authorization to check',
        command('validate', 'PAY-BAD', '10.00', { transactions: [{ amount: '10.00' }] }),
        400,
        -32602,
        'req-PAY-BAD',
      ],
      ['a capture of nothing', capture('PAY-BAD', '0.00'), 400, -32602, 'req-PAY-BAD'],
      [
        'a method of another contract',
        { ...valid, method: 'magento.sales.order.capture' },
        404,
        -32601,
        'req-PAY-BAD',
      ],
      [
        'a payment without currency',
        capture('PAY-BAD', '10.00', { currency: undefined }),
        400,
        -32602,
        'req-PAY-BAD',
      ],
      ['too many decimals', capture('PAY-BAD', '10.001'), 400, -32602, 'req-PAY-BAD'],
      ['a negative amount', capture('PAY-BAD', -10), 400, -32602, 'req-PAY-BAD'],
      ['an unknown currency', capture('PAY-BAD', '10.00', { currency: 'XYZ' }), 400, -32602, 'req-PAY-BAD'],
      [
        'a provider Settle does not have',
        capture('PAY-BAD', '10.00', {
          transactions: [
            { amount: '10.00', gateway_information: { gateway_id: 'acme', transaction_id: 't' } },
          ],
        }),
        400,
        -32602,
        'req-PAY-BAD',
      ],
      [
        'no authorization to act on',
        capture('PAY-BAD', '10.00', { transactions: [{ amount: '10.00' }] }),
        400,
        -32602,
        'req-PAY-BAD',
      ],
    ])('%s', async (_case, body, httpStatus, code, id) => {
      const before = await workflowCount();
      const callsBefore = stack.gateway.sim.calls.length;
      const answer = await post('/mib', body);
      expect(answer.status).toBe(httpStatus);
      expect(answer.body).toMatchObject({ jsonrpc: '2.0', id, error: { code, message: expect.any(String) } });
      expect(await workflowCount()).toBe(before);
      expect(stack.gateway.sim.calls.length).toBe(callsBefore);
    });

    const withAuthorization = (gatewayInformation: object, amount: string | number = '10.00') =>
      capture('PAY-BAD', amount, {
        transactions: [{ amount, gateway_information: { transaction_id: 't', ...gatewayInformation } }],
      });
    // As text: deep enough that JSON.stringify itself overflows the stack.
    const withLinesNested = (levels: number) =>
      JSON.stringify(capture('PAY-BAD', '10.00', { lines: 'LINES' })).replace(
        '"LINES"',
        `${'['.repeat(levels)}${']'.repeat(levels)}`,
      );
    const TEXT_RULE = /printable text without/;
    const withReference = (reference: string) => ({
      ...capture(reference, '10.00', {
        transactions: [{ amount: '10.00', gateway_information: { transaction_id: 't' } }],
      }),
      id: 'req-PAY-BAD',
    });
    it.each([
      ['a reference with NUL', withReference('PAY-BAD\u0000x'), 'params.payment.reference', TEXT_RULE],
      ['a reference with a newline', withReference('PAY-BAD\nx'), 'params.payment.reference', TEXT_RULE],
      ['a reference with "', withReference('PAY-BAD"x'), 'params.payment.reference', TEXT_RULE],
      ['a reference with \\', withReference('PAY-BAD\\x'), 'params.payment.reference', TEXT_RULE],
      ['a reference of 201 characters', withReference('P'.repeat(201)), 'params.payment.reference', /200/],
      [
        'a transaction_id of 200,000 characters',
        withAuthorization({ transaction_id: 'a'.repeat(200_000) }),
        'params.payment.transactions.0.gateway_information.transaction_id',
        /500/,
      ],
      [
        'a transaction_id with a newline',
        withAuthorization({ transaction_id: 'auth\n1' }),
        'params.payment.transactions.0.gateway_information.transaction_id',
        TEXT_RULE,
      ],
      [
        'a gateway_id with "',
        withAuthorization({ gateway_id: 'gate"way' }),
        'params.payment.transactions.0.gateway_information.gateway_id',
        TEXT_RULE,
      ],
      [
        'an order_id with a control character',
        capture('PAY-BAD', '10.00', { order_id: 'ORD\u00071' }),
        'params.payment.order_id',
        TEXT_RULE,
      ],
      [
        'an order_id of 201 characters',
        capture('PAY-BAD', '10.00', { order_id: 'O'.repeat(201) }),
        'params.payment.order_id',
        /200/,
      ],
      [
        'an amount of 90,071,992,547,409.91 EUR',
        capture('PAY-BAD', 90071992547409.91),
        'params.payment.transactions.0.amount',
        /above the maximum of 999999999.99 EUR/,
      ],
      [
        'an amount of 1,000,000,000.00 EUR',
        capture('PAY-BAD', '1000000000.00'),
        'params.payment.transactions.0.amount',
        /above the maximum of 999999999.99 EUR/,
      ],
      [
        'a pass-through field nested 6,000 levels deep',
        withLinesNested(6_000),
        `params.payment.lines${'.0'.repeat(31)}`,
        /nested deeper than 32 levels/,
      ],
      [
        'a pass-through field that makes the payment 33 levels deep',
        withLinesNested(32),
        `params.payment.lines${'.0'.repeat(31)}`,
        /nested deeper than 32 levels/,
      ],
    ])('%s: -32602 naming the field', async (_case, body, path, message) => {
      const before = await workflowCount();
      const callsBefore = stack.gateway.sim.calls.length;
      const answer = await post('/mib', body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ id: 'req-PAY-BAD', error: { code: -32602 } });
      expect(answer.body.error.data.issues).toEqual([{ path, message: expect.stringMatching(message) }]);
      expect(await workflowCount()).toBe(before);
      expect(stack.gateway.sim.calls.length).toBe(callsBefore);
    });

    it('refuses a batch of more than 100 commands whole, and starts none of it', async () => {
      const batch = Array.from({ length: 101 }, (_, index) => ({ ...valid, id: `req-PAY-BAD-${index}` }));
      const answer = await post('/mib', batch);
      expect(answer).toEqual({
        status: 400,
        body: {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32600, message: 'Invalid Request: a batch of 101 requests; at most 100' },
        },
      });
    });

    it('names the failing fields of invalid params', async () => {
      const answer = await post('/mib', capture('PAY-BAD', '10.001', { currency: 'XYZ' }));
      expect(answer.body.error.data.issues.map((issue: { path: string }) => issue.path)).toEqual([
        'params.payment.currency',
      ]);
      const amount = await post('/mib', capture('PAY-BAD', '10.001'));
      expect(amount.body.error.data.issues).toEqual([
        {
          path: 'params.payment.transactions.0.amount',
          message: expect.stringMatching(/more than 2 decimals/),
        },
      ]);
    });

    it('refuses a body over the size limit with 413', async () => {
      const answer = await post('/mib', capture('PAY-BAD', '10.00', { padding: 'x'.repeat(300_000) }));
      expect(answer.status).toBe(413);
      expect(answer.body.error.code).toBe(-32600);
    });

    it('…and none of them started a workflow, once visibility has caught up', async () => {
      // A valid command after all the bad ones: once it is visible, anything started before it would be too.
      await post('/mib', capture('PAY-AFTER-BAD'));
      await eventually(async () =>
        (await workflowCount('SettlePaymentReference="PAY-AFTER-BAD"')) === 1 ? true : undefined,
      );
      expect(await workflowCount('SettlePaymentReference="PAY-BAD"')).toBe(0);
      expect(await workflowCount()).toBe(countBefore + 1);
    });
  });

  it('accepts ids and amounts at their limits, in any script, and starts them', async () => {
    const reference = '€'.repeat(200); // 600 bytes in UTF-8
    const answer = await post(
      '/mib',
      capture(reference, '999999999.99', {
        order_id: 'Ø'.repeat(200),
        transactions: [
          {
            amount: '999999999.99',
            gateway_information: { gateway_id: 'gateway', transaction_id: `auth_${'ü'.repeat(495)}` },
          },
        ],
      }),
    );
    expect(answer).toMatchObject({ status: 200, body: { result: { accepted: true } } });
  });

  it('accepts every Web UI query the operations guide lists', async () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'docs', 'operations.md'), 'utf8');
    const block = /Ready queries[\s\S]*?```\n([\s\S]*?)```/.exec(readme)![1]!;
    const queries = block
      .split('\n')
      .map((line) => line.replace(/\s+--.*$/, '').trim())
      .filter(Boolean);
    expect(queries.length).toBeGreaterThanOrEqual(4);
    for (const query of queries) await expect(workflowCount(query)).resolves.toEqual(expect.any(Number));
  });

  it('answers the OPTIONS probe with X-Magento-Service-Bus', async () => {
    const response = await fetch(`${stack.api.url}/mib`, { method: 'OPTIONS' });
    expect(response.headers.get('x-magento-service-bus')).toBe('*');
  });

  /** A capture left waiting for its webhook (which will not come while the test runs), and its status. */
  const captureAwaitingSettlement = async (reference: string) => {
    stack.gateway.sim.control.webhookDelayMs = 3_600_000;
    const { body } = await post('/mib', capture(reference));
    const workflowId = body.result.workflow_id as string;
    const handle = env.client.workflow.getHandle(workflowId);
    const status = await eventually(async () => {
      const s = await handle.query(statusQuery);
      return s.phase === 'awaiting_settlement' ? s : undefined;
    });
    return { workflowId, handle, status };
  };

  it('refuses a webhook with a wrong signature with 401, believes nothing in it, and asks the gateway instead', async () => {
    const { workflowId, handle, status } = await captureAwaitingSettlement('PAY-E2E-5');
    const secret = stack.config.GATEWAY_WEBHOOK_SECRET;
    const event = gatewayEvent(secret, {
      eventId: 'evt_forged',
      operationId: status.operationId!,
      workflowId,
    });
    const forgeries = [
      gatewayEvent('wrong-secret', { eventId: 'evt_forged', operationId: status.operationId!, workflowId })
        .headers,
      { 'gateway-signature': 'garbage' },
      {},
    ];
    for (const headers of forgeries) {
      const answer = await post('/webhooks/gateway', event.body, headers);
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatch(/webhook verification failed/);
    }
    const history = await handle.fetchHistory();
    const signals = history.events!.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName);
    expect(signals).not.toContain('providerEvent');
    // Not believed, but the gateway has a status API: Settle asked it about the payment the body named,
    // which is still pending there.
    expect(signals).toContain('recheck');
    const asked = await eventually(async () => {
      const { timeline } = await handle.query(statusQuery);
      return timeline.find((entry) => entry.what.startsWith('status check'));
    });
    expect(asked.what).toBe('status check: pending (pending)');
    // The operations guide's query for captures waiting on their provider finds it.
    const waiting = 'SettleFacets="command:capture" AND SettlePhase="awaiting_settlement"';
    expect(await eventually(async () => ((await workflowCount(waiting)) >= 1 ? true : undefined))).toBe(true);
    expect((await handle.query(statusQuery)).phase).toBe('awaiting_settlement');

    // The same event, signed with the right secret, is accepted and settles the capture.
    const answer = await post('/webhooks/gateway', event.body, event.headers);
    expect(answer).toEqual({ status: 200, body: { received: true, delivered: true } });
    expect((await waitForNotification('PAY-E2E-5')).method).toBe(`${NS}.notify_captured`);
    stack.gateway.sim.control.webhookDelayMs = 200;
  });

  it('lets 50 forged webhooks for one payment cause one recheck and one provider status call', async () => {
    const { workflowId, handle, status } = await captureAwaitingSettlement('PAY-E2E-FORGED');
    // Counted where the status requests arrive: at the gateway simulator's HTTP server.
    let statusCalls = 0;
    const count = (req: IncomingMessage) => {
      if (req.method === 'GET' && req.url?.startsWith('/v1/operations')) statusCalls += 1;
    };
    stack.gateway.server.on('request', count);
    try {
      const forged = gatewayEvent('wrong-secret', {
        eventId: 'evt_forged',
        operationId: status.operationId!,
        workflowId,
      });
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => post('/webhooks/gateway', forged.body, forged.headers)),
      );
      // Refused 401, and 429 once this client's unverified webhooks pass the limit (http/throttle.ts): none
      // believed, none signalled.
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
      expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(
        AUTH_FAILURE_LIMIT.failures,
      );
      await eventually(async () => {
        const { timeline } = await handle.query(statusQuery);
        return timeline.some((entry) => entry.what.startsWith('status check')) ? true : undefined;
      });
      await new Promise((done) => setTimeout(done, 500)); // room for any further call to arrive
      expect(statusCalls).toBe(1);
      const history = await handle.fetchHistory();
      const rechecks = history.events!.filter(
        (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'recheck',
      );
      expect(rechecks).toHaveLength(1);
    } finally {
      stack.gateway.server.off('request', count);
      stack.gateway.sim.control.webhookDelayMs = 200;
    }
  });

  it('acknowledges an authentic webhook that carries no outcome, without signalling', async () => {
    const { body } = await post('/mib', capture('PAY-E2E-6'));
    const workflowId = body.result.workflow_id as string;
    await waitForNotification('PAY-E2E-6');
    for (const status of ['pending', 'being_reviewed']) {
      const event = gatewayEvent(stack.config.GATEWAY_WEBHOOK_SECRET, {
        eventId: `evt_${status}`,
        operationId: 'cap_y',
        status,
        workflowId,
      });
      const answer = await post('/webhooks/gateway', event.body, event.headers);
      expect(answer).toEqual({ status: 200, body: { received: true, delivered: false } });
    }
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events!.filter(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'providerEvent',
    );
    expect(events).toHaveLength(1);
  });

  it('acknowledges a late webhook for a finished payment without error', async () => {
    const { body } = await post('/mib', capture('PAY-E2E-7'));
    const workflowId = body.result.workflow_id as string;
    await env.client.workflow.getHandle(workflowId).result();
    const event = gatewayEvent(stack.config.GATEWAY_WEBHOOK_SECRET, {
      eventId: 'evt_late',
      operationId: 'cap_z',
      workflowId,
    });
    const answer = await post('/webhooks/gateway', event.body, event.headers);
    expect(answer).toEqual({ status: 200, body: { received: true, delivered: false } });
  });

  it('acknowledges a webhook for a payment it does not know, without error', async () => {
    const event = gatewayEvent(stack.config.GATEWAY_WEBHOOK_SECRET, {
      eventId: 'evt_orphan',
      operationId: 'cap_x',
      workflowId: 'payment:NOPE:capture:0',
    });
    const answer = await post('/webhooks/gateway', event.body, event.headers);
    expect(answer).toEqual({ status: 200, body: { received: true, delivered: false } });
  });

  /**
   * A transaction belongs to the door that authorized it: MIB, whose secret reaches the whole provider
   * account, may not capture, refund, cancel or revalidate an authorization a Spryker (or Deity) checkout made
   * — that order's payment keeps its ledger — and a revalidation may not hold more than the authorization.
   * Each refusal starts nothing and moves nothing.
   */
  describe('who may act on a transaction', () => {
    /** A MIB command on `transactionId`, as the tests above send them. */
    const mibCommand = (name: string, reference: string, transactionId: string, amount = '10.00') =>
      post(
        '/mib',
        command(name, reference, amount, {
          transactions: [
            { amount, gateway_information: { gateway_id: 'gateway', transaction_id: transactionId } },
          ],
        }),
      );
    const commandsFor = (reference: string) => workflowCount(`SettlePaymentReference="${reference}"`);
    const operationsOn = (transactionId: string) =>
      stack.gateway.sim.calls.filter((call) => call.path.startsWith(`/v1/authorizations/${transactionId}/`));

    /** An order paid at the Spryker door's checkout; its authorization's id at the gateway. */
    async function sprykerOrder(orderReference: string): Promise<string> {
      const response = await fetch(`${stack.api.url}/spryker/private/initialize-payment`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${LOCAL_SPRYKER_TOKEN}`,
          'x-tenant-identifier': LOCAL_SPRYKER_TENANT,
        },
        body: JSON.stringify({
          orderData: {
            orderReference,
            currencyCode: 'EUR',
            grandTotal: 5000,
            items: [{ idSalesOrderItem: 1 }],
            paymentMethodName: 'Settle Card',
            additionalPaymentData: { paymentMethodToken: 'tok_visa' },
          },
        }),
      });
      expect(response.status).toBe(200);
      const key = { door: SPRYKER_DOOR, tenant: LOCAL_SPRYKER_TENANT, orderReference };
      const handle = env.client.workflow.getHandle(orderPaymentWorkflowId(key));
      return eventually(async () => (await handle.query(orderPaymentQuery)).authorization?.transactionId);
    }

    it.each(['capture', 'refund', 'cancel', 'revalidate', 'validate'])(
      "refuses MIB's %s of a Spryker order's authorization, naming the door, and starts nothing",
      async (command) => {
        const transactionId = await sprykerOrder(`DE--OWN-${command}`);
        const reference = `PAY-OWN-${command}`;
        const answer = await mibCommand(command, reference, transactionId);
        expect(answer.status).toBe(400);
        expect(answer.body.error.code).toBe(-32602);
        expect(answer.body.error.data.issues).toEqual([
          {
            path: 'params.payment.transactions.0.gateway_information.transaction_id',
            message:
              "belongs to an order of Settle's spryker door, which authorized it at checkout: only that door may act on it",
          },
        ]);
        expect(operationsOn(transactionId)).toEqual([]);
        // A command MIB may send, sent after: once visible, the refused one would be too.
        const after = await mibCommand('capture', `${reference}-AFTER`, `auth_${reference}_after`);
        expect(after.status).toBe(200);
        await eventually(async () => ((await commandsFor(`${reference}-AFTER`)) === 1 ? true : undefined));
        expect(await commandsFor(reference)).toBe(0);
      },
    );

    it('lets MIB act on its own transactions, and refuses a revalidation larger than the authorization', async () => {
      const created = await fetch(`${stack.gateway.url}/v1/authorizations`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${stack.config.GATEWAY_API_KEY}`,
        },
        body: JSON.stringify({ amount: 10_000, currency: 'EUR' }),
      });
      const { id } = (await created.json()) as { id: string };
      const tooMuch = await mibCommand('revalidate', 'PAY-REVAL-HUGE', id, '999999999.99');
      expect(tooMuch.status).toBe(400);
      expect(tooMuch.body.error.data.issues).toEqual([
        {
          path: 'params.payment.transactions.0.amount',
          message: "a revalidation holds at most the authorization's amount (10000 minor units)",
        },
      ]);
      expect(await mibCommand('revalidate', 'PAY-REVAL-FITS', id, '100.00')).toMatchObject({ status: 200 });
      expect(await mibCommand('capture', 'PAY-MIB-OWN', id, '100.00')).toMatchObject({ status: 200 });
      await eventually(async () => ((await commandsFor('PAY-REVAL-FITS')) === 1 ? true : undefined));
      expect(await commandsFor('PAY-REVAL-HUGE')).toBe(0);
    });

    it('asks MIB to deliver again when the provider cannot be asked, and starts nothing', async () => {
      stack.gateway.sim.control.down = true;
      try {
        const answer = await mibCommand('capture', 'PAY-OWNER-DOWN', 'auth_never_seen_before');
        expect(answer.status).toBe(503);
        expect(answer.body.error).toEqual({
          code: -32603,
          message: 'Internal error: gateway could not be asked about the transaction; retry',
        });
      } finally {
        stack.gateway.sim.control.down = false;
      }
      expect(await mibCommand('capture', 'PAY-OWNER-DOWN', 'auth_never_seen_before')).toMatchObject({
        status: 200,
      });
    });
  });
});
