import {
  log,
  metricMeter,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { FinalOutcome, Phase } from '../domain/outcome';
import type { PaymentCommandInput } from '../domain/paymentCommand';
import { appendToTimeline, EMPTY_TIMELINE, type Timeline } from '../domain/timeline';
import type { ProviderEvent, ProviderResult } from '../providers/types';
import type { PaymentCommandStatus } from './messages';
import { SEARCH_ATTRIBUTES } from './searchAttributes';
import { detailsOf, statusOf, type CommandFacts } from './statusView';

/** What a continued run takes over from the run before it (continue-as-new while waiting). */
export interface CarriedState {
  readonly result: ProviderResult;
  readonly pollIndex: number;
  readonly deadlineAt: number;
  readonly stuckReason?: string;
  /** What the `SettleStuckReason` search attribute shows of the stuck reason (stuckReasons.ts). */
  readonly stuckCategory?: string;
  readonly attempts: PaymentCommandStatus['attempts'];
  readonly lastError?: string;
  readonly timeline: Timeline;
  readonly events: readonly ProviderEvent[];
  readonly seenEventIds: readonly string[];
  /** An operator's recheck that arrived as the run continued as new. */
  readonly recheckRequested?: boolean;
  readonly pageExpiryChecked?: boolean;
}

const EVENT_IDS_KEPT = 100;

/**
 * How long a phase lasts before the search attributes show it. Most end within milliseconds (a webhook soon
 * after the act, a report the OMS takes at once): upserting each would cost visibility writes no operator's
 * query can see. The status query and the Web UI's details show every phase at once.
 */
export const PHASE_SHOWN_AFTER_MS = 5_000;

/** Workflow time in ms: deterministic, replayed from the history. */
export const now = () => new Date().getTime();

/** Counts stuck payments; created where it is used, since this module is also imported outside workflows. */
const stuckPayments = () =>
  metricMeter.createCounter(
    'settle_payments_stuck',
    'payments',
    'Payment commands that became stuck: no outcome or no accepted report by a deadline, a failure, an end by hand',
  );

type Facts = { -readonly [K in keyof CommandFacts]: CommandFacts[K] };

/**
 * What is known of a payment command and how it shows: its status, timeline, search attributes and the Web
 * UI's details. The command's transitions (commandState.ts) are the only code that changes it.
 */
export abstract class CommandRecord {
  protected readonly known: Facts;
  /** The stuck reason as the search attribute shows it: Settle's words only, never a provider's or an OMS's. */
  private stuckCategory?: string;
  /** Each operation's first final event from a webhook, which may arrive before the provider call returns. */
  protected readonly events: Map<string, ProviderEvent>;
  private readonly seenEventIds: Set<string>;
  private timeline: Timeline;
  /** What the search attributes show: the phase the workflow starts in is set by whoever starts it. */
  private shown: { phase: Phase; outcome?: FinalOutcome; stuckCategory?: string } = { phase: 'executing' };
  /** Since when (workflow time) the command is in its phase. */
  private phaseSince = now();

  constructor(
    readonly input: PaymentCommandInput,
    carried?: CarriedState,
  ) {
    this.known = {
      input,
      phase: 'executing',
      result: carried?.result,
      stuckReason: carried?.stuckReason,
      lastError: carried?.lastError,
      pollIndex: carried?.pollIndex ?? 0,
      deadlineAt: carried?.deadlineAt ?? workflowInfo().startTime.getTime() + input.settlement.deadlineMs,
      acting: false,
      awaitingOperator: false,
      recheckRequested: carried?.recheckRequested ?? false,
      retryRequested: false,
      resolving: false,
      pageExpiryChecked: carried?.pageExpiryChecked ?? false,
      attempts: { provider: 0, statusChecks: 0, notifications: 0, ...carried?.attempts },
    };
    this.stuckCategory = carried?.stuckCategory ?? carried?.stuckReason;
    this.timeline = carried?.timeline ?? EMPTY_TIMELINE;
    this.events = new Map((carried?.events ?? []).map((event) => [event.operationId, event]));
    this.seenEventIds = new Set(carried?.seenEventIds ?? []);
    // A continued run starts in its carried phase; the search attributes already show it.
    if (carried) this.shown = { phase: this.waitingPhase(), stuckCategory: this.stuckCategory };
    this.known.phase = carried ? this.waitingPhase() : 'executing';
    this.showDetails();
  }

  /** What is known of the command, to read. */
  get facts(): CommandFacts {
    return this.known;
  }

  note(what: string, milestone = false): void {
    const entry = { at: new Date().toISOString(), what, ...(milestone ? { milestone: true as const } : {}) };
    this.timeline = appendToTimeline(this.timeline, entry);
  }

  /**
   * Shows the payment stuck: the whole reason in its status, details and timeline (payloads, encrypted with
   * PAYLOAD_KEYS), and only `category` — Settle's own words — in the search attribute and the log, which
   * are not: a provider's or an OMS's answer may carry what must not be stored in clear.
   */
  markStuck(reason: string, category = reason): void {
    this.known.stuckReason = reason;
    this.stuckCategory = category;
    this.note(`stuck: ${reason}`, true);
    const { command, provider, reference } = this.input;
    log.error('payment is stuck', { reason: category, reference, command });
    stuckPayments().add(1, { command, provider });
    this.setPhase('stuck');
  }

  /** Keeps an operation's first final event; a redelivered event or a later one of the same operation is a no-op. */
  receive(event: ProviderEvent): void {
    if (this.seenEventIds.has(event.eventId)) return;
    this.seenEventIds.add(event.eventId);
    if (this.events.has(event.operationId)) return;
    this.events.set(event.operationId, event);
    this.note(`webhook ${event.eventId}: operation ${event.operationId} ${event.status}`);
  }

  /** What the next run takes over, waiting on the provider's latest answer, `result`. */
  carried(result: ProviderResult): CarriedState {
    const { known } = this;
    return {
      result,
      pollIndex: known.pollIndex,
      deadlineAt: known.deadlineAt,
      stuckReason: known.stuckReason,
      stuckCategory: this.stuckCategory,
      attempts: known.attempts,
      lastError: known.lastError,
      timeline: this.timeline,
      events: [...this.events.values()],
      seenEventIds: [...this.seenEventIds].slice(-EVENT_IDS_KEPT),
      recheckRequested: known.recheckRequested,
      pageExpiryChecked: known.pageExpiryChecked,
    };
  }

  status(): PaymentCommandStatus {
    return statusOf(this.known, this.timeline);
  }

  /** Awaiting settlement, or stuck while it still waits past its deadline. */
  protected waitingPhase(): Phase {
    return this.known.stuckReason ? 'stuck' : 'awaiting_settlement';
  }

  protected clearStuck(): void {
    this.known.stuckReason = undefined;
    this.stuckCategory = undefined;
  }

  /** One more call of the kind (`attempts`). */
  protected count(attempt: keyof PaymentCommandStatus['attempts']): void {
    const { attempts } = this.known;
    this.known.attempts = { ...attempts, [attempt]: attempts[attempt] + 1 };
  }

  /**
   * Moves to a phase. The search attributes show at once a payment becoming stuck or no longer stuck (what
   * operators and alerts look for) and its end: that upsert is in the closing workflow task, which the
   * server's visibility queue skips, but the run's close record carries it. Any other phase shows once it has
   * lasted (`showPhaseAt`), or with the next upsert.
   */
  protected setPhase(next: Phase): void {
    if (next !== this.known.phase) this.phaseSince = now();
    this.known.phase = next;
    if (next === 'stuck' || next === 'done' || this.stuckCategory !== this.shown.stuckCategory)
      this.showPhase();
    this.showDetails();
  }

  /** When the phase is to be shown in the search attributes; never, if they show it already. */
  showPhaseAt(): number {
    const { shown, stuckCategory } = this;
    const { phase, outcome } = this.known;
    const current =
      phase === shown.phase && outcome === shown.outcome && stuckCategory === shown.stuckCategory;
    return current ? Infinity : this.phaseSince + PHASE_SHOWN_AFTER_MS;
  }

  /** Upserts the search attributes, if what they show has changed. */
  showPhase(): void {
    if (this.showPhaseAt() === Infinity) return;
    const { shown, stuckCategory } = this;
    const { phase, outcome } = this.known;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.phase, value: phase },
      ...(outcome ? [{ key: SEARCH_ATTRIBUTES.outcome, value: outcome }] : []),
      ...(stuckCategory !== shown.stuckCategory
        ? [{ key: SEARCH_ATTRIBUTES.stuckReason, value: stuckCategory ?? '' }]
        : []),
    ]);
    this.shown = { phase, outcome, stuckCategory };
  }

  /** The Web UI's "current details" of the workflow, kept up to date as the payment moves. */
  protected showDetails(): void {
    setCurrentDetails(detailsOf(this.known));
  }
}
