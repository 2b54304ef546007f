import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ProviderResult } from '../../providers/types';
import { recheckSignal, statusQuery } from '../../workflows/messages';
import { CANCELLED_BEFORE_REPORT } from '../../workflows/paymentCommand';
import { paymentWorkflowHarness } from '../helpers/paymentWorkflowHarness';
import { createDevServerEnv, eventually } from '../helpers/temporal';

/**
 * The payment's turn (workflows/paymentTurn.ts) where the time-skipping server falls short: it does not tell
 * a parent that its child was terminated, a real server does. On a dev server, in real time.
 */
describe("the payment's turn (dev server)", () => {
  let env: TestWorkflowEnvironment;
  /**
   * A command that found the turn taken has looked up its holder, told it, and looked again that the same act
   * still runs (two local activities, findTurnHolder): it now waits for the holder's word.
   */
  const waitsForWord = async (workflowId: string) =>
    (await env.client.workflow.getHandle(workflowId).fetchHistory()).events!.filter(
      (event) => event.markerRecordedEventAttributes,
    ).length >= 2;
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

  it('makes a command whose act is terminated by hand stuck, lets the waiting one take its turn, and acts again only on a recheck', async () => {
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
      await env.client.workflow.getHandle('payment-turn:PAY-TURN-GONE').terminate('operator mistake');
      // The capture's answer is unknown: it does not act again by itself, it is stuck until an operator looks.
      const stuck = await eventually(async () => {
        const status = await capture.query(statusQuery);
        return status.phase === 'stuck' ? status : undefined;
      });
      expect(stuck).toMatchObject({
        stuckReason: 'the act at the provider was ended by hand before it answered',
        nextStep: expect.stringContaining('settle payments recheck wf-turn-gone-capture'),
      });
      expect((await capture.describe()).searchAttributes.SettleStuckReason).toEqual([
        'the act at the provider was ended by hand before it answered',
      ]);
      expect((await cancel.result()).reported).toContain('notify_cancelled');
      expect(h.executions.filter((e) => e.command === 'capture')).toHaveLength(1);
      await capture.signal(recheckSignal);
      expect((await capture.result()).reported).toContain('notify_captured');
      finishFirstCapture();
    });
    const captures = h.executions.filter((e) => e.command === 'capture');
    expect(captures).toHaveLength(2);
    expect(new Set(captures.map((e) => e.idempotencyKey))).toEqual(new Set(['wf-turn-gone-capture']));
  }, 120_000);

  it('hands the turn on when the act ends: the waiting commands act next, in arrival order, each once, told rather than looking again', async () => {
    let finishCapture!: () => void;
    const captureFinished = new Promise<void>((done) => (finishCapture = done));
    h.answer = async (request) => {
      if (request.command === 'capture') await captureFinished;
      return settled(`${request.command}_1`);
    };
    const reference = h.input('PAY-TURN-LINE').reference;
    const signalsTo = async (workflowId: string, name: string) =>
      (await env.client.workflow.getHandle(workflowId).fetchHistory()).events!.filter(
        (event) => event.workflowExecutionSignaledEventAttributes?.signalName === name,
      ).length;
    await h.withWorker(async () => {
      const capture = await h.start('wf-turn-line-capture', { reference });
      await eventually(async () => (h.executions.length > 0 ? true : undefined));
      // Two commands arrive while the capture acts: the refund first, then the cancel. Each has told the capture
      // it waits, and waits for its word, before the next one comes: their arrival order is known.
      const waiting = async (workflowId: string) => ((await waitsForWord(workflowId)) ? true : undefined);
      const refund = await h.start('wf-turn-line-refund', { command: 'refund', reference });
      await eventually(() => waiting(refund.workflowId));
      const cancel = await h.start('wf-turn-line-cancel', { command: 'cancel', reference });
      await eventually(() => waiting(cancel.workflowId));
      expect(await signalsTo(capture.workflowId, 'turnWanted')).toBe(2);
      expect(h.executions.map((e) => e.command)).toEqual(['capture']);
      finishCapture();
      for (const command of [capture, refund, cancel])
        expect((await command.result()).reported).toContain('notify_');
    });
    expect(h.executions.map((e) => [e.command, e.idempotencyKey])).toEqual([
      ['capture', 'wf-turn-line-capture'],
      ['refund', 'wf-turn-line-refund'],
      ['cancel', 'wf-turn-line-cancel'],
    ]);
    for (const waiter of ['wf-turn-line-refund', 'wf-turn-line-cancel']) {
      const { events } = await env.client.workflow.getHandle(waiter).fetchHistory();
      // Told once that the turn was free, and started its act on the second try: no timer ran out, no
      // look again.
      expect(await signalsTo(waiter, 'turnFree')).toBe(1);
      expect(events!.filter((event) => event.timerFiredEventAttributes)).toHaveLength(0);
      expect(
        events!.filter((event) => event.startChildWorkflowExecutionInitiatedEventAttributes),
      ).toHaveLength(2);
    }
  }, 120_000);

  it('lets a command waiting behind one terminated by hand mid-act look again, and act once the act has ended', async () => {
    let finishCapture!: () => void;
    const captureFinished = new Promise<void>((done) => (finishCapture = done));
    h.answer = async (request) => {
      if (request.command === 'capture') await captureFinished;
      return settled(`${request.command}_1`);
    };
    const reference = h.input('PAY-HOLDER-GONE').reference;
    const history = async (workflowId: string) =>
      (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const signalled = async (workflowId: string, name: string) =>
      (await history(workflowId)).filter(
        (event) => event.workflowExecutionSignaledEventAttributes?.signalName === name,
      ).length;
    await h.withWorker(async () => {
      const capture = await h.start('wf-holder-gone-capture', { reference });
      await eventually(async () => (h.executions.length > 0 ? true : undefined));
      const cancel = await h.start('wf-holder-gone-cancel', { command: 'cancel', reference });
      // The cancel has told the capture, and waits for its word (its look again is due in 30 s).
      await eventually(async () => ((await waitsForWord(cancel.workflowId)) ? true : undefined));
      expect(await signalled(capture.workflowId, 'turnWanted')).toBe(1);
      // The command that would tell the cancel is gone; its act goes on, and ends.
      await capture.terminate('operator mistake');
      finishCapture();
      expect((await cancel.result()).reported).toContain('notify_cancelled');
    });
    expect(h.executions.map((e) => e.command)).toEqual(['capture', 'cancel']);
    expect(await signalled('wf-holder-gone-cancel', 'turnFree')).toBe(0);
    expect((await history('wf-holder-gone-cancel')).some((event) => event.timerFiredEventAttributes)).toBe(
      true,
    );
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
      const ended = await capture.describe();
      expect(ended.status.name).toBe('CANCELLED');
      // It ran its last code: the operator's list and the stuck metric hear of it.
      expect(ended.searchAttributes).toMatchObject({
        SettlePhase: ['stuck'],
        SettleStuckReason: [CANCELLED_BEFORE_REPORT],
      });
      const act = env.client.workflow.getHandle('payment-turn:wf-turn-cancelled');
      expect((await act.describe()).status.name).toBe('RUNNING');
      finishCapture();
      expect(await act.result()).toMatchObject({ outcome: 'settled', operationId: 'capture_1' });
    });
    expect(h.executions).toHaveLength(1);
    expect(h.notifications).toHaveLength(0);
  }, 120_000);
});
