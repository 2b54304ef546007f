import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures in the form `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, the scheme
 * the gateway simulator signs with (the same shape Stripe uses). The timestamp bounds replays.
 */
export function signPayload(secret: string, body: string | Buffer, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

export class SignatureError extends Error {
  override readonly name = 'SignatureError';
}

/** Throws SignatureError unless the header carries a valid, fresh signature of the body. */
export function verifySignature(
  header: string | undefined,
  body: Buffer,
  secret: string,
  { toleranceSeconds = 300, nowSeconds = Math.floor(Date.now() / 1000) } = {},
): void {
  if (!header) throw new SignatureError('missing signature header');
  const fields = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const timestamp = Number(fields.get('t'));
  const given = fields.get('v1');
  if (!Number.isInteger(timestamp) || !given) throw new SignatureError('malformed signature header');
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    throw new SignatureError('signature timestamp outside the tolerance');
  }
  const expected = signPayload(secret, body, timestamp).split('v1=')[1]!;
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(given, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new SignatureError('signature mismatch');
}
