import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { PHASE_SHOWN_AFTER_MS } from '../../workflows/commandRecord';
import { providerEventSignal, statusQuery } from '../../workflows/messages';
import { paymentWorkflowHarness } from '../helpers/paymentWorkflowHarness';
import { createTimeSkippingEnv, eventually } from '../helpers/temporal';

const { EventType } = temporal.api.enums.v1;
type Handle = Awaited<ReturnType<ReturnType<typeof paymentWorkflowHarness>['start']>>;

/**
 * Which phases reach the search attributes: a phase that ends within moments is never upserted, one that
 * lasts is, a few seconds in; the end is upserted in the closing workflow task. The status query and the
 * Web UI's details show every phase at once.
 */
describe('phases in the search attributes (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  const h = paymentWorkflowHarness(() => env);

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  beforeEach(() => h.reset());

  /** The run's search-attribute upserts, and whether the last one is in the task that closed the run. */
  async function upsertsOf(handle: Handle) {
    const events = (await handle.fetchHistory()).events ?? [];
    const upserts = events.filter(
      (e) => e.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    );
    const closing = events.find((e) => e.workflowExecutionCompletedEventAttributes);
    const taskOf = (e: (typeof events)[number] | undefined) =>
      Number(
        e?.upsertWorkflowSearchAttributesEventAttributes?.workflowTaskCompletedEventId ??
          e?.workflowExecutionCompletedEventAttributes?.workflowTaskCompletedEventId,
      );
    return {
      phases: upserts.map((e) => e.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!),
      count: upserts.length,
      lastInClosingTask: upserts.length > 0 && taskOf(upserts.at(-1)) === taskOf(closing),
    };
  }

  const details = async (handle: Handle) =>
    ((await handle.query('__temporal_workflow_metadata')) as { currentDetails: string }).currentDetails;

  it('upserts a command settled at once only as it ends, in its closing task', async () => {
    h.answer = async () => ({ outcome: 'settled', operationId: 'cap_now', status: 'succeeded' });
    await h.withWorker(async () => {
      const handle = await h.start('wf-shown-at-end');
      expect((await handle.result()).outcome).toBe('settled');
      expect(await upsertsOf(handle)).toMatchObject({ count: 1, lastInClosingTask: true });
      expect((await handle.describe()).searchAttributes).toMatchObject({
        SettlePhase: ['done'],
        SettleOutcome: ['settled'],
      });
    });
  });

  it('never upserts a wait that a webhook ends within moments, though the status and details show it', async () => {
    h.answer = async () => ({ outcome: 'pending', operationId: 'cap_soon', status: 'pending' });
    await h.withWorker(async () => {
      const handle = await h.start('wf-short-wait');
      // Time stands still here (nothing awaits the result): the wait has lasted no time at all.
      await eventually(async () =>
        (await handle.query(statusQuery)).phase === 'awaiting_settlement' ? true : undefined,
      );
      expect(await details(handle)).toMatch(/^\*\*awaiting_settlement\*\*/);
      expect((await handle.describe()).searchAttributes.SettlePhase).toBeUndefined();
      await handle.signal(providerEventSignal, {
        workflowId: 'wf-short-wait',
        eventId: 'evt_soon',
        operationId: 'cap_soon',
        outcome: 'settled',
        status: 'succeeded',
      });
      expect((await handle.result()).outcome).toBe('settled');
      expect(await upsertsOf(handle)).toMatchObject({ count: 1, lastInClosingTask: true });
    });
  });

  it('upserts a wait and a report that last, a few seconds in', async () => {
    h.answer = async () => ({ outcome: 'pending', operationId: 'cap_long', status: 'pending' });
    let omsUp = false;
    h.deliver = async () => {
      if (!omsUp) throw new Error('MIB at http://mib.invalid/delegate unreachable: ENOTFOUND');
    };
    await h.withWorker(async () => {
      const handle = await h.start('wf-long-phases');
      await env.sleep(PHASE_SHOWN_AFTER_MS + 1_000);
      expect((await handle.describe()).searchAttributes.SettlePhase).toEqual(['awaiting_settlement']);
      await handle.signal(providerEventSignal, {
        workflowId: 'wf-long-phases',
        eventId: 'evt_long',
        operationId: 'cap_long',
        outcome: 'settled',
        status: 'succeeded',
      });
      await eventually(async () =>
        (await handle.query(statusQuery)).phase === 'notifying' ? true : undefined,
      );
      expect(await details(handle)).toMatch(/^\*\*notifying\*\* — settled/);
      await env.sleep(PHASE_SHOWN_AFTER_MS + 1_000);
      expect((await handle.describe()).searchAttributes).toMatchObject({
        SettlePhase: ['notifying'],
        SettleOutcome: ['settled'],
      });
      omsUp = true;
      expect((await handle.result()).outcome).toBe('settled');
      const { phases, lastInClosingTask } = await upsertsOf(handle);
      expect(phases.map((sa) => Object.keys(sa.indexedFields ?? {}).sort())).toEqual([
        ['SettlePhase'],
        ['SettleOutcome', 'SettlePhase'],
        ['SettleOutcome', 'SettlePhase'],
      ]);
      expect(lastInClosingTask).toBe(true);
      expect((await handle.describe()).searchAttributes.SettlePhase).toEqual(['done']);
    });
  });
});
