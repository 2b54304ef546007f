import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PaymentCommand } from '../domain/commands';
import type { FinalOutcome, Phase } from '../domain/outcome';
import type { TimelineEntry } from '../domain/timeline';
import type { ProviderEvent } from '../providers/types';

/**
 * The messages a payment command workflow understands: from the API (webhooks, the operator) and the query
 * that shows where it stands. Defined once, used by the workflow, the API, the CLI and the tests.
 */

export type { TimelineEntry };

export interface Resolution {
  readonly outcome: FinalOutcome;
  readonly reason: string;
  readonly operator: string;
  /**
   * Declined although the provider still has the command pending, or cannot be asked (its status API is
   * consulted first): for an operator who knows better. A command the provider settled is never declined.
   */
  readonly force?: boolean;
}

/**
 * A command workflow run again after its previous run ended without reporting (terminated, cancelled, …):
 * it starts stuck, acting on nothing until an operator resolves or rechecks it (api/paymentOperations.ts).
 */
export interface RevivedCommand {
  /** How the previous run ended, e.g. `TERMINATED`. */
  readonly endedAs: string;
}

/** Where a payment command stands: what the operator sees (`GET /payments/:id`, `settle payments show`). */
export interface PaymentCommandStatus {
  readonly workflowId: string;
  /** The front door the command came through. */
  readonly door: string;
  readonly reference: string;
  readonly command: PaymentCommand;
  readonly provider: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly phase: Phase;
  /** The decided outcome, once there is one. */
  readonly outcome?: FinalOutcome;
  /** The authorization the command acts on, and the one that replaced it (revalidate). */
  readonly transactionId: string;
  readonly newTransactionId?: string;
  /** The provider's id of the command's operation. */
  readonly operationId?: string;
  /** Calls the workflow made; retries inside a call show in the activity (GET /payments/:id adds them). */
  readonly attempts: {
    readonly provider: number;
    readonly statusChecks: number;
    readonly notifications: number;
  };
  readonly lastError?: string;
  /** Why the payment is stuck, while it is. */
  readonly stuckReason?: string;
  /** When the command is stuck if no outcome is known by then. */
  readonly deadline: string;
  /** When Settle next asks the provider, if it polls. */
  readonly nextCheckAt?: string;
  readonly resolution?: Resolution & { readonly at: string };
  /** What the command waits for now, in words. */
  readonly waitingFor?: string;
  /** What an operator can do now, as the command that does it; absent while nothing is needed. */
  readonly nextStep?: string;
  /** What happened when, oldest first: the first entries, the milestones and the latest ones. */
  readonly timeline: readonly TimelineEntry[];
}

/** A verified provider webhook, sent by the API. */
export const providerEventSignal = defineSignal<[ProviderEvent]>('providerEvent');
export const statusQuery = defineQuery<PaymentCommandStatus>('status');
/** An operator decides the outcome the provider never reported; refused where it makes no sense. */
export const resolveUpdate = defineUpdate<PaymentCommandStatus, [Resolution]>('resolve');
/** Ask the provider now instead of at the next scheduled check. */
export const recheckSignal = defineSignal('recheck');
/** An operator's go-ahead to deliver an outcome report the OMS refused once more (after fixing the cause). */
export const retryNotificationSignal = defineSignal('retryNotification');
