import {
  log,
  metricMeter,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { FinalOutcome, Phase } from '../domain/outcome';
import { isFinal } from '../domain/outcome';
import type { PaymentCommandInput } from '../domain/paymentCommand';
import { appendToTimeline, EMPTY_TIMELINE, type Timeline } from '../domain/timeline';
import type { ProviderEvent, ProviderResult } from '../providers/types';
import type { PaymentCommandStatus, Resolution } from './messages';
import { SEARCH_ATTRIBUTES } from './searchAttributes';
import { detailsOf, statusOf } from './statusView';

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
}

const EVENT_IDS_KEPT = 100;

/** Workflow time in ms: deterministic, replayed from the history. */
export const now = () => new Date().getTime();

/** Counts stuck payments; created where it is used, since this module is also imported outside workflows. */
const stuckPayments = () =>
  metricMeter.createCounter(
    'settle_payments_stuck',
    'payments',
    'Payment commands that became stuck: no outcome or no accepted report by a deadline, a failure, an end by hand',
  );

/**
 * Everything a payment command workflow knows, and the one place that changes it: the phases
 * (paymentAct, settlement, report) and the message handlers act on this, and `status()` shows it.
 */
export class CommandState {
  phase: Phase = 'executing';
  outcome?: FinalOutcome;
  /** The provider's latest answer about the command. */
  result?: ProviderResult;
  stuckReason?: string;
  /** The stuck reason as the search attribute shows it: Settle's words only, never a provider's or an OMS's. */
  stuckCategory?: string;
  /** Stuck on a failure: nothing moves until an operator resolves, rechecks or retries the report. */
  awaitingOperator = false;
  /** A resolution is being checked with the provider (handlers.ts): a second one waits its turn. */
  resolving = false;
  lastError?: string;
  resolution?: Resolution & { at: string };
  nextCheckAt?: number;
  /** The command holds the payment's turn: its provider call is in flight. */
  private actingNow = false;
  pollIndex: number;
  recheckRequested: boolean;
  retryRequested = false;
  readonly deadlineAt: number;
  readonly attempts: { provider: number; statusChecks: number; notifications: number };
  /** Each operation's first final event from a webhook, which may arrive before the provider call returns. */
  readonly events: Map<string, ProviderEvent>;
  readonly seenEventIds: Set<string>;
  private timeline: Timeline;
  private shown: { phase: Phase; outcome?: FinalOutcome; stuckCategory?: string } = { phase: 'executing' };

  constructor(
    readonly input: PaymentCommandInput,
    carried?: CarriedState,
  ) {
    this.result = carried?.result;
    this.stuckReason = carried?.stuckReason;
    this.stuckCategory = carried?.stuckCategory ?? carried?.stuckReason;
    this.lastError = carried?.lastError;
    this.pollIndex = carried?.pollIndex ?? 0;
    this.recheckRequested = carried?.recheckRequested ?? false;
    this.deadlineAt = carried?.deadlineAt ?? workflowInfo().startTime.getTime() + input.settlement.deadlineMs;
    this.attempts = { provider: 0, statusChecks: 0, notifications: 0, ...carried?.attempts };
    this.timeline = carried?.timeline ?? EMPTY_TIMELINE;
    this.events = new Map((carried?.events ?? []).map((event) => [event.operationId, event]));
    this.seenEventIds = new Set(carried?.seenEventIds ?? []);
    // A continued run starts in its carried phase; the search attributes already show it.
    if (carried) this.shown = { phase: this.waitingPhase(), stuckCategory: this.stuckCategory };
    this.phase = carried ? this.waitingPhase() : 'executing';
    this.showDetails();
  }

  note(what: string, milestone = false): void {
    const entry = { at: new Date().toISOString(), what, ...(milestone ? { milestone: true as const } : {}) };
    this.timeline = appendToTimeline(this.timeline, entry);
  }

