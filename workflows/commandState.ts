import type { FinalOutcome } from '../domain/outcome';
import { isFinal } from '../domain/outcome';
import type { ProviderResult } from '../providers/types';
import { CommandRecord } from './commandRecord';
import type { Resolution } from './messages';

export { now, type CarriedState } from './commandRecord';

/**
 * Everything a payment command workflow knows, and the one place that changes it: the phases (turn,
 * settlement, report) and the message handlers tell it what happened through the transitions below and read
 * its `facts`; `status()` shows it (commandRecord.ts).
 */
export class CommandState extends CommandRecord {
  /** A call to the provider for the command (its act, or the act again) is about to be made. */
  callingProvider(): void {
    this.count('provider');
  }

  /** The command took the payment's turn: its provider call is in flight until `turnEnded`. */
  turnTaken(): void {
    this.known.acting = true;
    this.note('acting at the provider');
    this.showDetails();
  }

  turnEnded(): void {
    this.known.acting = false;
    this.showDetails();
  }

  /** The provider answered the command's act. */
  acted(result: ProviderResult): void {
    this.known.result = result;
    this.note(`provider answered ${result.status} (${result.outcome})`, true);
  }

  /** The provider's latest answer, on being asked again. */
  answered(result: ProviderResult): void {
    this.known.result = result;
  }

  /** Waits for the outcome; the provider is next asked at `nextCheckAt`, if it is asked. */
  waiting(nextCheckAt: number | undefined): void {
    this.setPhase(this.waitingPhase());
    this.known.nextCheckAt = nextCheckAt;
  }

  /** The provider is asked again: on an operator's recheck, or because a scheduled check is `due`. */
  askingAgain(due: boolean): void {
    if (due) this.known.pollIndex += 1;
    this.known.recheckRequested = false;
    this.known.nextCheckAt = undefined;
  }

  /** The provider was asked at the payment page's expiry: once only. */
  pageExpiryChecked(): void {
    this.known.pageExpiryChecked = true;
  }

  statusChecked(): void {
    this.count('statusChecks');
  }

  /** Something failed that the command goes on through: its status shows it as the last error. */
  failed(error: string): void {
    this.known.lastError = error;
    this.note(error);
  }

  recheckRequested(): void {
    this.known.recheckRequested = true;
    this.note('asked to recheck the provider');
  }

  reportRetryRequested(): void {
    this.known.retryRequested = true;
  }

  /** An operator's resolution is being checked with the provider (`false`: no longer). */
  checkingResolution(checking: boolean): void {
    this.known.resolving = checking;
  }

  resolved(request: Resolution): void {
    this.known.resolution = { ...request, at: new Date().toISOString() };
    const forced = request.force ? ' (forced)' : '';
    this.note(`resolved as ${request.outcome}${forced} by ${request.operator}: ${request.reason}`, true);
  }

  /** The outcome is known: its report goes out (one more attempt of it). */
  reporting(outcome: FinalOutcome): void {
    this.known.outcome = outcome;
    this.known.nextCheckAt = undefined;
    this.clearStuck();
    this.setPhase('notifying');
    this.count('notifications');
  }

  /** The OMS accepted the report; `what` the door reported, in its words. */
  reported(what: string): void {
    this.note(`reported through ${this.input.reply.door}: ${what}`, true);
    this.clearStuck();
    this.setPhase('done');
  }

  /**
   * Stuck on a failure (a failed act, a refused report, anything unexpected): nothing moves until the
   * operator has answered (`operatorAnswered`).
   */
  awaitOperator(reason: string, category: string): void {
    this.known.lastError = reason;
    this.known.recheckRequested = false;
    this.known.retryRequested = false;
    this.known.awaitingOperator = true;
    this.markStuck(reason, category);
  }

  /**
   * What a payment stuck on a failure waits for: before the outcome is known, a resolution or a recheck;
   * after it, the go-ahead to deliver the report again.
   */
  operatorAnswered(): boolean {
    const { outcome, retryRequested, recheckRequested } = this.known;
    return outcome ? retryRequested : this.decided() !== undefined || recheckRequested;
  }

  /** Moves on as the operator asked: no longer stuck, in the phase that follows from what is known. */
  unstuck(): void {
    const { known } = this;
    known.awaitingOperator = false;
    if (known.outcome) {
      this.note('operator asked to deliver the report again');
    } else if (!this.decided() && known.result === undefined) {
      // Acting again is the recheck: it asks the provider with the same idempotency key.
      known.recheckRequested = false;
      this.note('acting at the provider again with the same idempotency key, as the operator asked');
    }
    this.clearStuck();
    this.setPhase(
      known.outcome ? 'notifying' : known.result || known.resolution ? this.waitingPhase() : 'executing',
    );
  }

  /** The final result, if one is known: an operator's resolution, the provider's answer or its webhook. */
  decided(): ProviderResult | undefined {
    const { result, resolution } = this.known;
    if (resolution) {
      // After a failed act there is no provider answer: the resolution is the whole result.
      return {
        ...result,
        outcome: resolution.outcome,
        status: 'resolved_by_operator',
        reason: resolution.outcome === 'declined' ? resolution.reason : undefined,
      };
    }
    if (!result) return undefined;
    if (isFinal(result.outcome)) return result;
    const event = result.operationId ? this.events.get(result.operationId) : undefined;
    if (event) return { ...result, ...event };
    return this.input.command === 'authorize' ? this.authorizationEvent(result) : undefined;
  }

  /**
   * An authorize acts once, on its own authorization: any webhook addressed to its workflow is about it, also
   * one naming an id the act's answer did not know yet (a session's payment, once the customer paid).
   */
  private authorizationEvent(result: ProviderResult): ProviderResult | undefined {
    const [event] = this.events.values();
    if (!event) return undefined;
    const { operationId, outcome, status, reason } = event;
    return {
      ...result,
      outcome,
      operationId,
      status,
      reason,
      authorization:
        outcome === 'settled' ? { ...result.authorization, transactionId: operationId, status } : undefined,
    };
  }
}
