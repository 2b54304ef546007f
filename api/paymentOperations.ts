import {
  WorkflowExecutionAlreadyStartedError,
  QueryNotRegisteredError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionInfo,
  type WorkflowExecutionStatusName,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';
import { failureMessage } from '../config/temporalConnection';
import { mapLimited } from '../domain/concurrency';
import { orderPaymentWorkflowIdOf } from '../domain/orderPayment';
import { parsePaymentWorkflowId } from '../domain/workflowId';
import {
  PAYMENT_TURN_WORKFLOW,
  PAYMENT_COMMAND_WORKFLOW,
  type PaymentCommandInput,
} from '../domain/paymentCommand';
import { commandVisibility } from '../workflows/commandVisibility';
import {
  recheckSignal,
  resolveUpdate,
  retryNotificationSignal,
  statusQuery,
  type PaymentCommandStatus,
  type RevivedCommand,
} from '../workflows/messages';
import type { Resolution } from '../workflows/messages';
import { actInFlightQuery } from '../workflows/orderPaymentMessages';
import { facetEntry, facetsOf, SEARCH_ATTRIBUTES, type Facet } from '../workflows/searchAttributes';
import type {
  PaymentDetails,
  PaymentList,
  PaymentListFilter,
  PaymentStatus,
  PaymentSummary,
} from './paymentSchemas';

/**
 * What an operator does to payments, on Temporal: list them from visibility, show one (its `status` query and
 * what Temporal knows of its run), resolve it (the workflow's `resolve` update, whose validator refuses what
 * makes no sense), ask the provider again (`recheck`) or deliver a refused notification again
 * (`retryNotification`). A command workflow that ended without reporting counts as stuck, and is run again
 * to take a resolve or a recheck. Shared by the API (`/payments`) and the CLI (`settle payments`).
 */

/** Why an operation cannot be done; `refused`: the payment is not in a state where it makes sense. */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
  constructor(
    readonly kind: 'not_found' | 'refused',
    message: string,
  ) {
    super(message);
  }
}

const WORKFLOW_TYPE = PAYMENT_COMMAND_WORKFLOW;

/**
 * How a command workflow ended without reporting an outcome — by hand (terminated, cancelled), or failed or
 * timed out — as visibility's ExecutionStatus and as the client names it. Such a command ran no code at its
 * end (terminated) or could not go on: it needs a person, so it counts as stuck.
 */
const ENDED_WITHOUT_REPORT: Readonly<Partial<Record<WorkflowExecutionStatusName, string>>> = {
  FAILED: 'Failed',
  TERMINATED: 'Terminated',
  CANCELLED: 'Canceled',
  TIMED_OUT: 'TimedOut',
};

/** Whether a run ended without its report: an ended status, and a phase short of `done`. */
function endedShortOfReport(run: Pick<WorkflowExecutionInfo, 'status' | 'typedSearchAttributes'>): boolean {
  return (
    run.status.name in ENDED_WITHOUT_REPORT &&
    run.typedSearchAttributes.get(SEARCH_ATTRIBUTES.phase) !== 'done'
  );
}

/** The stuck reason of a command that ended without reporting, and what an operator does about it. */
function endedReason(status: WorkflowExecutionStatusName): string {
  return `the command workflow ended (${status}) without reporting an outcome; resolve decides it, recheck acts again with the same idempotency key`;
}

type Description = Awaited<ReturnType<WorkflowHandle['describe']>>;

/** The payment workflow's latest run, described; refused for what is no payment command. */
async function describePayment(handle: WorkflowHandle): Promise<Description> {
  const description = await handle.describe().catch(notFound(handle.workflowId));
  if (description.type !== WORKFLOW_TYPE) throw notAPayment(handle.workflowId);
  return description;
}

/**
 * The visibility query for a filter. Only validated values reach it, and each is quoted, so no filter can
 * change the query's meaning. Runs that continued as new are left out: the payment is the run after them.
 * Stuck covers the command workflows that ended without reporting an outcome, whatever phase they showed.
 */
