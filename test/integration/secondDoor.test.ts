import express from 'express';
import { z } from 'zod';
import { createLogger } from '../../config/logger';
import { listen, type RunningServer } from '../../config/server';
import { fingerprint } from '../../domain/fingerprint';
import { paymentWorkflowId } from '../../domain/workflowId';
import { FRONT_DOORS } from '../../oms';
import type { FrontDoor, ReportRequest } from '../../oms/door';
import { startPaymentCommand } from '../../oms/startCommand';
import type { Stack } from '../../scripts/stack';
import { statusQuery } from '../../workflows/messages';
import { startTestStack } from '../helpers/stacks';
import { eventually } from '../helpers/temporal';

/**
 * A second front door, written only here: JSON commands over HTTP in, outcomes collected in memory out.
 * It runs a capture end to end through the same workflow, worker, provider and webhook path as MIB, with
 * nothing of MIB in its way: the seam between the core and its doors is real.
 */
describe('a second front door (dev server)', () => {
  let stack: Stack;
  let intake: RunningServer;
  const reports: ReportRequest[] = [];

  /** The door's whole reporter: it keeps what it is told, and answers in its own words. */
  const memoDoor: FrontDoor = {
    name: 'memo',
    worker: () => ({
      reporter: {
        async report(request) {
          reports.push(request);
          return `memo:${request.result.outcome}`;
        },
      },
    }),
  };

  const commandSchema = z.object({
    ticket: z.string().min(1),
    reference: z.string().min(1),
    authorization: z.string().min(1),
    amountMinor: z.number().int().positive(),
    currency: z.string().length(3),
  });

  beforeAll(async () => {
    ({ stack } = await startTestStack({
      gateway: { mode: 'pending', webhookDelayMs: 100 },
      doors: [...FRONT_DOORS, memoDoor],
    }));
    const app = express();
    app.post('/commands', express.json(), async (req, res) => {
      const parsed = commandSchema.safeParse(req.body);
      if (!parsed.success) return void res.status(400).json({ error: parsed.error.message });
      const { ticket, reference, authorization, amountMinor, currency } = parsed.data;
      const identity = {
        command: 'capture' as const,
        reference,
        transactionId: authorization,
        amount: { minor: amountMinor, currency },
        provider: 'gateway',
      };
      const workflowId = paymentWorkflowId({
        reference,
        command: 'capture',
        fingerprint: fingerprint(identity),
      });
      const input = {
        command: 'capture' as const,
        reference,
        provider: 'gateway',
        transactionId: authorization,
        amountMinor,
        currency,
        settlement: { pollScheduleMs: [60_000], statusApi: true, deadlineMs: 86_400_000 },
        reply: { door: 'memo', context: { ticket } },
      };
      const started = await startPaymentCommand(
        {
          temporal: stack.temporal,
          taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
          logger: createLogger('memo', 'error'),
        },
        input,
        { workflowId, orderId: reference },
      );
      res.status(202).json({ workflowId, started });
    });
    intake = await listen(app, 0);
  });
  afterAll(async () => {
    await intake?.close();
    await stack?.stop();
  });

  const send = async (body: object) => {
    const response = await fetch(`${intake.url}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as { workflowId: string; started: string },
    };
  };

  it('captures through the core and hears the outcome in its own contract, once', async () => {
    const command = {
      ticket: 'T-1',
      reference: 'MEMO-1',
      authorization: 'auth_memo_1',
      amountMinor: 1234,
      currency: 'EUR',
    };
    const first = await send(command);
    expect(first).toMatchObject({ status: 202, body: { started: 'started' } });
    // A redelivery maps to the same workflow and starts nothing.
    expect((await send(command)).body).toEqual({ workflowId: first.body.workflowId, started: 'redelivered' });

    const handle = stack.temporal.workflow.getHandle(first.body.workflowId);
    // The Web UI's summary says what the payment is about from its first moment.
    expect(await (await handle.describe()).staticSummary()).toBe('capture 12.34 EUR · MEMO-1 · gateway');
    expect(await handle.result()).toEqual({
      outcome: 'settled',
      reported: 'memo:settled',
      operationId: expect.any(String),
    });
    expect(reports).toEqual([
      {
        reportId: `${first.body.workflowId}:${(await handle.describe()).raw.workflowExecutionInfo?.firstRunId}`,
        command: 'capture',
        context: { ticket: 'T-1' },
        result: expect.objectContaining({ provider: 'gateway', outcome: 'settled', status: 'succeeded' }),
      },
    ]);
    // The gateway captured the amount once, under the workflow's idempotency key.
    const captures = [...stack.gateway.sim.operations.values()].filter(
      (operation) => operation.metadata.workflow_id === first.body.workflowId,
    );
    expect(captures.map(({ amount, currency, status }) => ({ amount, currency, status }))).toEqual([
      { amount: 1234, currency: 'EUR', status: 'succeeded' },
    ]);
    const status = await handle.query(statusQuery);
    expect(status).toMatchObject({ door: 'memo', phase: 'done', outcome: 'settled' });
    const { searchAttributes } = await eventually(async () => {
      const description = await handle.describe();
      return description.searchAttributes.SettlePhase?.[0] === 'done' ? description : undefined;
    });
    expect(searchAttributes).toMatchObject({
      SettleDoor: ['memo'],
      SettleAmountMinor: [1234],
      SettleCurrency: ['EUR'],
    });
  });
});
