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
import { ConfigError, USES, loadConfig, type ConfigOf } from '../config';
import { isDuration, parseDuration } from '../domain/duration';
import { MIB_PAYMENTS_CONTRACT } from '../oms/mib/methods';
import { REGISTRATION_SCHEDULE_ID, registrationWorkflowId } from '../oms/mib/registration';
import { ANNOUNCE_SCHEDULE_ID, ANNOUNCE_WORKFLOW_ID } from '../oms/spryker/door';
import type { Announcement } from '../oms/spryker/announce';
import type { RegisterEndpointInput } from '../oms/mib/workflows/registerEndpointMessages';
import type { EndpointRegistration } from '../oms/mib/registration';
import { EXIT, UsageError, declareUsage, runs, settleCommand } from './command';
import { connectTemporal, failureMessage } from '../config/temporalConnection';

/**
 * `settle register`: the counterpart of Magento's `bin/magento oms:service-bus:register`, and of a Spryker
 * payment app's registration. For MIB it registers Settle's payment endpoint (workflow
 * `registerEndpointWorkflow`); for Spryker it announces Settle's payment methods to every tenant (workflow
 * `announcePaymentMethodsWorkflow`). Either runs as a workflow (so a failure retries and shows in the Web
 * UI), now, or on a Temporal Schedule.
 */

const DOORS = ['mib', 'spryker'] as const;
type Door = (typeof DOORS)[number];

/** One door's registration, as the command runs it and its schedule repeats it. */
interface Registration {
  /** The workflow, by its type name: the command line does not load workflow code. */
  readonly workflowType: string;
  readonly workflowId: string;
  readonly scheduleId: string;
  readonly args: unknown[];
  readonly summary: string;
  readonly every: string;
  readonly taskQueue: string;
  /** The door's answer, in words. */
  describe(result: unknown): string;
}

/** How often a waiting `settle register` looks for failed attempts to report. */
const POLL_MS = 1000;

export function registerCommand(): Command {
  const command = settleCommand(
    'register',
    "register Settle with an OMS: MIB's endpoint, or Spryker's payment methods; now or on a schedule",
  )
    .description(
      "MIB (the default): registers Settle's payment endpoint with MIB (magento.service_bus.remote.register to " +
        '<MIB_BASE_URL>/<MOM_CLIENT>/): id SERVICE_BUS_ENDPOINT_NAME, url <PUBLIC_URL>/mib, ' +
        `contracts ["${MIB_PAYMENTS_CONTRACT}"]. Spryker (--door spryker): announces SPRYKER_PAYMENT_METHODS ` +
        'to every tenant of SPRYKER_TENANTS (AddPaymentMethod, with <PUBLIC_URL>/spryker/private/initialize-payment; ' +
        'DeletePaymentMethod for methods no longer configured). Without --schedule or --every it runs now and waits.',
    )
    .option('--door <door>', `the OMS to register with: ${DOORS.join(' or ')}`, 'mib')
    .option(
      '--schedule',
      `create or update the door's schedule (${REGISTRATION_SCHEDULE_ID}, ${ANNOUNCE_SCHEDULE_ID}), which runs again every MIB_REGISTER_EVERY or SPRYKER_ANNOUNCE_EVERY (default 24h)`,
    )
    .option('--every <duration>', 'the same, every <duration>: a number and s, m, h or d (24h, 30m, 7d)')
    .option('--wait', 'with --schedule or --every: also register now and wait for the result');
  declareUsage(command, { alternatives: [['schedule', 'every']] });
  return runs(
    command,
    async (options: { door: string; schedule?: boolean; every?: string; wait?: boolean }) => {
      const { every } = options;
      if (!(DOORS as readonly string[]).includes(options.door)) {
        throw new UsageError(`--door takes ${DOORS.join(' or ')}, not "${options.door}"`, command);
      }
      if (every !== undefined && !isDuration(every)) {
        throw new UsageError(`--every takes a duration such as 24h, 30m or 7d, not "${every}"`, command);
      }
      const door = options.door as Door;
      const config = loadConfig(undefined, { owners: USES[`settle register --door ${door}`] });
      const registration =
        door === 'mib' ? mibRegistration(config as MibConfig) : sprykerRegistration(config as SprykerConfig);
      const scheduled = options.schedule === true || every !== undefined;
      const temporal = await connectTemporal(config);
      try {
        if (scheduled) await upsertSchedule(temporal.client, registration, every ?? registration.every);
        return !scheduled || options.wait ? await registerNow(temporal.client, registration) : EXIT.ok;
      } finally {
        await temporal.close();
      }
    },
  );
}

type MibConfig = ConfigOf<(typeof USES)['settle register --door mib'][number]>;
type SprykerConfig = ConfigOf<(typeof USES)['settle register --door spryker'][number]>;

function mibRegistration(config: MibConfig): Registration {
  if (!config.PUBLIC_URL) {
    throw new ConfigError(
      'PUBLIC_URL is not set: it is the base URL at which MIB reaches Settle; MIB is told <PUBLIC_URL>/mib',
    );
  }
  const input: RegisterEndpointInput = {
    endpointName: config.SERVICE_BUS_ENDPOINT_NAME,
    url: `${config.PUBLIC_URL}/mib`,
  };
  return {
    workflowType: 'registerEndpointWorkflow',
    workflowId: registrationWorkflowId(input.endpointName),
    scheduleId: REGISTRATION_SCHEDULE_ID,
    args: [input],
    summary: `register ${input.endpointName} → ${input.url} with MIB`,
    every: config.MIB_REGISTER_EVERY,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    describe: (registration) =>
      `registered with MIB: ${JSON.stringify(registration as EndpointRegistration)}`,
  };
}

function sprykerRegistration(config: SprykerConfig): Registration {
  // The worker announces what its own settings name: the methods, to its tenants.
  return {
    workflowType: 'announcePaymentMethodsWorkflow',
    workflowId: ANNOUNCE_WORKFLOW_ID,
    scheduleId: ANNOUNCE_SCHEDULE_ID,
    args: [],
    summary: "announce Settle's payment methods to the Spryker tenants",
    every: config.SPRYKER_ANNOUNCE_EVERY,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    describe: (announcements) =>
      (announcements as Announcement[])
        .map(
          ({ tenant, added, deleted }) =>
            `announced to ${tenant}: ${added.join(', ') || 'no method'}` +
            (deleted.length > 0 ? `; withdrawn: ${deleted.join(', ')}` : ''),
        )
        .join('\n'),
  };
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