export function visibilityQuery(filter: Omit<PaymentListFilter, 'limit'>): string {
  const clauses = [`WorkflowType = ${quote(WORKFLOW_TYPE)}`];
  const equal = (attribute: { name: string }, value: string | undefined) => {
    if (value !== undefined) clauses.push(`${attribute.name} = ${quote(value)}`);
  };
  const ended = Object.values(ENDED_WITHOUT_REPORT).map(quote).join(', ');
  const phase = SEARCH_ATTRIBUTES.phase.name;
  if (filter.phase === 'stuck') {
    clauses.push(`(${phase} = "stuck" OR (ExecutionStatus IN (${ended}) AND ${phase} != "done"))`);
  } else {
    equal(SEARCH_ATTRIBUTES.phase, filter.phase);
    // Ended short of its report, a command is stuck, whatever phase it showed last.
    if (filter.phase !== undefined && filter.phase !== 'done')
      clauses.push(`ExecutionStatus NOT IN (${ended})`);
  }
  const facet = (name: Facet, value: string | undefined) => {
    if (value !== undefined)
      clauses.push(`${SEARCH_ATTRIBUTES.facets.name} = ${quote(facetEntry(name, value))}`);
  };
  facet('command', filter.command);
  facet('provider', filter.provider);
  equal(SEARCH_ATTRIBUTES.outcome, filter.outcome);
  equal(SEARCH_ATTRIBUTES.paymentReference, filter.reference);
  equal(SEARCH_ATTRIBUTES.orderId, filter.orderId);
  if (filter.status === 'open') clauses.push(`ExecutionStatus = "Running"`);
  if (filter.status === 'closed') clauses.push(`ExecutionStatus != "Running"`);
  clauses.push(`ExecutionStatus != "ContinuedAsNew"`);
  return clauses.join(' AND ');
}

/** A string literal of Temporal's query language (SQL-like: backslash escapes). */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A list asks this many running payments for their status at once, and waits this long for each. */
const LIVE_STATUS = { concurrency: 20, timeoutMs: 2_000 } as const;

export async function listPayments(client: Client, filter: PaymentListFilter): Promise<PaymentList> {
  const query = visibilityQuery(filter);
  const found: WorkflowExecutionInfo[] = [];
  let more = false;
  // One more than asked tells whether there are more.
  for await (const info of client.workflow.list({ query, pageSize: filter.limit + 1 })) {
    if (found.length === filter.limit) {
      more = true;
      break;
    }
    found.push(info);
  }
  const current = await mapLimited(found, LIVE_STATUS.concurrency, async (info) =>
    (await superseded(client, info)) ? undefined : info,
  );
  const payments = await mapLimited(
    current.filter((info) => info !== undefined),
    LIVE_STATUS.concurrency,
    async (info) =>
      summaryOf(info, info.status.name === 'RUNNING' ? await liveStatus(client, info) : undefined),
  );
  return { query, payments, more };
}

/**
 * Whether a run that ended without its report was run again since (resolve, recheck): the payment is the
 * later run, and the ended one no longer needs anyone.
 */
async function superseded(client: Client, info: WorkflowExecutionInfo): Promise<boolean> {
  if (!endedShortOfReport(info)) return false;
  const latest = await client.workflow.getHandle(info.workflowId).describe();
  return latest.runId !== info.runId;
}

/**
 * The running workflow's status query, or undefined when it does not answer in time (no worker, a busy one,
 * or the run just ended): the list then shows what visibility recorded.
 */
async function liveStatus(
  client: Client,
  { workflowId, runId }: WorkflowExecutionInfo,
): Promise<PaymentCommandStatus | undefined> {
  const handle = client.workflow.getHandle(workflowId, runId);
  return client
    .withDeadline(Date.now() + LIVE_STATUS.timeoutMs, () => handle.query(statusQuery))
    .catch(() => undefined);
}

