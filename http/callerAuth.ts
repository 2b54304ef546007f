import { sameSecret } from '../domain/secrets';
import { SignatureError, verifySignature } from '../domain/signature';

/**
 * Who may send payment commands: whoever holds the shared intake secret, shown either as a bearer token
 * (`Authorization: Bearer <secret>`) or as an HMAC of the raw body (`X-Settle-Signature: t=…,v1=…`, the
 * scheme of domain/signature.ts), which also proves the body was not altered and bounds replays in time.
 */

export const INTAKE_SIGNATURE_HEADER = 'x-settle-signature';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** Undefined when the caller proved it holds the secret; otherwise why not (safe to show the caller). */
export function intakeAuthFailure(headers: Headers, rawBody: Buffer, secret: string): string | undefined {
  const signature = headers[INTAKE_SIGNATURE_HEADER];
  if (typeof signature === 'string') {
    try {
      verifySignature(signature, rawBody, secret);
      return undefined;
    } catch (error) {
      if (error instanceof SignatureError) return `${INTAKE_SIGNATURE_HEADER}: ${error.message}`;
      throw error;
    }
  }
  if (bearerToken(headers) === undefined)
    return `authentication required: a bearer token or an ${INTAKE_SIGNATURE_HEADER} header`;
  return bearerAuthFailure(headers, secret);
}

/**
 * Undefined when `Authorization: Bearer <secret>` carries the secret; otherwise why not (safe to show the
 * caller). Shared by MIB's intake and the operator API, each with its own secret.
 */
export function bearerAuthFailure(headers: Headers, secret: string): string | undefined {
  const token = bearerToken(headers);
  if (token === undefined) return 'authentication required: Authorization: Bearer <token>';
  return sameSecret(token, secret) ? undefined : 'wrong bearer token';
}

/** The token of `Authorization: Bearer <token>`, if the call carries one. */
export function bearerToken(headers: Headers): string | undefined {
  const authorization = headers.authorization;
  return typeof authorization === 'string' && authorization.startsWith('Bearer ')
    ? authorization.slice('Bearer '.length)
    : undefined;
}
