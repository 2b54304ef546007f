import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineSignal,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { lockGrantedSignal } from './messages';

/**
 * One payment, one command at the provider at a time. Each payment reference has a lock workflow
 * (`payment-lock:<reference>`, started by signal-with-start on the first request); it grants the lock to one
 * command workflow at a time, in the order the requests arrived. A command holds it while it acts at the
 * provider and releases it as soon as the provider has answered, so a cancel that arrives while a capture
 * call is in flight waits for that call, but not for a settlement that takes days.
 */

export interface LockRequest {
  /** Workflow id of the command that wants to act at the provider. */
  readonly requester: string;
}

export const acquireLockSignal = defineSignal<[LockRequest]>('acquire');
export const releaseLockSignal = defineSignal<[LockRequest]>('release');

export interface PaymentLockState {
  /** Waiting commands, the holder first. */
  readonly queue: readonly string[];
  /** The holder that has been told, so a continued run does not tell it twice. */
  readonly granted?: string;
}

const { isWorkflowRunning } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** A lock without requests ends after this long; the next request starts a new run. */
const IDLE_BEFORE_END = '1 minute';
/** How often the lock checks that its holder still runs: a terminated holder never releases. */
const HOLDER_CHECK = '10 minutes';

export async function paymentLockWorkflow(state: PaymentLockState = { queue: [] }): Promise<void> {
  const queue: string[] = [...state.queue];
  let granted = state.granted;
  setHandler(acquireLockSignal, ({ requester }) => {
    if (!queue.includes(requester)) queue.push(requester);
  });
  setHandler(releaseLockSignal, ({ requester }) => {
    const at = queue.indexOf(requester);
    if (at >= 0) queue.splice(at, 1);
    // A later run of the same command (a revalidate sent again) must be told again.
    if (granted === requester) granted = undefined;
  });

  for (;;) {
    if (queue.length === 0) {
      await condition(() => queue.length > 0, IDLE_BEFORE_END);
      if (queue.length === 0) return;
      continue;
    }
    const holder = queue[0]!;
    if (granted !== holder) {
      try {
        await getExternalWorkflowHandle(holder).signal(lockGrantedSignal);
        granted = holder;
      } catch (error) {
        log.warn('lock requester is gone; passing the lock on', { holder, error: (error as Error).message });
        queue.shift();
        continue;
      }
    }
    const released = await condition(() => queue[0] !== holder, HOLDER_CHECK);
    if (!released && !(await isWorkflowRunning({ workflowId: holder }))) {
      log.warn('lock holder ended without releasing; passing the lock on', { holder });
      queue.shift();
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof paymentLockWorkflow>({ queue, granted });
    }
  }
}