/**
 * A row from visibility. The next check changes at every poll, so only the status query knows it; phase,
 * outcome, stuck reason and deadline are taken from it too, as the workflow knows them. Visibility has the
 * amount, currency and deadline from the start (the deadline by the door's clock, a few ms before the
 * workflow's own).
 */
function summaryOf(info: WorkflowExecutionInfo, live: PaymentCommandStatus | undefined): PaymentSummary {
  const attributes = info.typedSearchAttributes;
  const facets = facetsOf(attributes.get(SEARCH_ATTRIBUTES.facets));
  const ended = endedShortOfReport(info);
  return {
    workflowId: info.workflowId,
    reference: attributes.get(SEARCH_ATTRIBUTES.paymentReference),
    orderId: attributes.get(SEARCH_ATTRIBUTES.orderId),
    command: facets.command,
    provider: facets.provider,
    ...(live
      ? { phase: live.phase, outcome: live.outcome, stuckReason: live.stuckReason }
      : {
          phase: attributes.get(SEARCH_ATTRIBUTES.phase),
          outcome: attributes.get(SEARCH_ATTRIBUTES.outcome),
          // Emptied, not removed, once the payment is no longer stuck.
          stuckReason: attributes.get(SEARCH_ATTRIBUTES.stuckReason) || undefined,
        }),
    ...(ended ? { phase: 'stuck', stuckReason: endedReason(info.status.name) } : {}),
    amountMinor: attributes.get(SEARCH_ATTRIBUTES.amountMinor) ?? live?.amountMinor,
    currency: facets.currency ?? live?.currency,
    deadline: live?.deadline ?? attributes.get(SEARCH_ATTRIBUTES.deadline)?.toISOString(),
    nextCheckAt: live?.nextCheckAt,
    status: info.status.name,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString(),
  };
}

export async function showPayment(client: Client, workflowId: string): Promise<PaymentDetails> {
  const handle = paymentHandle(client, workflowId);
  const description = await describePayment(handle);
  const status = await queryStatus(handle);
  const pending = [
    ...(description.raw.pendingActivities ?? []),
    ...(await actActivities(client, description)),
    ...(await orderActActivities(client, workflowId, status)),
  ];
  const ended = endedShortOfReport(description);
  return {
    ...plain(status),
    ...(ended
      ? {
          phase: 'stuck' as const,
          stuckReason: endedReason(description.status.name),
          waitingFor:
            'an operator to resolve the payment, or to recheck it (acts again with the same idempotency key)',
          nextStep:
            `settle payments resolve ${workflowId} --outcome <settled or declined> --reason "<why>" --operator <name>` +
            `   or   settle payments recheck ${workflowId}`,
        }
      : {}),
    execution: {
      status: description.status.name,
      runId: description.runId,
      startTime: description.startTime.toISOString(),
      closeTime: description.closeTime?.toISOString(),
      historyLength: description.historyLength,
    },
    pendingActivities: await Promise.all(
      pending.map(async (activity) => ({
        activity: activity.activityType?.name ?? '(unknown)',
        state: pendingState(activity.state),
        attempt: activity.attempt ?? 1,
        lastFailure: await failureMessage(client, activity.lastFailure),
        nextAttemptAt: optionalTsToDate(activity.nextAttemptScheduleTime)?.toISOString(),
      })),
    ),
  };
}

/**
 * The activities of the command's turn at the provider, which runs as a child workflow (workflows/paymentTurn.ts): a
 * provider call retrying through an outage shows there. A turn that ended between the two reads shows nothing.
 */