  /** Moves to a phase; the search attributes are upserted only when what they show changes. */
  setPhase(next: Phase): void {
    this.phase = next;
    const { shown } = this;
    if (
      next !== shown.phase ||
      this.outcome !== shown.outcome ||
      this.stuckCategory !== shown.stuckCategory
    ) {
      upsertSearchAttributes([
        { key: SEARCH_ATTRIBUTES.phase, value: next },
        ...(this.outcome ? [{ key: SEARCH_ATTRIBUTES.outcome, value: this.outcome }] : []),
        ...(this.stuckCategory !== shown.stuckCategory
          ? [{ key: SEARCH_ATTRIBUTES.stuckReason, value: this.stuckCategory ?? '' }]
          : []),
      ]);
      this.shown = { phase: next, outcome: this.outcome, stuckCategory: this.stuckCategory };
    }
    this.showDetails();
  }

  get acting(): boolean {
    return this.actingNow;
  }

  set acting(value: boolean) {
    this.actingNow = value;
    this.showDetails();
  }

  /** Awaiting settlement, or stuck while it still waits past its deadline. */
  waitingPhase(): Phase {
    return this.stuckReason ? 'stuck' : 'awaiting_settlement';
  }

  /**
   * Shows the payment stuck: the whole reason in its status, details and timeline (payloads, encrypted with
   * PAYLOAD_KEYS), and only `category` — Settle's own words — in the search attribute and the log, which
   * are not: a provider's or an OMS's answer may carry what must not be stored in clear.
   */
  markStuck(reason: string, category = reason): void {
    this.stuckReason = reason;
    this.stuckCategory = category;
    this.note(`stuck: ${reason}`, true);
    const { command, provider, reference } = this.input;
    log.error('payment is stuck', { reason: category, reference, command });
    stuckPayments().add(1, { command, provider });
    this.setPhase('stuck');
  }

  /** No longer stuck: the phase it moves on in, from what is known. */
  unstick(): void {
    this.stuckReason = undefined;
    this.stuckCategory = undefined;
    this.setPhase(
      this.outcome ? 'notifying' : this.result || this.resolution ? this.waitingPhase() : 'executing',
    );
  }

  /** The final result, if one is known: an operator's resolution, the provider's answer or its webhook. */
  decided(): ProviderResult | undefined {
    const { result, resolution } = this;
    if (resolution) {
      // After a failed act there is no provider answer: the resolution is the whole result.
      return {
        ...result,
        outcome: resolution.outcome,
        status: 'resolved_by_operator',
        reason: resolution.outcome === 'declined' ? resolution.reason : undefined,
      };
    }
    if (result && isFinal(result.outcome)) return result;
    const event = result?.operationId ? this.events.get(result.operationId) : undefined;
    return event ? { ...result!, ...event } : undefined;
  }

  /** Keeps an operation's first final event; a redelivered event or a later one of the same operation is a no-op. */
  receive(event: ProviderEvent): void {
    if (this.seenEventIds.has(event.eventId)) return;
    this.seenEventIds.add(event.eventId);
    if (this.events.has(event.operationId)) return;
    this.events.set(event.operationId, event);
    this.note(`webhook ${event.eventId}: operation ${event.operationId} ${event.status}`);
  }

  carried(): CarriedState {
    return {
      result: this.result!,
      pollIndex: this.pollIndex,
      deadlineAt: this.deadlineAt,
      stuckReason: this.stuckReason,
      stuckCategory: this.stuckCategory,
      attempts: this.attempts,
      lastError: this.lastError,
      timeline: this.timeline,
      events: [...this.events.values()],
      seenEventIds: [...this.seenEventIds].slice(-EVENT_IDS_KEPT),
      recheckRequested: this.recheckRequested,
    };
  }

  status(): PaymentCommandStatus {
    return statusOf(this, this.timeline);
  }

  /** The Web UI's "current details" of the workflow, kept up to date as the payment moves. */
  private showDetails(): void {
    setCurrentDetails(detailsOf(this));
  }
}
