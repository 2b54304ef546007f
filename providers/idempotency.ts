import { createHash } from 'node:crypto';

/**
 * The idempotency key a provider gets for a command: Settle's key (the workflow id) as it is when the provider
 * accepts its length, else its SHA-256 in hex (64 characters), which is as stable and as unique.
 * Stripe takes up to 255 characters, Adyen up to 64.
 */
export function idempotencyKeyFor(key: string, maxLength: number): string {
  return key.length <= maxLength ? key : createHash('sha256').update(key).digest('hex');
}