async function actActivities(
  client: Client,
  description: Awaited<ReturnType<WorkflowHandle['describe']>>,
): Promise<proto.api.workflow.v1.IPendingActivityInfo[]> {
  const acts = (description.raw.pendingChildren ?? []).filter(
    (child) => child.workflowTypeName === PAYMENT_TURN_WORKFLOW && child.workflowId,
  );
  const described = await Promise.all(
    acts.map((child) =>
      client.workflow
        .getHandle(child.workflowId!, child.runId ?? undefined)
        .describe()
        .then(
          (act) => act.raw.pendingActivities ?? [],
          (error: unknown) => {
            // Ended and gone between the two reads: nothing in progress. Anything else is the operator's to see.
            if (error instanceof WorkflowNotFoundError) return [];
            throw error;
          },
        ),
    ),
  );
  return described.flat();
}

/**
 * The activities of a command's act at the provider that its order carries out (workflows/orderPayment.ts), while
 * the order is acting for it: a provider call retrying through an outage shows there. An order's only activities
 * are its acts. An order ended, or acting for another command, shows nothing.
 */
async function orderActActivities(
  client: Client,
  workflowId: string,
  { reference, door }: PaymentCommandStatus,
): Promise<proto.api.workflow.v1.IPendingActivityInfo[]> {
  const orderId = orderPaymentWorkflowIdOf(reference, door);
  if (!orderId) return [];
  const order = client.workflow.getHandle(orderId);
  try {
    if ((await order.query(actInFlightQuery)) !== workflowId) return [];
    return (await order.describe()).raw.pendingActivities ?? [];
  } catch (error) {
    if (error instanceof WorkflowNotFoundError || error instanceof QueryNotRegisteredError) return [];
    throw error;
  }
}

/**
 * Decides the outcome; the workflow then sends the OMS the matching report. Answers the status then. A
 * command workflow that ended without reporting is run again first, waiting for this very decision (revive).
 */
export async function resolvePayment(
  client: Client,
  workflowId: string,
  resolution: Resolution,
): Promise<PaymentStatus> {
  const handle = paymentHandle(client, workflowId);
  const description = await describePayment(handle);
  if (endedShortOfReport(description)) await revive(client, workflowId, description);
  try {
    return plain(await handle.executeUpdate(resolveUpdate, { args: [resolution] }));
  } catch (error) {
    // The validator's refusal (or the handler's failure), in the workflow's own words.
    if (error instanceof WorkflowUpdateFailedError)
      throw new OperatorError('refused', `resolve refused: ${error.cause?.message ?? error.message}`);
    throw await whyNotRunning(handle, error, 'resolve');
  }
}

/**
 * Asks the provider now instead of at the next scheduled check; the timeline shows the answer. A stuck
 * command whose act failed acts again, with the same idempotency key; so does a command workflow that ended
 * without reporting (terminated, cancelled), run again for it (revive).
 */
export async function recheckPayment(client: Client, workflowId: string): Promise<void> {
  const handle = paymentHandle(client, workflowId);
  const description = await describePayment(handle);
  if (endedShortOfReport(description)) {
    await revive(client, workflowId, description);
  } else {
    const status = await queryStatus(handle);
    if (status.outcome) {
      const refusedNotification =
        status.phase === 'stuck' ? '; MIB refused its notification: use retry-notification' : '';
      throw new OperatorError(
        'refused',
        `nothing to ask the provider: the outcome is known (${status.outcome})${refusedNotification}`,
      );
    }
  }
  await handle.signal(recheckSignal).catch(async (error) => {
    throw await whyNotRunning(handle, error, 'recheck');
  });
}

/**
 * Runs a command workflow that ended without reporting again, under its workflow id, with the input its
 * first run started with. The new run starts stuck and does nothing until the operator's resolve or recheck
 * that follows: its previous run may or may not have acted. A recheck acts again with the same idempotency key
 * (the provider answers what it did, and moves no money twice); either way the outcome is reported — also to
 * the order's payment, which holds the command's amount until then. Its search attributes are the ones a door
 * gives a new command.
 */
