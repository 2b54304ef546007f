import type { RetryPolicy } from '@temporalio/common';
import { NON_RETRYABLE } from '../domain/failures';

/**
 * Calls to an OMS retry for as long as it is down or refuses the credentials (1 s doubling, capped at
 * 10 min, no attempt limit): an operator mends those. Only the OMS refusing the request itself stops the
 * retries: an outcome report then leaves the payment stuck; a door's own calls (a registration) name the
 * failure types of its OMS's refusals, and fail visibly in the Web UI.
 */
export function omsRetry(...doorRefusals: readonly string[]): RetryPolicy {
  return {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: [NON_RETRYABLE.reportRefused, ...doorRefusals],
  };
}

/** The same for the core's calls to a door: its reporter's refusals are ReportRefused. */
export const OMS_RETRY: RetryPolicy = omsRetry();
