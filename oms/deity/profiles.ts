import { sameSecret } from '../../domain/secrets';
import type { Refused } from '../../http/throttle';
import type { DeitySettings } from './door';
import type { DeityMethod, DeityProfile } from './settings';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The profile a call is from: `Authorization: Basic base64(serviceUser:serviceToken)`, or `Authorization:
 * Bearer <serviceToken>` with `X-Service-User`. Answers the profile, or why not (safe to show the caller).
 */
export function profileOf(
  headers: Headers,
  settings: DeitySettings | undefined,
): { who: DeityProfile } | Refused {
  const authorization = typeof headers.authorization === 'string' ? headers.authorization : '';
  let user: string | undefined;
  let token: string | undefined;
  if (authorization.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8');
    const at = decoded.lastIndexOf(':');
    [user, token] = at > 0 ? [decoded.slice(0, at), decoded.slice(at + 1)] : [undefined, undefined];
  } else if (authorization.startsWith('Bearer ')) {
    const named = headers['x-service-user'];
    [user, token] = [typeof named === 'string' ? named : undefined, authorization.slice('Bearer '.length)];
  }
  if (user === undefined || token === undefined) {
    return {
      refused: 'authentication required: Basic serviceUser:serviceToken, or Bearer with X-Service-User',
    };
  }
  const profile = settings?.profiles.get(user);
  if (!profile) return { refused: `unknown profile "${user.slice(0, 80)}"` };
  return sameSecret(token, profile.serviceToken)
    ? { who: profile }
    : { refused: 'wrong service token for this profile', claimed: user };
}

/** Whether a method takes an order in `currency` from `country` (a condition left out takes all). */
export function fits(
  method: DeityMethod,
  { currency, country }: { currency: string; country?: string },
): boolean {
  return (
    (!method.currencies || method.currencies.includes(currency)) &&
    (!method.countries || country === undefined || method.countries.includes(country))
  );
}

/** The profile's method, by provider and name. */
export function methodOf(profile: DeityProfile, provider: string, method: string): DeityMethod | undefined {
  return profile.methods.find((candidate) => candidate.provider === provider && candidate.method === method);
}
