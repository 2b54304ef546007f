import { sameSecret } from '../../domain/secrets';
import type { Refused } from '../../http/throttle';
import type { SprykerSettings } from './door';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Which tenant a call is from: the tenant it names (a header that differs by channel) must be configured and
 * the call must carry that tenant's bearer token. Answers the tenant, or why not (safe to show the caller).
 */
export function tenantOf(
  headers: Headers,
  named: string | undefined,
  settings: SprykerSettings | undefined,
): { who: string } | Refused {
  if (!named) return { refused: 'the call names no tenant' };
  const token = settings?.tenants.get(named);
  if (token === undefined) return { refused: `unknown tenant "${named.slice(0, 80)}"` };
  const authorization = headers.authorization;
  if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) {
    return { refused: 'authentication required: Authorization: Bearer <token>', claimed: named };
  }
  return sameSecret(authorization.slice('Bearer '.length), token)
    ? { who: named }
    : { refused: 'wrong bearer token for this tenant', claimed: named };
}
