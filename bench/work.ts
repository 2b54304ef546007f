import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';
import { round } from './stats';
import type { ServerCounts } from './serverCounts';

/**
 * The server's work per command, read from the workflows' histories: what each command costs Temporal in
 * workflows, workflow tasks, activity tasks, updates, signals and visibility writes. Counted over a census
 * (a small batch sent while nothing else runs) and only for the events inside its time window, so that the
 * long-lived workflows (an order's payment, the tenant's mailbox) count with what the batch made them do.
 */

const E = proto.api.enums.v1.EventType;

export interface Work {
  /** Workflow runs started. */
  readonly workflows: number;
  readonly workflowTasks: number;
  readonly activityTasks: number;
  /** Local activities (a marker each): the provider call answered at once. */
  readonly localActivities: number;
  /** Updates accepted (rejected ones leave no event). */
  readonly updates: number;
  readonly signals: number;
  /** Search-attribute upserts the workflows requested (history events). */
  readonly searchAttributeUpserts: number;
  /**
   * Visibility writes the histories request: a run's start, its close (or continue-as-new) and each upsert.
   * The server performs others (serverCounts.ts): it skips a start or an upsert once the run has closed, and
   * upserts the worker's binary checksum of its own.
   */
  readonly visibilityWritesRequested: number;
  readonly historyEvents: number;
}

export interface WorkPerCommand extends Work {
  /** The commands (or orders) the census sent. */
  readonly commands: number;
  /** What the server did per command by its own metrics (visibility writes, search-attribute reads); absent without them. */
  readonly performed?: ServerCounts;
  /** Workflow tasks and history events per command, by kind of workflow. */
  readonly byWorkflow: Readonly<
    Record<string, { readonly workflowTasks: number; readonly historyEvents: number }>
  >;
}

/** The kind of a Settle workflow (or a baseline's), by its id. */
export function workflowKind(workflowId: string): string {
  if (workflowId.startsWith('payment-turn:')) return 'turn';
  if (workflowId.startsWith('payment:')) return 'command';
  if (workflowId.startsWith('order:')) return 'order payment';
  if (workflowId.startsWith('mailbox:')) return 'mailbox';
  if (workflowId.endsWith('-turn')) return 'baseline turn';
  return 'baseline';
}

const ZERO: Work = {
  workflows: 0,
  workflowTasks: 0,
  activityTasks: 0,
  localActivities: 0,
  updates: 0,
  signals: 0,
  searchAttributeUpserts: 0,
  visibilityWritesRequested: 0,
  historyEvents: 0,
};

/** What one history event adds to the count. */
function countOf(eventType: number | null | undefined): Partial<Work> {
  switch (eventType) {
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
      return { workflows: 1, visibilityWritesRequested: 1 };
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      return { visibilityWritesRequested: 1 };
    case E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      return { workflowTasks: 1 };
    case E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
      return { activityTasks: 1 };
    case E.EVENT_TYPE_MARKER_RECORDED:
      return { localActivities: 1 };
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
      return { updates: 1 };
    case E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      return { signals: 1 };
    case E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      return { searchAttributeUpserts: 1, visibilityWritesRequested: 1 };
    default:
      return {};
  }
}

const add = (sum: Work, more: Partial<Work>): Work => {
  const next: Record<string, number> = { ...sum };
  for (const [key, value] of Object.entries(more)) next[key] = (next[key] ?? 0) + (value ?? 0);
  return next as unknown as Work;
};

/**
 * The work of every run of the workflows `query` finds, counted over the events between `from` and `to`
 * (epoch ms) and divided by `commands`.
 */
export async function workOf(
  temporal: Client,
  query: string,
  commands: number,
  from: number,
  to: number,
): Promise<WorkPerCommand> {
  let total = ZERO;
  const byWorkflow = new Map<string, { workflowTasks: number; historyEvents: number }>();
  for await (const execution of temporal.workflow.list({ query })) {
    if (execution.closeTime && execution.closeTime.getTime() < from) continue;
    const history = await temporal.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    const kind = byWorkflow.get(workflowKind(execution.workflowId)) ?? { workflowTasks: 0, historyEvents: 0 };
    for (const event of history.events ?? []) {
      const at = tsToMs(event.eventTime);
      if (at < from || at > to) continue;
      const counted = { ...countOf(event.eventType), historyEvents: 1 };
      total = add(total, counted);
      kind.workflowTasks += counted.workflowTasks ?? 0;
      kind.historyEvents += 1;
    }
    byWorkflow.set(workflowKind(execution.workflowId), kind);
  }
  const per = (value: number) => round(value / Math.max(1, commands), 2);
  return {
    commands,
    ...(Object.fromEntries(
      Object.entries(total).map(([key, value]) => [key, per(value)]),
    ) as unknown as Work),
    byWorkflow: Object.fromEntries(
      [...byWorkflow].map(([kind, counts]) => [
        kind,
        { workflowTasks: per(counts.workflowTasks), historyEvents: per(counts.historyEvents) },
      ]),
    ),
  };
}

/** A visibility query for the workflows whose ids begin with one of `prefixes` or are one of `ids`. */
export function workflowsQuery(prefixes: readonly string[], ids: readonly string[] = []): string {
  return [
    ...prefixes.map((prefix) => `WorkflowId STARTS_WITH "${prefix}"`),
    ...ids.map((id) => `WorkflowId = "${id}"`),
  ].join(' OR ');
}

/**
 * Waits (up to 30 s) until the task queue's command and turn workflows have all closed, so that none is cut off
 * at the end; an order's payment and a tenant's mailbox run on, by design.
 */
export async function commandsClosed(temporal: Client, taskQueue: string): Promise<void> {
  const query = `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running" AND WorkflowType != "orderPaymentWorkflow" AND WorkflowType != "mailboxWorkflow"`;
  for (let tries = 0; tries < 120; tries += 1) {
    if ((await temporal.workflow.count(query)).count === 0) return;
    await new Promise((done) => setTimeout(done, 250));
  }
}
