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

describe('replay of recorded histories', () => {
  beforeAll(quietRuntime);

  it('has the recorded capture paths', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'capture-settled-by-webhook.json',
        'capture-settled-immediately.json',
        'capture-declined.json',
      ]),
    );
  });

  it.each(files)('replays %s', async (file) => {
    await expect(Worker.runReplayHistory(prebuiltBundle, load(file), file)).resolves.toBeUndefined();
  });

  it('catches a history whose command sequence the code no longer produces', async () => {
    const history = load('capture-settled-by-webhook.json');
    const scheduled = history.events.find((event) => event.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType.name = 'someOtherActivity';
    await expect(Worker.runReplayHistory(prebuiltBundle, history, 'altered')).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
