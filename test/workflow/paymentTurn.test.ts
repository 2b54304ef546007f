import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ProviderResult } from '../../providers/types';
import { statusQuery } from '../../workflows/messages';
import { paymentWorkflowHarness } from '../helpers/paymentWorkflowHarness';
import { createDevServerEnv, eventually } from '../helpers/temporal';

/**
 * The payment's turn (workflows/paymentAct.ts) where the time-skipping server falls short: it does not tell
 * a parent that its child was terminated, a real server does. On a dev server, in real time.
 */
describe("the payment's turn (dev server)", () => {
  let env: TestWorkflowEnvironment;
  const h = paymentWorkflowHarness(() => env);
  beforeAll(async () => {
    env = await createDevServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  beforeEach(() => h.reset());
  const settled = (operationId: string): ProviderResult => ({
    outcome: 'settled',
    operationId,
    status: 'succeeded',
  });

  it('survives the act workflow being terminated by hand: the command acts again with the same key, the waiting one takes its turn', async () => {
    let finishFirstCapture!: () => void;
    const firstCaptureFinished = new Promise<void>((done) => (finishFirstCapture = done));
    h.answer = async (request) => {
      // Only the first capture call hangs; the repeated one answers at once.
      if (request.command === 'capture' && h.executions.filter((e) => e.command === 'capture').length === 1)
        await firstCaptureFinished;
      return settled(`${request.command}_1`);
    };
    const reference = h.input('PAY-TURN-GONE').reference;
    await h.withWorker(async () => {
      const capture = await h.start('wf-turn-gone-capture', { reference });
      await eventually(async () => (h.executions.length > 0 ? true : undefined));
      const cancel = await h.start('wf-turn-gone-cancel', { command: 'cancel', reference });
      await eventually(async () =>
        (await cancel.query(statusQuery)).timeline.some((entry) => entry.what.startsWith('waiting for'))
          ? true
          : undefined,
      );
      await env.client.workflow.getHandle('payment-lock:PAY-TURN-GONE').terminate('operator mistake');
      expect((await capture.result()).reported).toContain('notify_captured');
      expect((await cancel.result()).reported).toContain('notify_cancelled');
      const { timeline } = await capture.query(statusQuery);
      expect(timeline.map((entry) => entry.what)).toContain(
        'the act at the provider was ended by hand; acting again with the same idempotency key',
      );
      finishFirstCapture();
    });
    const captures = h.executions.filter((e) => e.command === 'capture');
    expect(captures).toHaveLength(2);
    expect(new Set(captures.map((e) => e.idempotencyKey))).toEqual(new Set(['wf-turn-gone-capture']));
    expect(h.executions.map((e) => e.command)).toContain('cancel');
  }, 120_000);

  it('lets the act finish when its command is cancelled mid-call: the call may be moving money', async () => {
    let finishCapture!: () => void;
    const captureFinished = new Promise<void>((done) => (finishCapture = done));
    h.answer = async (request) => {
      await captureFinished;
      return settled(`${request.command}_1`);
    };
    await h.withWorker(async () => {
      const capture = await h.start('wf-turn-cancelled');
      await eventually(async () => (h.executions.length > 0 ? true : undefined));
      await capture.cancel();
      expect(await capture.result().catch((error: Error) => error.name)).toBe('WorkflowFailedError');
      expect((await capture.describe()).status.name).toBe('CANCELLED');
      const act = env.client.workflow.getHandle('payment-lock:wf-turn-cancelled');
      expect((await act.describe()).status.name).toBe('RUNNING');
      finishCapture();
      expect(await act.result()).toMatchObject({ outcome: 'settled', operationId: 'capture_1' });
    });
    expect(h.executions).toHaveLength(1);
    expect(h.notifications).toHaveLength(0);
  }, 120_000);
});
