/**
 * What a provider's answer means for a payment command.
 * - settled: the command reached its goal (funds moved, hold released).
 * - declined: a business failure; final, reported as `*_failed`.
 * - pending: the provider accepted and will tell later (webhook or status API).
 * - unknown: Settle cannot tell whether the provider acted (the answer was lost: a timeout, a connection
 *   cut after the request went out). Never taken as failed: Settle asks the provider again.
 */
export type Outcome = 'settled' | 'declined' | 'pending' | 'unknown';

/** An outcome that ends the command. */
export type FinalOutcome = Exclude<Outcome, 'pending' | 'unknown'>;

/**
 * The life of a payment command, as shown in the `SettlePhase` search attribute. `stuck`: progress stopped
 * on something retrying cannot mend (MIB refused the notification); the workflow waits for an operator.
 */
export type Phase = 'executing' | 'awaiting_settlement' | 'notifying' | 'stuck' | 'done';

/** Whether an authorization can back the payment: `expired` ones may be replaced (revalidate). */
export type AuthorizationValidity = 'valid' | 'expired' | 'invalid';

/** An authorization at the provider, as reported back to MIB. */
export interface AuthorizationReference {
  readonly transactionId: string;
  /** The provider's word for the authorization's state, e.g. "authorized". */
  readonly status: string;
  readonly expiresAt?: string;
}

export function isFinal(outcome: Outcome): outcome is FinalOutcome {
  return outcome === 'settled' || outcome === 'declined';
}

/** A command's outcome as the core hands it to the front door that reports it. */
export interface OutcomeReport {
  readonly provider: string;
  readonly outcome: FinalOutcome;
  /** The provider's id of the operation (capture, refund, …), where it has one. */
  readonly operationId?: string;
  /** The provider's own status word, e.g. "succeeded", or `resolved_by_operator`. */
  readonly status: string;
  /** Why a declined command failed, in the provider's (or the operator's) words. */
  readonly reason?: string;
  /** The authorization the payment rests on now: the checked one, or a new one that replaced it. */
  readonly authorization?: AuthorizationReference;
}
