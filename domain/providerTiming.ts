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
 * How long before a provider may forget an idempotency key Settle asks it whether the operation happened
 * instead of sending again: a sixth of the key's retention (20 hours of Stripe's 24).
 */
export function lookupAfterMs(keyRetentionMs: number): number {
  return keyRetentionMs - keyRetentionMs / 6;
}
