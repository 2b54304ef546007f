import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  paymentDetailsSchema,
  paymentListSchema,
  paymentStatusSchema,
  type PaymentDetails,
} from '../../api/paymentSchemas';
import { localDefaults } from '../../config';
import { PAYMENT_COMMAND_WORKFLOW } from '../../domain/paymentCommand';
import { mibMethod } from '../../oms/mib/methods';
import type { Stack } from '../../scripts/stack';
import { sendMibCommand } from '../../sim/mib/sendCommand';
import { notificationOf } from '../helpers/notifications';
import { runEntryPoint } from '../helpers/processes';
import { startTestStack } from '../helpers/stacks';
import { eventually } from '../helpers/temporal';
import { SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';

/**
 * The operator, through the API (`/payments`, its own bearer token) and the CLI (`settle payments` as a
 * process), against the whole stack on a dev server. Captures become stuck quickly: their deadline is 2 s
 * and the gateway simulator answers `pending` and holds its webhook for an hour. The poll schedule is an
 * hour too, so the only status check is the one an operator asks for.
 */
describe('the operator (dev server)', () => {
  jest.setTimeout(120_000);
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  /** Three stuck captures: A is resolved through the API, B while MIB refuses, C through the CLI. */
  const ids: Record<'A' | 'B' | 'C', string> = { A: '', B: '', C: '' };
  // C's reference has quotes and spaces, which the visibility query must keep as they are.
  const REFERENCES = { A: 'PAY-OPS-A', B: 'PAY-OPS-B', C: "PAY-OPS 'C' 1" } as const;

  beforeAll(async () => {
    ({ env, stack } = await startTestStack({
      env: { SETTLEMENT_DEADLINES: 'capture=2s', SETTLEMENT_POLL_SCHEDULE: '1h' },
      gateway: { mode: 'pending', webhookDelayMs: 3_600_000 },
    }));
    for (const [name, reference] of Object.entries(REFERENCES)) {
      const answer = await sendMibCommand(stack.api.url, capture(reference, `auth_ops_${name}`), {
        secret: stack.config.MIB_INTAKE_SECRET,
      });
      expect(answer.status).toBe(200);
      ids[name as keyof typeof ids] = (answer.body as { result: { workflow_id: string } }).result.workflow_id;
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const capture = (reference: string, transactionId: string) => ({
    jsonrpc: '2.0',
    id: `capture-${reference}`,
    method: mibMethod('capture'),
    params: {
      payment: {
        reference,
        order_id: 'ORD-OPS-1',
        currency: 'EUR',
        transactions: [
          {
            payment_method: 'card',
            amount: '49.90',
            gateway_information: { gateway_id: 'gateway', transaction_id: transactionId },
          },
        ],
      },
    },
  });

  /** A call with the admin token, another token, or none (null). */
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token: string | null = stack.config.ADMIN_TOKEN!,
  ) => {
    const response = await fetch(`${stack.api.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const path = (id: string, action = '') => `/payments/${encodeURIComponent(id)}${action && `/${action}`}`;
  const show = async (id: string): Promise<PaymentDetails> => {
    const { status, body } = await call('GET', path(id));
    expect(status).toBe(200);
    return paymentDetailsSchema.parse(body);
  };
  /** Lists until visibility has caught up with `expected` workflow ids. */
  const listed = async (query: string, expected: string[]) =>
    eventually(
      async () => {
        const { status, body } = await call('GET', `/payments?${query}`);
        expect(status).toBe(200);
        const list = paymentListSchema.parse(body);
        const found = list.payments.map((p) => p.workflowId).sort();
        return JSON.stringify(found) === JSON.stringify([...expected].sort()) ? list : undefined;
      },
      30_000,
      `GET /payments?${query} to list ${expected.join(', ')}`,
    );
  /** `settle payments …` as a process, configured by the environment. */
  const settle = async (args: string[]) => {
    const env = {
      PATH: process.env.PATH,
      ...localDefaults({ api: stack.api.port, mib: stack.mib.port, gateway: stack.gateway.port }),
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
    };
    const cli = runEntryPoint('cli/main.ts', env, ['payments', ...args]);
    const code = await cli.exited;
    return { code, output: cli.output() };
  };
  const notificationsOf = (reference: string) =>
    stack.mib.sim.notifications.filter(
      (n) => (n.params as { payment: { reference: string } }).payment.reference === reference,
    );

  it('lists the stuck payments from visibility, and filters safely', async () => {
    const stuck = await listed('phase=stuck', Object.values(ids));
    expect(stuck.query).toContain('SettlePhase = "stuck"');
    const A = stuck.payments.find((p) => p.workflowId === ids.A);
    expect(A).toEqual({
      workflowId: ids.A,
      reference: REFERENCES.A,
      orderId: 'ORD-OPS-1',
      command: 'capture',
      provider: 'gateway',
      phase: 'stuck',
      stuckReason: 'no outcome from the provider by the deadline',
      amountMinor: 4990,
      currency: 'EUR',
      deadline: expect.any(String),
      nextCheckAt: expect.any(String),
      status: 'RUNNING',
      startTime: expect.any(String),
    });
    // The deadline 2 s after the start; the next check an hour after the provider's answer (the poll schedule).
    expect(Date.parse(A!.deadline!) - Date.parse(A!.startTime)).toBeGreaterThanOrEqual(2_000);
    expect(Date.parse(A!.deadline!) - Date.parse(A!.startTime)).toBeLessThan(5_000);
    expect(Date.parse(A!.nextCheckAt!) - Date.parse(A!.startTime)).toBeGreaterThan(3_590_000);
    // A filter value is quoted: it matches itself, and cannot change the query.
    await listed(`reference=${encodeURIComponent(REFERENCES.C)}&status=open&command=capture`, [ids.C]);
    await listed(`orderId=ORD-OPS-1&provider=gateway`, Object.values(ids));
    const injection = `${REFERENCES.A}' OR SettlePhase = 'stuck`;
    expect((await call('GET', `/payments?reference=${encodeURIComponent(injection)}`)).body.payments).toEqual(
      [],
    );
    // What Temporal cannot match is refused rather than answered with nothing.
    for (const unmatchable of [`${REFERENCES.A}" OR SettlePhase = "stuck`, 'PAY\\1'])
      expect(await call('GET', `/payments?reference=${encodeURIComponent(unmatchable)}`)).toEqual({
        status: 400,
        body: {
          error: 'invalid request',
          issues: [
            {
              path: 'query.reference',
              message: 'cannot search for ", \\ or control characters (Temporal cannot match them)',
            },
          ],
        },
      });
    expect((await call('GET', `/payments?phase=stuck&status=closed`)).body.payments).toEqual([]);
    const limited = await call('GET', '/payments?phase=stuck&limit=2');
    expect(limited.body).toMatchObject({ more: true });
    expect(limited.body.payments).toHaveLength(2);
  });

  it('shows a payment: phase, attempts, provider references, its run and a timeline', async () => {
    const payment = await show(ids.A);
    expect(payment).toMatchObject({
      workflowId: ids.A,
      reference: REFERENCES.A,
      command: 'capture',
      provider: 'gateway',
      amountMinor: 4990,
      currency: 'EUR',
      phase: 'stuck',
      stuckReason: 'no outcome from the provider by the deadline',
      transactionId: 'auth_ops_A',
      operationId: expect.stringMatching(/^cap_/),
      attempts: { provider: 1, statusChecks: 0, notifications: 0 },
      execution: { status: 'RUNNING', historyLength: expect.any(Number) },
      pendingActivities: [],
    });
    expect(payment.outcome).toBeUndefined();
    expect(payment.timeline.map((entry) => entry.what)).toEqual([
      'acting at the provider',
      'provider answered pending (pending)',
      'stuck: no outcome from the provider by the deadline',
    ]);
    for (const entry of payment.timeline) expect(Date.parse(entry.at)).not.toBeNaN();
  });

  it('refuses callers without the admin token, and ids that are no payment', async () => {
    for (const token of [null, stack.config.MIB_INTAKE_SECRET, `${stack.config.ADMIN_TOKEN}x`]) {
      const answer = await call('POST', path(ids.A, 'resolve'), { outcome: 'settled' }, token);
      expect(answer).toEqual({ status: 401, body: { error: expect.stringMatching(/^Unauthorized: /) } });
    }
    expect(await call('GET', path('settle-register:custom-payment'))).toEqual({
      status: 404,
      body: { error: expect.stringContaining('is not a payment workflow') },
    });
    const unknown = 'payment:PAY-NOBODY:capture:0123456789abcdef';
    for (const [method, action] of [
      ['GET', ''],
      ['POST', 'recheck'],
      ['POST', 'retry-notification'],
    ] as const)
      expect(await call(method, path(unknown, action))).toEqual({
        status: 404,
        body: { error: `no payment workflow "${unknown}"` },
      });
    const resolution = { outcome: 'settled', reason: 'r', operator: 'o' };
    expect((await call('POST', path(unknown, 'resolve'), resolution)).status).toBe(404);
    expect((await show(ids.A)).resolution).toBeUndefined();
  });

  it('rechecks a pending payment at the provider now', async () => {
    expect(await call('POST', path(ids.A, 'recheck'))).toEqual({
      status: 202,
      body: { accepted: true, workflowId: ids.A },
    });
    const payment = await eventually(async () => {
      const shown = await show(ids.A);
      return shown.timeline.some((entry) => entry.what.startsWith('status check')) ? shown : undefined;
    });
    expect(payment.attempts.statusChecks).toBe(1);
    expect(payment.timeline.slice(-2).map((entry) => entry.what)).toEqual([
      'asked to recheck the provider',
      'status check: pending (pending)',
    ]);
    expect(payment.phase).toBe('stuck');
  });

  it('resolves a stuck payment: bad input refused, then the notification reaches MIB, then it is over', async () => {
    const resolve = (body: unknown) => call('POST', path(ids.A, 'resolve'), body);
    const bad = await resolve({ outcome: 'paid', reason: '   ', colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual([
      'body',
      'body.operator',
      'body.outcome',
      'body.reason',
    ]);
    expect((await resolve('{"outcome":')).status).toBe(400);
    expect((await show(ids.A)).resolution).toBeUndefined();

    const resolution = { outcome: 'settled', reason: 'settled in the gateway dashboard', operator: 'alice' };
    const resolved = await resolve(resolution);
    expect(resolved.status).toBe(200);
    expect(paymentStatusSchema.parse(resolved.body)).toMatchObject({
      workflowId: ids.A,
      resolution: { ...resolution, at: expect.any(String) },
    });
    const { notification } = await notificationOf(stack, ids.A);
    expect(notification.method).toBe(mibMethod('notify_captured'));
    const done = await show(ids.A);
    expect(done).toMatchObject({
      phase: 'done',
      outcome: 'settled',
      execution: { status: 'COMPLETED', closeTime: expect.any(String) },
    });
    expect(done.timeline.slice(-2).map((entry) => entry.what)).toEqual([
      'resolved as settled by alice: settled in the gateway dashboard',
      `reported through mib: ${mibMethod('notify_captured')}`,
    ]);
    await listed(`reference=${REFERENCES.A}&phase=done&outcome=settled&status=closed`, [ids.A]);

    expect(await resolve(resolution)).toEqual({
      status: 409,
      body: { error: 'resolve refused: the payment workflow has ended (COMPLETED)' },
    });
    expect(await call('POST', path(ids.A, 'recheck'))).toEqual({
      status: 409,
      body: { error: 'nothing to ask the provider: the outcome is known (settled)' },
    });
    expect(notificationsOf(REFERENCES.A)).toHaveLength(1);
  });

  it("refuses a second resolution with the validator's reason; delivers a refused notification again on request", async () => {
    const retry = () => call('POST', path(ids.B, 'retry-notification'));
    expect(await retry()).toEqual({
      status: 409,
      body: {
        error:
          'no refused notification to deliver again: the payment is stuck (no outcome from the provider by the deadline); resolve it or recheck the provider',
      },
    });
    Object.assign(stack.mib.sim.faults, { failNext: 1, failStatus: 400 });
    const resolution = { outcome: 'declined', reason: 'the customer cancelled', operator: 'bob' };
    // The gateway, asked first, still has the capture pending: declining it needs force.
    expect(await call('POST', path(ids.B, 'resolve'), resolution)).toEqual({
      status: 409,
      body: {
        error:
          'resolve refused: the provider still has the capture pending (status pending) and may yet settle it; resolve as declined with force only if you know it will not',
      },
    });
    expect((await show(ids.B)).resolution).toBeUndefined();
    expect((await call('POST', path(ids.B, 'resolve'), { ...resolution, force: true })).status).toBe(200);
    const refused = await eventually(async () => {
      const shown = await show(ids.B);
      return shown.phase === 'stuck' && shown.outcome ? shown : undefined;
    });
    expect(refused.stuckReason).toMatch(/^MIB refused the notification: .*400/);

    const again = await call('POST', path(ids.B, 'resolve'), { ...resolution, outcome: 'settled' });
    expect(again).toEqual({
      status: 409,
      body: { error: 'resolve refused: the payment was already resolved by an operator' },
    });
    expect(await call('POST', path(ids.B, 'recheck'))).toEqual({
      status: 409,
      body: {
        error:
          'nothing to ask the provider: the outcome is known (declined); MIB refused its notification: use retry-notification',
      },
    });

    expect(await retry()).toEqual({ status: 202, body: { accepted: true, workflowId: ids.B } });
    const { notification } = await notificationOf(stack, ids.B);
    expect(notification.method).toBe(mibMethod('notify_capture_failed'));
    expect(notification.params).toMatchObject({
      reason: 'the customer cancelled',
      payment: { transactions: [{ gateway_information: { operation_status: 'resolved_by_operator' } }] },
    });
    expect((await show(ids.B)).timeline.slice(-2).map((entry) => entry.what)).toEqual([
      'operator asked to deliver the report again',
      `reported through mib: ${mibMethod('notify_capture_failed')}`,
    ]);
    expect((await retry()).status).toBe(409);
  });

  describe('settle payments (the CLI as a process)', () => {
    it('lists the stuck payments, shows one, and resolves it', async () => {
      const [table, json, shown] = await Promise.all([
        settle(['list', '--stuck']),
        settle(['list', '--reference', REFERENCES.C, '--json']),
        settle(['show', ids.C]),
      ]);
      expect(table.code).toBe(0);
      const rows = table.output.trim().split('\n');
      expect(rows[0]).toMatch(/^PHASE +OUTCOME +COMMAND +AMOUNT +PROVIDER +STATUS +STARTED +WORKFLOW ID$/);
      expect(rows.slice(1, -1)).toEqual([
        expect.stringMatching(
          /^stuck +- +capture +49\.90 EUR +gateway +RUNNING +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +/,
        ),
      ]);
      expect(rows[1]!.endsWith(`${ids.C}  (stuck: no outcome from the provider by the deadline)`)).toBe(true);
      expect(rows.at(-1)).toBe('1 payment');
      expect(json.code).toBe(0);
      expect(paymentListSchema.parse(JSON.parse(json.output)).payments.map((p) => p.workflowId)).toEqual([
        ids.C,
      ]);
      expect(shown.code).toBe(0);
      expect(shown.output).toContain(`${ids.C}  (RUNNING since `);
      expect(shown.output).toMatch(/\n {2}command +capture 49\.90 EUR at gateway\n/);
      expect(shown.output).toMatch(/\n {2}phase +stuck: no outcome from the provider by the deadline\n/);
      expect(shown.output).toMatch(/\n {2}attempts +1 provider call, 0 status checks, 0 notifications\n/);
      expect(shown.output).toMatch(/\ntimeline\n {2}\S+Z {2}acting at the provider\n/);
      // What to do next, as the command that does it.
      expect(shown.output).toContain(
        `  next step      settle payments resolve ${ids.C} --outcome <settled or declined> --reason "<why>" --operator <name>`,
      );

      const resolved = await settle([
        'resolve',
        ids.C,
        '--outcome',
        'settled',
        '--reason',
        'seen in the dashboard',
        '--operator',
        'carol',
      ]);
      expect(resolved.output).toContain(`resolved ${ids.C} as settled (by carol)`);
      expect(resolved.code).toBe(0);
      const { notification } = await notificationOf(stack, ids.C);
      expect(notification.method).toBe(mibMethod('notify_captured'));

      const [again, recheck, missing] = await Promise.all([
        settle(['resolve', ids.C, '--outcome', 'declined', '--reason', 'x', '--operator', 'carol']),
        settle(['recheck', ids.C]),
        settle(['show', 'settle-register:custom-payment']),
      ]);
      expect(again).toEqual({
        code: 1,
        output: 'settle payments: resolve refused: the payment workflow has ended (COMPLETED)\n',
      });
      expect(recheck.code).toBe(1);
      expect(recheck.output).toContain('the outcome is known (settled)');
      expect(missing.code).toBe(1);
      expect(missing.output).toContain('is not a payment workflow');
      expect(notificationsOf(REFERENCES.C)).toHaveLength(1);
    });

    it('answers a wrong command line with the usage and exit code 2', async () => {
      const wrong = [
        [[], 'no subcommand given'],
        [['frobnicate'], 'unknown subcommand "frobnicate"'],
        [['list', '--phase', 'lost'], '--phase: Invalid option'],
        [['list', '--stuck', '--phase', 'done'], '--stuck and --phase done contradict each other'],
        [['list', '--open', '--closed'], '--open and --closed exclude each other'],
        [['list', '--limit', '0'], '--limit: Too small'],
        [['show'], 'the workflow id is missing'],
        [['show', ids.A, 'extra'], 'unexpected argument "extra"'],
        [['resolve', ids.A, '--outcome', 'maybe', '--operator', 'x'], '--outcome: Invalid option'],
        [['resolve', ids.A, '--outcome', 'settled', '--operator', 'x'], '--reason: Invalid input'],
        [['recheck', ids.A, '--now'], "Unknown option '--now'"],
      ] as const;
      const answers = await Promise.all(wrong.map(([args]) => settle([...args])));
      answers.forEach(({ code, output }, i) => {
        expect({ args: wrong[i]![0], code }).toEqual({ args: wrong[i]![0], code: 2 });
        expect(output).toContain(wrong[i]![1]);
        expect(output).toContain(
          'Usage: settle payments <list | show | resolve | recheck | retry-notification>',
        );
      });
      const help = await settle(['--help']);
      expect(help.code).toBe(0);
      expect(help.output).toContain('settle payments resolve <workflow id> --outcome settled|declined');
    });
  });

  it('lists a command workflow terminated by hand as stuck; resolve or recheck run it again, acting only on a recheck', async () => {
    const reference = 'PAY-OPS-ENDED';
    const answer = await sendMibCommand(stack.api.url, capture(reference, 'auth_ops_E'), {
      secret: stack.config.MIB_INTAKE_SECRET,
    });
    const workflowId = (answer.body as { result: { workflow_id: string } }).result.workflow_id;
    const first = await eventually(async () => {
      const shown = await show(workflowId);
      return shown.operationId ? shown : undefined;
    });
    await env.client.workflow.getHandle(workflowId).terminate('ended by hand');
    const keyCalls = () =>
      stack.gateway.sim.calls.filter((c) => c.idempotencyKey === workflowId).map((c) => c.replayed);

    // It ran no code at its end: the listing knows it from the run's status.
    const { payments } = await listed(`phase=stuck&reference=${reference}`, [workflowId]);
    const reason =
      'the command workflow ended (TERMINATED) without reporting an outcome; resolve decides it, recheck acts again with the same idempotency key';
    expect(payments[0]).toMatchObject({ phase: 'stuck', status: 'TERMINATED', stuckReason: reason });
    await listed(`phase=awaiting_settlement&reference=${reference}`, []);
    expect(await show(workflowId)).toMatchObject({
      phase: 'stuck',
      stuckReason: reason,
      nextStep: expect.stringContaining(`settle payments recheck ${workflowId}`),
      execution: { status: 'TERMINATED', runId: first.execution.runId },
    });

    // Declining runs it again, waiting; the gateway, asked first, still has the capture pending: refused.
    const decline = { outcome: 'declined', reason: 'gone', operator: 'erin' };
    expect(await call('POST', path(workflowId, 'resolve'), decline)).toEqual({
      status: 409,
      body: {
        error:
          'resolve refused: the provider still has the capture pending (status pending) and may yet settle it; resolve as declined with force only if you know it will not',
      },
    });
    const revived = await show(workflowId);
    expect(revived).toMatchObject({
      phase: 'stuck',
      stuckReason: 'the previous run of the command workflow ended (TERMINATED) without reporting an outcome',
      execution: { status: 'RUNNING' },
      attempts: { provider: 0 },
    });
    expect(revived.execution.runId).not.toBe(first.execution.runId);
    // The ended run is no longer listed: the payment is the run after it.
    await listed(`phase=stuck&reference=${reference}`, [workflowId]);
    await listed(`phase=stuck&reference=${reference}&status=closed`, []);
    expect(keyCalls()).toEqual([false]);

    // A recheck acts again with the same idempotency key: the gateway answers what it did, and captures once.
    expect(await call('POST', path(workflowId, 'recheck'))).toEqual({
      status: 202,
      body: { accepted: true, workflowId },
    });
    const rerun = await eventually(async () => {
      const shown = await show(workflowId);
      return shown.operationId ? shown : undefined;
    });
    expect(rerun).toMatchObject({ operationId: first.operationId, attempts: { provider: 1 } });
    expect(keyCalls()).toEqual([false, true]);

    const settled = { outcome: 'settled', reason: 'seen in the gateway dashboard', operator: 'erin' };
    await eventually(async () => ((await show(workflowId)).phase === 'stuck' ? true : undefined));
    expect((await call('POST', path(workflowId, 'resolve'), settled)).status).toBe(200);
    const { notification } = await notificationOf(stack, workflowId);
    expect(notification.method).toBe(mibMethod('notify_captured'));
    expect(notificationsOf(reference)).toHaveLength(1);
  });

  it("lists a running payment whose status query gets no answer with visibility's fields", async () => {
    // No worker polls this task queue: the workflow never answers a query, and visibility has what it started with.
    const deadline = new Date('2030-01-02T03:04:05.000Z');
    const handle = await env.client.workflow.start(PAYMENT_COMMAND_WORKFLOW, {
      workflowId: 'payment:PAY-OPS-UNANSWERED:refund:0123456789abcdef',
      taskQueue: 'nobody-polls-this',
      args: [],
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.paymentReference, value: 'PAY-OPS-UNANSWERED' },
        { key: SEARCH_ATTRIBUTES.facets, value: ['command:refund', 'currency:JPY'] },
        { key: SEARCH_ATTRIBUTES.phase, value: 'stuck' },
        { key: SEARCH_ATTRIBUTES.stuckReason, value: 'no outcome from the provider by the deadline' },
        { key: SEARCH_ATTRIBUTES.amountMinor, value: 123456 },
        { key: SEARCH_ATTRIBUTES.deadline, value: deadline },
      ],
    });
    try {
      const { payments } = await listed('reference=PAY-OPS-UNANSWERED', [handle.workflowId]);
      expect(payments).toEqual([
        {
          workflowId: handle.workflowId,
          reference: 'PAY-OPS-UNANSWERED',
          command: 'refund',
          phase: 'stuck',
          stuckReason: 'no outcome from the provider by the deadline',
          amountMinor: 123456,
          currency: 'JPY',
          deadline: deadline.toISOString(),
          status: 'RUNNING',
          startTime: expect.any(String),
        },
      ]);
    } finally {
      await handle.terminate('test fixture');
    }
  });

  it('shows a provider call retried through an outage, and refuses to resolve it while it is in flight', async () => {
    await fetch(`${stack.gateway.url}/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failNext: 1000, failStatus: 503 }),
    });
    const reference = 'PAY-OPS-OUTAGE';
    const answer = await sendMibCommand(stack.api.url, capture(reference, 'auth_ops_D'), {
      secret: stack.config.MIB_INTAKE_SECRET,
    });
    const workflowId = (answer.body as { result: { workflow_id: string } }).result.workflow_id;
    // Attempts 1 s, 2 s, 4 s apart; by the third the deadline (2 s) has passed.
    const retried = await eventually(async () => {
      const shown = await show(workflowId);
      return (shown.pendingActivities[0]?.attempt ?? 0) >= 3 && shown.phase === 'stuck' ? shown : undefined;
    });
    expect(retried.pendingActivities).toEqual([
      {
        activity: 'executeProviderCommand',
        state: expect.stringMatching(/^(scheduled|started)$/),
        attempt: expect.any(Number),
        lastFailure: expect.stringContaining('gateway answered HTTP 503'),
        nextAttemptAt: expect.any(String),
      },
    ]);
    expect(retried.stuckReason).toBe('the provider call has not finished by the deadline');
    const resolution = { outcome: 'declined', reason: 'gateway is down', operator: 'dave' };
    expect(await call('POST', path(workflowId, 'resolve'), resolution)).toEqual({
      status: 409,
      body: {
        error:
          'resolve refused: the command has not had its provider answer yet (a call is in flight or due); wait for it or fix the provider first',
      },
    });
    const { code, output } = await settle(['show', workflowId]);
    expect(code).toBe(0);
    expect(output).toMatch(
      /\n {2}in progress +executeProviderCommand \((scheduled|started)\), attempt \d+; last failure: gateway answered HTTP 503/,
    );
  });
});
