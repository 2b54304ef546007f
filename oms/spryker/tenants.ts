import { bearerToken } from '../../http/callerAuth';
import { sameSecret } from '../../domain/secrets';
import type { Refused } from '../../http/throttle';
import type { SprykerSettings } from './door';
import { looksLikeJwt, tenantMismatch, type Verdict } from './tokens';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** A tenant identifier a token may name: what fits Settle's ids (no `:`) and Spryker's (UUIDs, store names). */
const TENANT_ID = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Which tenant a call is from: the tenant it names (a header that differs by channel), proven by that
 * tenant's static token (SPRYKER_TENANTS), or by an access token `verdict` found valid for the call's audience
 * whose tenant claim, if it has one, names the same tenant. Answers the tenant, or why not (safe to show the
 * caller); `claimed` is set for a configured tenant, so that its failures are counted apart from others'.
 */
export function tenantOf(
  headers: Headers,
  named: string | undefined,
  settings: SprykerSettings | undefined,
  verdict?: Verdict,
): { who: string } | Refused {
  if (!named) return { refused: 'the call names no tenant' };
  const staticToken = settings?.tenants.get(named);
  const rules = settings?.tokens;
  if (staticToken === undefined && !rules) return { refused: `unknown tenant "${named.slice(0, 80)}"` };
  const claimed = staticToken === undefined ? {} : { claimed: named };
  const token = bearerToken(headers);
  if (token === undefined) {
    return { refused: 'authentication required: Authorization: Bearer <token>', ...claimed };
  }
  if (staticToken !== undefined && sameSecret(token, staticToken)) return { who: named };
  if (!rules || !looksLikeJwt(token)) {
    return {
      refused:
        staticToken === undefined
          ? 'the bearer token is not an access token (JWT)'
          : 'wrong bearer token for this tenant',
      ...claimed,
    };
  }
  // A route whose handler the gate did not wrap (oms/spryker/gate.ts): a bug, not the caller's.
  if (!verdict) throw new Error('the access token was not verified before its tenant was asked');
  if (!verdict.ok)
    return { refused: 'refused' in verdict ? verdict.refused : verdict.unavailable, ...claimed };
  if (!TENANT_ID.test(named)) {
    return { refused: `"${named.slice(0, 80)}" is not a tenant identifier (letters, digits, _ . - only)` };
  }
  const mismatch = tenantMismatch(verdict.claims, rules.tenantClaim, named);
  return mismatch ? { refused: mismatch, ...claimed } : { who: named };
}
