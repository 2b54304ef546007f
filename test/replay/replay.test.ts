import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { prebuiltBundle, quietRuntime } from '../helpers/temporal';
import { REPLAY_DIR } from '../helpers/paths';

/**
 * Today's workflow code must replay every recorded history (`npm run record:replay` records them): a change
 * that alters a recorded path breaks running payments unless it is guarded with patched().
 */
const files = readdirSync(REPLAY_DIR).filter((file) => file.endsWith('.json'));
const load = (file: string) => JSON.parse(readFileSync(join(REPLAY_DIR, file), 'utf8')) as ReplayHistory;

interface ReplayHistory {
  events: { eventType: string; activityTaskScheduledEventAttributes?: { activityType: { name: string } } }[];
}

type AttemptEvent = { activityTaskStartedEventAttributes?: { attempt?: number } };

describe('replay of recorded histories', () => {
  beforeAll(quietRuntime);

  const activitiesOf = (file: string) =>
    load(file)
      .events.map((event) => event.activityTaskScheduledEventAttributes?.activityType.name)
      .filter(Boolean);
  const eventTypesOf = (file: string) => load(file).events.map((event) => event.eventType);

  it('has each main path, and each recorded history shows the path it is named for', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'capture-settled-by-webhook.json',
        'refund-settled-by-polling.json',
        'capture-declined.json',
        'cancel-stuck-then-resolved.json',
        'capture-retried-through-outage.json',
        'capture-answer-lost-then-found.json',
        // A command's act at the provider, a child workflow, replays from its own history.
        'capture-retried-through-outage--act.json',
        // Recorded before the settlement patch and before the act workflow: payments that were running
        // when each was deployed.
        'v1-capture-settled-by-webhook.json',
        'v2-capture-settled-by-webhook.json',
      ]),
    );
    expect(eventTypesOf('capture-settled-by-webhook.json')).toContain(
      'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
    );
    expect(activitiesOf('refund-settled-by-polling.json')).toContain('fetchProviderStatus');
    expect(eventTypesOf('cancel-stuck-then-resolved.json')).toContain(
      'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
    );
    // Retries leave no events but the attempt number of the call that finally went through: the local
    // attempt failed (a marker), the activity's first failed, its second went through.
    const attempts = (load('capture-retried-through-outage--act.json').events as AttemptEvent[]).map(
      (event) => event.activityTaskStartedEventAttributes?.attempt ?? 0,
    );
    expect(Math.max(...attempts)).toBe(2);
    expect(eventTypesOf('capture-retried-through-outage--act.json')).toContain('EVENT_TYPE_MARKER_RECORDED');
    expect(activitiesOf('capture-answer-lost-then-found.json')).toContain('fetchProviderStatus');
    // The first version had no payment lock, the second a lock workflow; today's takes the payment's turn
    // by starting its act. Today's code must replay all three.
    expect(activitiesOf('v1-capture-settled-by-webhook.json')).not.toContain('requestPaymentLock');
    expect(activitiesOf('v2-capture-settled-by-webhook.json')).toContain('requestPaymentLock');
    expect(activitiesOf('capture-settled-by-webhook.json')).not.toContain('requestPaymentLock');
    expect(eventTypesOf('capture-settled-by-webhook.json')).toContain(
      'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED',
    );
  });

  it.each(files)('replays %s', async (file) => {
    await expect(Worker.runReplayHistory(prebuiltBundle, load(file), file)).resolves.toBeUndefined();
  });

  it('catches a history whose command sequence the code no longer produces', async () => {
    const history = load('v1-capture-settled-by-webhook.json');
    const scheduled = history.events.find((event) => event.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType.name = 'someOtherActivity';
    await expect(Worker.runReplayHistory(prebuiltBundle, history, 'altered')).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
