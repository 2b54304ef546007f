import { sameSecret } from '../../domain/secrets';
import type { Refused } from '../../http/throttle';
import type { DeitySettings } from './door';
import type { DeityMethod, DeityProfile } from './settings';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The profile a call is from, by Deity's token `<serviceUser>:<serviceToken>` (a service user has colons of its
 * own, so the token is split at its last colon): `Authorization: Bearer <serviceUser>:<serviceToken>`, or the
 * same pair as `Authorization: Basic base64(<serviceUser>:<serviceToken>)`. Read from the headers alone, before
 * the body. Answers the profile, or why not (safe to show the caller).
 */
export function profileOf(
  headers: Headers,
  settings: DeitySettings | undefined,
): { who: DeityProfile } | Refused {
  const authorization = typeof headers.authorization === 'string' ? headers.authorization : '';
  let pair: string | undefined;
  if (/^basic /i.test(authorization))
    pair = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8');
  else if (/^bearer /i.test(authorization)) pair = authorization.slice('Bearer '.length).trim();
  const at = pair?.lastIndexOf(':') ?? -1;
  if (pair === undefined || at <= 0 || at === pair.length - 1) {
    return {
      refused:
        'authentication required: Authorization: Bearer <serviceUser>:<serviceToken> (or Basic with the same pair)',
    };
  }
  const [user, token] = [pair.slice(0, at), pair.slice(at + 1)];
  const profile = settings?.profiles.get(user);
  if (!profile) return { refused: `unknown profile "${user.slice(0, 80)}"` };
  return sameSecret(token, profile.serviceToken)
    ? { who: profile }
    : { refused: 'wrong service token for this profile', claimed: user };
}

/** The profile's method, by provider and name. */
export function methodOf(profile: DeityProfile, provider: string, method: string): DeityMethod | undefined {
  return profile.methods.find((candidate) => candidate.provider === provider && candidate.method === method);
}
