import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The payment page's token: the order's payment workflow id and the page's expiry, signed with HMAC-SHA256
 * under CHECKOUT_PAGE_KEY, both parts base64url. Unforgeable without the key, it names the order by itself
 * (nothing is stored to look it up) and carries its own end: past it, or altered, it verifies as nothing.
 */

const mac = (payload: string, key: string) => createHmac('sha256', key).update(payload).digest('base64url');

export function signCheckoutToken(orderWorkflowId: string, expiresAt: string, key: string): string {
  const payload = Buffer.from(JSON.stringify({ o: orderWorkflowId, e: expiresAt })).toString('base64url');
  return `${payload}.${mac(payload, key)}`;
}

/** The order and expiry a genuine, unexpired token names; undefined for any other token. */
export function verifyCheckoutToken(
  token: string,
  key: string,
  now: Date = new Date(),
): { orderWorkflowId: string; expiresAt: string } | undefined {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return undefined;
  const expected = Buffer.from(mac(payload, key));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const { o, e } = (claims ?? {}) as { o?: unknown; e?: unknown };
  if (typeof o !== 'string' || typeof e !== 'string') return undefined;
  const expiry = Date.parse(e);
  if (!Number.isFinite(expiry) || expiry <= now.getTime()) return undefined;
  return { orderWorkflowId: o, expiresAt: e };
}

/** The page's address: `<publicUrl>/pay/<token>`. */
export function checkoutPageUrl(
  publicUrl: string,
  orderWorkflowId: string,
  expiresAt: string,
  key: string,
): string {
  return `${publicUrl.replace(/\/+$/, '')}/pay/${signCheckoutToken(orderWorkflowId, expiresAt, key)}`;
}
