import { round } from './stats';

/**
 * What the Temporal server did, by its own count. The visibility writes it performs, from its own metrics (`visibility_persistence_requests`
 * by operation, less `visibility_persistence_errors`: common/persistence/visibility/visiblity_manager_metrics.go
 * in v1.29.1). The history only says what was requested: the server's visibility queue skips a start or an
 * upsert task when the run has closed by the time the task runs (service/history/visibility_queue_task_executor.go,
 * processStartExecution and processUpsertExecution return early unless the run is still running), and an upsert
 * that does run writes the run's current attributes, whatever the upsert set.
 */

export interface ServerCounts {
  /** RecordWorkflowExecutionStarted: a run's row written at its start. */
  readonly starts: number;
  /** UpsertWorkflowExecution: the row written again after a search-attribute upsert. */
  readonly upserts: number;
  /** RecordWorkflowExecutionClosed: the row written at the run's close. */
  readonly closes: number;
  /** The visibility writes: starts, upserts and closes. */
  readonly total: number;
  /**
   * Search attributes read from the database (GetCurrentClusterMetadata, every service): a few a minute while
   * the services cache them, several per command with the forced refresh. Shows which of the two ran.
   */
  readonly searchAttributeReads: number;
}

const OPERATIONS = {
  starts: 'RecordWorkflowExecutionStarted',
  upserts: 'UpsertWorkflowExecution',
  closes: 'RecordWorkflowExecutionClosed',
} as const;

/** The counters in a Prometheus text page, summed over their other labels, by operation. */
export function serverCountsIn(page: string): ServerCounts {
  const sums = new Map<string, number>();
  let searchAttributeReads = 0;
  for (const line of page.split('\n')) {
    const match = /^(visibility_)?persistence_(requests|errors)(?:_total)?\{([^}]*)\}\s+(\S+)/.exec(line);
    const operation = match && /operation="([^"]+)"/.exec(match[3]!)?.[1];
    if (!match || !operation) continue;
    if (!match[1]) {
      if (match[2] === 'requests' && operation === 'GetCurrentClusterMetadata')
        searchAttributeReads += Number(match[4]);
      continue;
    }
    const sign = match[2] === 'requests' ? 1 : -1;
    sums.set(operation, (sums.get(operation) ?? 0) + sign * Number(match[4]));
  }
  const of = (operation: string) => sums.get(operation) ?? 0;
  const starts = of(OPERATIONS.starts);
  const upserts = of(OPERATIONS.upserts);
  const closes = of(OPERATIONS.closes);
  return { starts, upserts, closes, total: starts + upserts + closes, searchAttributeReads };
}

export async function serverCounts(metricsUrl: string): Promise<ServerCounts> {
  const response = await fetch(metricsUrl);
  if (!response.ok)
    throw new Error(`the Temporal server's metrics (${metricsUrl}) answered ${response.status}`);
  return serverCountsIn(await response.text());
}

/**
 * The count once it has stopped moving for `quietMs` (the visibility queue runs behind the histories), or
 * after `timeoutMs` whatever it is.
 */
export async function settledServerCounts(
  metricsUrl: string,
  quietMs = 1500,
  timeoutMs = 30_000,
): Promise<ServerCounts> {
  const deadline = Date.now() + timeoutMs;
  let last = await serverCounts(metricsUrl);
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 250));
    const now = await serverCounts(metricsUrl);
    if (now.total !== last.total) quietSince = Date.now();
    last = now;
  }
  return last;
}

/** The counts between two readings, per command. */
export function writesPer(before: ServerCounts, after: ServerCounts, commands: number): ServerCounts {
  const per = (key: keyof ServerCounts) => round((after[key] - before[key]) / Math.max(1, commands), 2);
  return {
    starts: per('starts'),
    upserts: per('upserts'),
    closes: per('closes'),
    total: per('total'),
    searchAttributeReads: per('searchAttributeReads'),
  };
}
