/**
 * What happened to a payment command, when: the operator's story of it. A payment may be polled for weeks,
 * so the timeline is bounded, but never by forgetting how it began: it keeps its first entries, its
 * milestones (the provider's first answer, becoming stuck, a resolution, the report) and its latest entries,
 * and counts what it dropped between them.
 */

export interface TimelineEntry {
  /** Workflow time, ISO 8601. */
  readonly at: string;
  readonly what: string;
  /** Kept however long the timeline grows. */
  readonly milestone?: true;
}

export interface Timeline {
  readonly entries: readonly TimelineEntry[];
  /** How many ordinary entries were dropped after the first ones. */
  readonly dropped: number;
}

/** Entries kept from the start, whatever follows. */
export const TIMELINE_HEAD = 20;
/** Entries kept in all; past it the oldest ordinary entry after the head goes. */
export const TIMELINE_LIMIT = 200;

export const EMPTY_TIMELINE: Timeline = { entries: [], dropped: 0 };

export function appendToTimeline(timeline: Timeline, entry: TimelineEntry): Timeline {
  const entries = [...timeline.entries, entry];
  if (entries.length <= TIMELINE_LIMIT) return { entries, dropped: timeline.dropped };
  const index = entries.findIndex((candidate, at) => at >= TIMELINE_HEAD && !candidate.milestone);
  // Only milestones past the head: nothing ordinary to drop (a command has only a handful of milestones).
  if (index === -1 || index === entries.length - 1) return { entries, dropped: timeline.dropped };
  entries.splice(index, 1);
  return { entries, dropped: timeline.dropped + 1 };
}

/** The timeline as the operator reads it, oldest first, with a marker where entries were dropped. */
export function timelineForDisplay(timeline: Timeline): TimelineEntry[] {
  if (timeline.dropped === 0) return [...timeline.entries];
  const head = timeline.entries.slice(0, TIMELINE_HEAD);
  const marker: TimelineEntry = {
    at: head.at(-1)?.at ?? '',
    what: `… ${timeline.dropped} earlier entries dropped; the first ones, the milestones and the latest are kept`,
  };
  return [...head, marker, ...timeline.entries.slice(TIMELINE_HEAD)];
}
