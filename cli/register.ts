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
import { REGISTRATION_SCHEDULE_ID, registrationWorkflowId } from '../domain/workflowId';
import type { RegisterEndpointInput } from '../oms/mib/registerEndpoint';
import type { EndpointRegistration } from '../oms/mib/registration';
import { EXIT, UsageError, declareUsage, runs, settleCommand } from './command';
import { connectTemporal, failureMessage } from '../config/temporalConnection';

/**
 * `settle register`: the counterpart of Magento's `bin/magento oms:service-bus:register`. It registers
 * Settle's payment endpoint with MIB through the workflow `registerEndpointWorkflow` (so a failure retries
 * and shows in the Web UI), now, or on a Temporal Schedule.
 */

type RegisterConfig = ConfigOf<(typeof USES)['settle register'][number]>;

/** The workflow, by its type name: the command line does not load workflow code. */
const WORKFLOW_TYPE = 'registerEndpointWorkflow';
/** How often a waiting `settle register` looks for failed attempts to report. */
const POLL_MS = 1000;

export function registerCommand(): Command {
  const command = settleCommand(
    'register',
    "register Settle's payment endpoint with MIB, now or on a schedule",
  )
    .description(
      "Registers Settle's payment endpoint with MIB (magento.service_bus.remote.register to " +
        '<MIB_BASE_URL>/<MOM_CLIENT>/): id SERVICE_BUS_ENDPOINT_NAME, url <PUBLIC_URL>/mib, ' +
        `contracts ["${MIB_PAYMENTS_CONTRACT}"]. Without options it registers now (workflow ` +
        `${registrationWorkflowId('<endpoint>')}) and waits for MIB.`,
    )
    .option(
      '--schedule',
      `create or update the schedule ${REGISTRATION_SCHEDULE_ID}, which registers again every MIB_REGISTER_EVERY (default 24h)`,
    )
    .option('--every <duration>', 'the same, every <duration>: a number and s, m, h or d (24h, 30m, 7d)')
    .option('--wait', 'with --schedule or --every: also register now and wait for MIB');
  declareUsage(command, { alternatives: [['schedule', 'every']] });
  return runs(command, async (options: { schedule?: boolean; every?: string; wait?: boolean }) => {
    const { every } = options;
    if (every !== undefined && !isDuration(every)) {
      throw new UsageError(`--every takes a duration such as 24h, 30m or 7d, not "${every}"`, command);
    }
    const config = loadConfig(undefined, { owners: USES['settle register'] });
    const input = registrationInput(config);
    const scheduled = options.schedule === true || every !== undefined;
    const temporal = await connectTemporal(config);
    try {
      if (scheduled) await upsertSchedule(temporal.client, config, input, every ?? config.MIB_REGISTER_EVERY);
      return !scheduled || options.wait ? await registerNow(temporal.client, config, input) : EXIT.ok;
    } finally {
      await temporal.close();
    }
  });
}

function registrationInput(config: RegisterConfig): RegisterEndpointInput {
  if (!config.PUBLIC_URL) {
    throw new ConfigError(
      'PUBLIC_URL is not set: it is the base URL at which MIB reaches Settle; MIB is told <PUBLIC_URL>/mib',
    );
  }
  return { endpointName: config.SERVICE_BUS_ENDPOINT_NAME, url: `${config.PUBLIC_URL}/mib` };
}

const summaryOf = (input: RegisterEndpointInput) => `register ${input.endpointName} → ${input.url} with MIB`;

async function registerNow(client: Client, config: RegisterConfig, input: RegisterEndpointInput) {
  const workflowId = registrationWorkflowId(input.endpointName);
  // Two `settle register` at the same time share one run; once it has finished, the next starts a new one.
  const handle = await client.workflow.start<(input: RegisterEndpointInput) => Promise<EndpointRegistration>>(
    WORKFLOW_TYPE,
    {
      workflowId,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      staticSummary: summaryOf(input),
    },
  );
  console.log(`registering ${input.endpointName} → ${input.url} with MIB (workflow ${workflowId})`);
  try {
    const registration = await resultReportingRetries(handle);
    console.log(`registered with MIB: ${JSON.stringify(registration)}`);
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

async function upsertSchedule(
  client: Client,
  config: RegisterConfig,
  input: RegisterEndpointInput,
  every: string,
): Promise<void> {
  const action: ScheduleOptionsStartWorkflowAction<(input: RegisterEndpointInput) => Promise<unknown>> = {
    type: 'startWorkflow',
    workflowType: WORKFLOW_TYPE,
    args: [input],
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    // Temporal appends the time of each run to this id.
    workflowId: registrationWorkflowId(input.endpointName),
    staticSummary: summaryOf(input),
  };
  const spec = { intervals: [{ every: parseDuration(every) }] };
  // A registration still retrying (MIB down) is not started a second time.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP };
  const handle = client.schedule.getHandle(REGISTRATION_SCHEDULE_ID);
  let outcome = 'created';
  try {
    await client.schedule.create({
      scheduleId: REGISTRATION_SCHEDULE_ID,
      spec,
      action,
      policies,
      state: { note: 'settle register --every: re-registers the payment endpoint with MIB' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await handle.update((previous) => ({ ...previous, spec, action, policies }));
    outcome = 'updated';
  }
  const { info } = await handle.describe();
  console.log(
    `schedule ${REGISTRATION_SCHEDULE_ID} ${outcome}: ${summaryOf(input)} every ${every}` +
      `\nnext run: ${info.nextActionTimes[0]?.toISOString() ?? 'none'}`,
  );
}
