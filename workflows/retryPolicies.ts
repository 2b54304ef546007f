import type { RetryPolicy } from '@temporalio/common';
import { NON_RETRYABLE } from '../domain/failures';

/**
 * Calls to MIB retry for as long as MIB is down or refuses the credentials (1 s doubling, capped at 10 min,
 * no attempt limit): an operator mends those. Only MIB refusing the request itself (MibRejected) stops the
 * retries: a registration then fails visibly in the Web UI, a payment's notification leaves it stuck.
 */
export const MIB_RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '10 minutes',
  nonRetryableErrorTypes: [NON_RETRYABLE.mibRejected],
};
