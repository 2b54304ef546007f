/**
 * How long a call to a provider may take, and what follows from it. One number decides the rest, so that they
 * cannot drift apart: every provider client gives up on a request within PROVIDER_REQUEST_TIMEOUT_MS, and the
 * local attempt (workflows/providerCalls.ts) outlives it. A local attempt that timed out while its request was
 * still in flight would hand the command to the regular activity, whose first attempt would then meet its own
 * earlier request at the provider (Stripe answers 409 `idempotency_key_in_use`).
 */
export const PROVIDER_REQUEST_TIMEOUT_MS = 30_000;

/** The local attempt's timeout: the client's, and room for the activity around it. */
export const LOCAL_ATTEMPT_TIMEOUT_MS = PROVIDER_REQUEST_TIMEOUT_MS + 10_000;

/**
 * How long after a money call may first have reached the provider Settle asks the provider whether the operation
 * happened before sending it again: five sixths of the time the provider keeps the idempotency key (20 of
 * Stripe's 24 hours), well before it may forget the key.
 */
export function lookupAfterMs(keyRetentionMs: number): number {
  return keyRetentionMs - keyRetentionMs / 6;
}
