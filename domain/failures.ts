/**
 * Failure types that stop Temporal's retries: raised by activities, named in the workflows' retry policies.
 * Everything else an activity throws is transient and retried.
 */
export const NON_RETRYABLE = {
  /** The provider refused the request itself (bad request, idempotency key reused): an operator must look. */
  providerRejected: 'ProviderRejected',
  /** MIB refused the notification with a 4xx other than 401/408/429, or a JSON-RPC error. */
  mibRejected: 'MibRejected',
} as const;