async function revive(client: Client, workflowId: string, ended: Description): Promise<void> {
  const history = await client.workflow.getHandle(workflowId, ended.runId).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const [input] = (await decodeArrayFromPayloads(
    client.options.loadedDataConverter,
    started?.input?.payloads,
  )) as [PaymentCommandInput];
  const attributes = ended.typedSearchAttributes;
  const place = {
    orderId: attributes.get(SEARCH_ATTRIBUTES.orderId) ?? input.reference,
    tenant: facetsOf(attributes.get(SEARCH_ATTRIBUTES.facets)).tenant,
  };
  try {
    await client.workflow.start(WORKFLOW_TYPE, {
      workflowId,
      taskQueue: ended.taskQueue,
      args: [input, undefined, { endedAs: ended.status.name } satisfies RevivedCommand],
      // Only over a run that ended without completing: a reported command is never run again.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      ...commandVisibility(input, place, Date.now()),
    });
  } catch (error) {
    // Another operator ran it again a moment before: that run takes this request too.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** Delivers again a notification MIB refused, once its cause is fixed; only a payment stuck on one has it. */
export async function retryNotification(client: Client, workflowId: string): Promise<void> {
  const handle = paymentHandle(client, workflowId);
  const status = await queryStatus(handle);
  if (status.phase !== 'stuck' || !status.outcome) {
    const why = status.stuckReason ? ` (${status.stuckReason}); resolve it or recheck the provider` : '';
    throw new OperatorError(
      'refused',
      `no refused notification to deliver again: the payment is ${status.phase}${why}`,
    );
  }
  await handle.signal(retryNotificationSignal).catch(async (error) => {
    throw await whyNotRunning(handle, error, 'retry-notification');
  });
}

/** A handle on a payment workflow; any other id is no payment. */
function paymentHandle(client: Client, workflowId: string): WorkflowHandle {
  if (!parsePaymentWorkflowId(workflowId)) throw notAPayment(workflowId);
  return client.workflow.getHandle(workflowId);
}

function notAPayment(workflowId: string): OperatorError {
  return new OperatorError(
    'not_found',
    `"${workflowId}" is not a payment workflow (payment:<reference>:<command>:<fingerprint>)`,
  );
}

function notFound(workflowId: string) {
  return (error: unknown): never => {
    if (error instanceof WorkflowNotFoundError)
      throw new OperatorError('not_found', `no payment workflow "${workflowId}"`);
    throw error;
  };
}

async function queryStatus(handle: WorkflowHandle) {
  return handle.query(statusQuery).catch(notFound(handle.workflowId));
}

/**
 * Temporal answers "not found" both for an unknown workflow and for a message to one that has ended: tell them
 * apart, since an ended payment cannot be acted on any more.
 */
async function whyNotRunning(handle: WorkflowHandle, error: unknown, action: string): Promise<unknown> {
  if (!(error instanceof WorkflowNotFoundError)) return error;
  try {
    const { status } = await handle.describe();
    const rerun =
      status.name in ENDED_WITHOUT_REPORT
        ? ` without reporting an outcome: resolve or recheck it (settle payments show ${handle.workflowId})`
        : '';
    return new OperatorError(
      'refused',
      `${action} refused: the payment workflow has ended (${status.name})${rerun}`,
    );
  } catch (describeError) {
    if (describeError instanceof WorkflowNotFoundError)
      return new OperatorError('not_found', `no payment workflow "${handle.workflowId}"`);
    return describeError;
  }
}

/** `scheduled`, `started`, … from PENDING_ACTIVITY_STATE_SCHEDULED and the like. */
function pendingState(state: proto.api.enums.v1.PendingActivityState | null | undefined): string {
  const name = proto.api.enums.v1.PendingActivityState[state ?? 0] ?? 'unknown';
  return name.replace(/^PENDING_ACTIVITY_STATE_/, '').toLowerCase();
}

/** The status as the operator's answers type it (mutable arrays). */
function plain(status: PaymentCommandStatus): PaymentStatus {
  return { ...status, timeline: [...status.timeline] };
}
