/**
 * Failure types that stop Temporal's retries: raised by activities, named in the workflows' retry policies.
 * Everything else an activity throws is transient and retried.
 */
export const NON_RETRYABLE = {
  /** The provider refused the request itself (bad request, idempotency key reused): an operator must look. */
  providerRejected: 'ProviderRejected',
  /**
   * A money call (capture, refund, cancel, a new authorization) failed for longer than Settle retries it, or
   * the provider may have forgotten its idempotency key and cannot be asked what became of the call: sending
   * it again could move the money twice, so it stops with the reason for an operator.
   */
  providerRetriesExhausted: 'ProviderRetriesExhausted',
  /** The front door's OMS refused the outcome report itself: retrying cannot mend it, an operator must. */
  reportRefused: 'ReportRefused',
} as const;

/**
 * Thrown by a front door's reporter when its OMS refuses the report itself (not when it is unreachable):
 * the payment then waits, stuck, for an operator. The message says who refused what, for the operator.
 */
export class ReportRefusedError extends Error {
  override readonly name = 'ReportRefusedError';
}
