import { ApplicationFailure } from '@temporalio/activity';
import { MibRejectedError } from './client';
import { MIB_REJECTED } from './workflows/registerEndpointMessages';

/**
 * Runs a call to MIB. When MIB refuses the request itself (MibRejectedError), retrying cannot help: that
 * becomes a non-retryable MibRejected failure, shown in the Web UI. Every other error stays retryable.
 */
export async function failFastOnMibRejection<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof MibRejectedError) {
      throw ApplicationFailure.nonRetryable(error.message, MIB_REJECTED);
    }
    throw error;
  }
}
