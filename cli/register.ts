import { setTimeout as delay } from 'node:timers/promises';
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  WorkflowFailedError,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { Command } from 'commander';
import { isDuration, parseDuration } from '../domain/duration';
import type { DoorCliKit, DoorRegistration, FrontDoor, Registration } from '../oms/door';
import { EXIT, UsageError, declareUsage, runs, settleCommand } from './command';
import { failureMessage } from '../config/temporalConnection';

/**
 * `settle register`: the counterpart of Magento's `bin/magento oms:service-bus:register`, and of a Spryker
 * payment app's registration. Each front door that registers with its OMS says how (FrontDoor.registration);
 * the registration runs as a workflow (so a failure retries and shows in the Web UI), now, or on a Temporal
 * Schedule.
 */

/** The door registered with when `--door` is not given. */
const DEFAULT_DOOR = 'mib';

/** How often a waiting `settle register` looks for failed attempts to report. */
const POLL_MS = 1000;

/** `settle register` for the doors that register; `kitOf` loads a door's settings and connects to Temporal. */
export function registerCommand(
  doors: readonly FrontDoor[],
  kitOf: (door: FrontDoor) => DoorCliKit,
): Command {
  const registering = doors.flatMap((door) =>
    door.registration ? [{ door, registration: door.registration }] : [],
  );
  const names = registering.map(({ door }) => door.name);
  const all = (pick: (registration: DoorRegistration) => string, separator: string) =>
    registering.map(({ registration }) => pick(registration)).join(separator);
  const command = settleCommand(
    'register',
    `register Settle with an OMS: ${all((r) => r.registers, ', or ')}; now or on a schedule`,
  )
    .description(
      registering
        .map(
          ({ door, registration }) =>
            `${registration.oms} (${door.name === DEFAULT_DOOR ? 'the default' : `--door ${door.name}`}): ` +
            registration.about,
        )
        .join(' ') + ' Without --schedule or --every it runs now and waits.',
    )
    .option('--door <door>', `the OMS to register with: ${names.join(' or ')}`, DEFAULT_DOOR)
    .option(
      '--schedule',
      `create or update the door's schedule (${all((r) => r.scheduleId, ', ')}), which runs again every ${all((r) => r.everySetting, ' or ')} (default 24h)`,
    )
    .option('--every <duration>', 'the same, every <duration>: a number and s, m, h or d (24h, 30m, 7d)')
    .option('--wait', 'with --schedule or --every: also register now and wait for the result');
  declareUsage(command, { alternatives: [['schedule', 'every']] });
  return runs(
    command,
    async (options: { door: string; schedule?: boolean; every?: string; wait?: boolean }) => {
      const { every } = options;
      const chosen = registering.find(({ door }) => door.name === options.door);
      if (!chosen) {
        throw new UsageError(`--door takes ${names.join(' or ')}, not "${options.door}"`, command);
      }
      if (every !== undefined && !isDuration(every)) {
        throw new UsageError(`--every takes a duration such as 24h, 30m or 7d, not "${every}"`, command);
      }
      const kit = kitOf(chosen.door);
      const config = kit.loadConfig();
      const registration = chosen.registration.of(config);
      const scheduled = options.schedule === true || every !== undefined;
      const temporal = await kit.connectTemporal(config);
      try {
        if (scheduled) await upsertSchedule(temporal.client, registration, every ?? registration.every);
        return !scheduled || options.wait ? await registerNow(temporal.client, registration) : EXIT.ok;
      } finally {
        await temporal.close();
      }
    },
  );
}

async function registerNow(client: Client, registration: Registration) {
  const { workflowId } = registration;
  // Two `settle register` at the same time share one run; once it has finished, the next starts a new one.
  const handle = await client.workflow.start<(...args: unknown[]) => Promise<unknown>>(
    registration.workflowType,
    {
      workflowId,
      taskQueue: registration.taskQueue,
      args: registration.args,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      staticSummary: registration.summary,
    },
  );
  console.log(`${registration.summary} (workflow ${workflowId})`);
  try {
    console.log(registration.describe(await resultReportingRetries(handle)));
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    console.error(`registration failed: ${rootCause(error)} (workflow ${workflowId} in the Web UI)`);
    return EXIT.failed;
  }
}
/**
 * The workflow's result. Temporal retries failed attempts quietly, so meanwhile each one is reported: a
 * wrong secret or URL shows at once instead of as a silent wait.
 */
async function resultReportingRetries<T>(handle: WorkflowHandle<() => Promise<T>>): Promise<T> {
  let done = false;
  const result = handle.result().finally(() => (done = true));
  let reported = 0;
  while (!done) {
    await Promise.race([result.catch(() => undefined), delay(POLL_MS, undefined, { ref: false })]);
    if (done) break;
    const pending = (await handle.describe()).raw.pendingActivities?.[0];
    const failed = (pending?.attempt ?? 1) - 1;
    const message = failed > reported ? await failureMessage(handle.client, pending?.lastFailure) : undefined;
    if (message) {
      reported = failed;
      console.error(`attempt ${failed} failed: ${message}; retrying`);
    }
  }
  return result;
}

function rootCause(error: Error): string {
  let cause: Error = error;
  while (cause.cause instanceof Error) cause = cause.cause;
  const type = (cause as { type?: unknown }).type;
  return typeof type === 'string' ? `${type}: ${cause.message}` : cause.message;
}

async function upsertSchedule(client: Client, registration: Registration, every: string): Promise<void> {
  const { scheduleId } = registration;
  const action: ScheduleOptionsStartWorkflowAction<(...args: unknown[]) => Promise<unknown>> = {
    type: 'startWorkflow',
    workflowType: registration.workflowType,
    args: registration.args,
    taskQueue: registration.taskQueue,
    // Temporal appends the time of each run to this id.
    workflowId: registration.workflowId,
    staticSummary: registration.summary,
  };
  const spec = { intervals: [{ every: parseDuration(every) }] };
  // A registration still retrying (the OMS down) is not started a second time.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP };
  const handle = client.schedule.getHandle(scheduleId);
  let outcome = 'created';
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies,
      state: { note: `settle register --every: ${registration.summary}` },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await handle.update((previous) => ({ ...previous, spec, action, policies }));
    outcome = 'updated';
  }
  const { info } = await handle.describe();
  console.log(
    `schedule ${scheduleId} ${outcome}: ${registration.summary} every ${every}` +
      `\nnext run: ${info.nextActionTimes[0]?.toISOString() ?? 'none'}`,
  );
}
