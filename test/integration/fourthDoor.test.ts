import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { FRONT_DOORS } from '../../oms';
import { startStack, type Stack } from '../../scripts/stack';
import { runSettle } from '../../cli/settle';
import { statusQuery } from '../../workflows/messages';
import { createDevServerEnv, eventually } from '../helpers/temporal';
import { memoDoor } from './fourthDoor';
import { filedReceipts, heardReports } from './fourthDoor/activities';
import { receiptWorkflowId } from './fourthDoor/workflows/receiptMessages';

/**
 * A fourth front door, written only in a test (./fourthDoor/): routes, a setting, a command and a workflow of
 * its own. It is one folder and one entry in the door list, and a capture runs end to end through the real
 * createApi and the real worker, the same workflow, provider and webhook path as the other doors, with
 * nothing of theirs in its way: the seam between the core and its doors is real.
 */
describe('a fourth front door (dev server)', () => {
  let env: TestWorkflowEnvironment;
  let stack: Stack;
  const doors = [...FRONT_DOORS, memoDoor];
  const MEMO_TOKEN = 'memo-token-1';

  beforeAll(async () => {
    env = await createDevServerEnv();
    stack = await startStack({
      address: env.address,
      env: { LOG_LEVEL: 'error', MEMO_TOKEN },
      gateway: { mode: 'pending', webhookDelayMs: 100 },
      doors,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await env?.teardown();
  });

  /** `settle <argv>` with the door list, in this process, against the test's Temporal. */
  const settleWithEnv = async (argv: string[]) => {
    const settings = { TEMPORAL_ADDRESS: env.address, MEMO_TOKEN };
    const saved = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
    Object.assign(process.env, settings);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const code = await runSettle(argv, doors);
      return { code, printed: log.mock.calls.map((call) => call.join(' ')) };
    } finally {
      log.mockRestore();
      for (const [name, value] of Object.entries(saved))
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
  };

  const send = async (body: object, token = MEMO_TOKEN) => {
    const response = await fetch(`${stack.api.url}/memo/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as { workflowId: string; started: string },
    };
  };

  it("refuses a caller without the door's setting, through the API's own contract", async () => {
    const refused = await send({ ticket: 'T-0' }, 'not-the-token');
    expect(refused.status).toBe(401);
    // The API's document names the door's route beside the others.
    const document = (await (await fetch(`${stack.api.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/memo/commands', '/mib']));
  });

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
    expect(heardReports).toEqual([
      {
        reportId: `${first.body.workflowId}:${(await handle.describe()).raw.workflowExecutionInfo?.firstRunId}`,
        command: 'capture',
        context: { ticket: 'T-1' },
        result: expect.objectContaining({ provider: 'gateway', outcome: 'settled', status: 'succeeded' }),
      },
    ]);
    // The reporter started the door's own workflow, which filed the receipt through the door's activity.
    const receipt = await stack.temporal.workflow.getHandle(receiptWorkflowId('T-1')).result();
    expect(receipt).toEqual({ ticket: 'T-1', outcome: 'settled', filed: true });
    expect(filedReceipts).toEqual([receipt]);
    // The door's own command reads it, with the door's settings loaded beside Temporal's.
    expect(await settleWithEnv(['memo', 'receipt', 'T-1'])).toEqual({
      code: 0,
      printed: [JSON.stringify(receipt)],
    });
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
      SettleFacets: expect.arrayContaining(['door:memo', 'currency:EUR']),
      SettleAmountMinor: [1234],
    });
  });
});
