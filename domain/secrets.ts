import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of a secret a caller shows, which does not leak the secret's length either. */
export function sameSecret(given: string, secret: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(secret));
}
