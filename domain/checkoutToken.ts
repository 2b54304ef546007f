import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The token in a hosted payment page's URL (`<public url>/pay/<token>`): the order's workflow id and the
 * page's expiry, signed with HMAC-SHA256 under CHECKOUT_PAGE_KEY, both parts base64url. Without the key no
 * one can make one for another order or stretch its expiry; the page believes nothing else in the URL.
 */

/** Separates these MACs from any other use of the same key. */
const PURPOSE = 'settle.checkout-page.v1';

export interface CheckoutTokenClaims {
  readonly orderWorkflowId: string;
  /** ISO 8601: the page answers 410 from then on. */
  readonly expiresAt: string;
}

const mac = (payload: string, key: string) =>
  createHmac('sha256', key).update(`${PURPOSE}.${payload}`).digest();

export function signCheckoutToken(orderWorkflowId: string, expiresAt: string, key: string): string {
  if (!orderWorkflowId) throw new Error('a checkout token needs the order workflow id');
  if (Number.isNaN(Date.parse(expiresAt))) throw new Error(`"${expiresAt}" is not an ISO 8601 expiry`);
  const payload = Buffer.from(JSON.stringify({ o: orderWorkflowId, e: expiresAt })).toString('base64url');
  return `${payload}.${mac(payload, key).toString('base64url')}`;
}

/** Why a token is refused: not one Settle signed (or signed with another key), or past its expiry. */
export type CheckoutTokenRefusal = 'invalid' | 'expired';

/** The claims of an authentic token, or why it is refused. */
export function readCheckoutToken(
  token: string,
  key: string,
  now: Date | number = Date.now(),
): CheckoutTokenClaims | CheckoutTokenRefusal {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return 'invalid';
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(payload, key);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return 'invalid';
  }
  const { o, e } = (claims ?? {}) as { o?: unknown; e?: unknown };
  if (typeof o !== 'string' || !o || typeof e !== 'string' || Number.isNaN(Date.parse(e))) return 'invalid';
  return Date.parse(e) <= Number(now) ? 'expired' : { orderWorkflowId: o, expiresAt: e };
}

/** The claims of an authentic, unexpired token; undefined otherwise. */
export function verifyCheckoutToken(
  token: string,
  key: string,
  now: Date | number = Date.now(),
): CheckoutTokenClaims | undefined {
  const read = readCheckoutToken(token, key, now);
  return typeof read === 'string' ? undefined : read;
}

/** The page's URL for an order: `<publicUrl>/pay/<token>`. */
export function checkoutPageUrl(
  publicUrl: string,
  orderWorkflowId: string,
  expiresAt: string,
  key: string,
): string {
  return `${publicUrl.replace(/\/+$/, '')}/pay/${signCheckoutToken(orderWorkflowId, expiresAt, key)}`;
}

/**
 * Where the provider sends the customer's browser back after the payment (3-D Secure, the card form): the
 * page's `/return`, which waits for the outcome Settle learns from the provider, never from the browser.
 */
export function checkoutReturnUrl(
  publicUrl: string,
  orderWorkflowId: string,
  expiresAt: string,
  key: string,
): string {
  return `${checkoutPageUrl(publicUrl, orderWorkflowId, expiresAt, key)}/return`;
}
