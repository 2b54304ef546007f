import { round } from './stats';

/**
 * The visibility writes the Temporal server performs, from its own metrics (`visibility_persistence_requests`
 * by operation, less `visibility_persistence_errors`: common/persistence/visibility/visiblity_manager_metrics.go
 * in v1.29.1). The history only says what was requested: the server's visibility queue skips a start or an
 * upsert task when the run has closed by the time the task runs (service/history/visibility_queue_task_executor.go,
 * processStartExecution and processUpsertExecution return early unless the run is still running), and an upsert
 * that does run writes the run's current attributes, whatever the upsert set.
 */

export interface VisibilityWrites {
  /** RecordWorkflowExecutionStarted: a run's row written at its start. */
  readonly starts: number;
  /** UpsertWorkflowExecution: the row written again after a search-attribute upsert. */
  readonly upserts: number;
  /** RecordWorkflowExecutionClosed: the row written at the run's close. */
  readonly closes: number;
  readonly total: number;
}

const OPERATIONS = {
  starts: 'RecordWorkflowExecutionStarted',
  upserts: 'UpsertWorkflowExecution',
  closes: 'RecordWorkflowExecutionClosed',
} as const;

/** The counters in a Prometheus text page, summed over their other labels, by operation. */
export function visibilityWritesIn(page: string): VisibilityWrites {
  const sums = new Map<string, number>();
  for (const line of page.split('\n')) {
    const match = /^visibility_persistence_(requests|errors)(?:_total)?\{([^}]*)\}\s+(\S+)/.exec(line);
    const operation = match && /operation="([^"]+)"/.exec(match[2]!)?.[1];
    if (!match || !operation) continue;
    const sign = match[1] === 'requests' ? 1 : -1;
    sums.set(operation, (sums.get(operation) ?? 0) + sign * Number(match[3]));
  }
  const of = (operation: string) => sums.get(operation) ?? 0;
  const starts = of(OPERATIONS.starts);
  const upserts = of(OPERATIONS.upserts);
  const closes = of(OPERATIONS.closes);
  return { starts, upserts, closes, total: starts + upserts + closes };
}

export async function visibilityWrites(metricsUrl: string): Promise<VisibilityWrites> {
  const response = await fetch(metricsUrl);
  if (!response.ok)
    throw new Error(`the Temporal server's metrics (${metricsUrl}) answered ${response.status}`);
  return visibilityWritesIn(await response.text());
}

/**
 * The count once it has stopped moving for `quietMs` (the visibility queue runs behind the histories), or
 * after `timeoutMs` whatever it is.
 */
export async function settledVisibilityWrites(
  metricsUrl: string,
  quietMs = 1500,
  timeoutMs = 30_000,
): Promise<VisibilityWrites> {
  const deadline = Date.now() + timeoutMs;
  let last = await visibilityWrites(metricsUrl);
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 250));
    const now = await visibilityWrites(metricsUrl);
    if (now.total !== last.total) quietSince = Date.now();
    last = now;
  }
  return last;
}

/** The writes between two counts, per command. */
export function writesPer(
  before: VisibilityWrites,
  after: VisibilityWrites,
  commands: number,
): VisibilityWrites {
  const per = (key: keyof VisibilityWrites) => round((after[key] - before[key]) / Math.max(1, commands), 2);
  return { starts: per('starts'), upserts: per('upserts'), closes: per('closes'), total: per('total') };
}
