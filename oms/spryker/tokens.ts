import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyLike,
} from 'jose';

/**
 * The access tokens a Spryker shop sends (spryker/oauth-client): RS256 JWTs, from Auth0 in production (signed
 * with a key of the tenant's JWKS, named by `kid`) or from spryker/oauth-dummy in development (one key pair,
 * no `kid`, no `iss`, `iat`/`exp` with microseconds, `aud` a string; oauth-dummy
 * `src/Spryker/Zed/OauthDummy/Business/Generator/AccessTokenGenerator.php`). The bus calls carry the audience
 * `aop-event-platform`, the payment app's calls `aop-app` (b2c-demo-shop `config/Shared/config_default.php`).
 */

/** Where the signing keys come from: a JWKS URL (key rotation, cached) or one PEM public key. */
export type KeySource =
  { readonly jwksUrl: string; readonly refreshMs: number } | { readonly publicKey: KeyObject };

export interface TokenRules {
  readonly keys: KeySource;
  /** Checked when set (Auth0: `https://<domain>/`); oauth-dummy's tokens carry none. */
  readonly issuer?: string;
  /** The audience of each kind of call. */
  readonly audiences: { readonly bus: string; readonly checkout: string };
  readonly clockSkewSeconds: number;
  /** A claim that, when a token carries it, must name the tenant the call names. */
  readonly tenantClaim: string;
}

export type CallKind = keyof TokenRules['audiences'];

export type Verdict =
  | { readonly ok: true; readonly claims: JWTPayload }
  /** The token is refused: 401 with this reason (safe to show the caller). */
  | { readonly ok: false; readonly refused: string }
  /** Settle could not get the keys to check it: the caller may send again. */
  | { readonly ok: false; readonly unavailable: string };

/** A compact JWS: three base64url parts, the first a JSON header. Anything else is a static token. */
export function looksLikeJwt(token: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);
}

/** A PEM public key (SPKI or PKCS#1) as an RSA KeyObject; throws saying what is wrong. */
export function rsaPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem.replaceAll('\\n', '\n'));
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`an RSA public key is needed for RS256, not ${key.asymmetricKeyType ?? 'this'}`);
  }
  return key;
}

/** The keys could not be fetched or read: nothing the caller did. */
class KeysUnavailable extends Error {}

export type TokenVerifier = (token: string, kind: CallKind) => Promise<Verdict>;

export function tokenVerifier(rules: TokenRules): TokenVerifier {
  const keyOf = keyLookup(rules.keys);
  return async (token, kind) => {
    const audience = rules.audiences[kind];
    try {
      const { payload } = await verifyWithAnyKey(token, keyOf, {
        algorithms: ['RS256'],
        audience,
        ...(rules.issuer ? { issuer: rules.issuer } : {}),
        clockTolerance: rules.clockSkewSeconds,
        requiredClaims: ['exp'],
      });
      return { ok: true, claims: payload };
    } catch (error) {
      if (error instanceof KeysUnavailable) {
        return { ok: false, unavailable: `the signing keys cannot be fetched now (${error.message})` };
      }
      return { ok: false, refused: refusalOf(error, audience, rules.issuer) };
    }
  };
}

/**
 * The tenant named by the call, checked against the token's tenant claim when the token carries one:
 * undefined when they agree, else why not.
 */
export function tenantMismatch(claims: JWTPayload, claim: string, tenant: string): string | undefined {
  const value = claims[claim];
  if (value === undefined) return undefined;
  return value === tenant ? undefined : `the token's "${claim}" claim names another tenant`;
}

type VerifyOptions = Parameters<typeof jwtVerify>[2];

/**
 * A token without `kid` checked against a JWKS of several RSA keys (a shop that signs like oauth-dummy, a
 * rotation in progress) is tried with each, as jose leaves to its caller.
 */
async function verifyWithAnyKey(token: string, keyOf: JWTVerifyGetKey, options: VerifyOptions) {
  try {
    return await jwtVerify(token, keyOf, options);
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    const candidates = error as unknown as AsyncIterable<KeyLike>;
    let last: unknown = new errors.JWSSignatureVerificationFailed();
    for await (const key of candidates) {
      try {
        return await jwtVerify(token, key, options);
      } catch (failed) {
        if (!(failed instanceof errors.JWSSignatureVerificationFailed)) throw failed;
        last = failed;
      }
    }
    throw last;
  }
}

function keyLookup(keys: KeySource): JWTVerifyGetKey {
  if ('publicKey' in keys) return async () => keys.publicKey;
  // jose fetches the set on first use, keeps it 10 minutes, and fetches it again at once (at most every
  // `refreshMs`) for a `kid` it does not know: a rotated key is picked up without a restart.
  const remote = createRemoteJWKSet(new URL(keys.jwksUrl), { cooldownDuration: keys.refreshMs });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys ||
        error instanceof errors.JOSENotSupported
      ) {
        throw error;
      }
      throw new KeysUnavailable(`${keys.jwksUrl}: ${(error as Error).message}`);
    }
  };
}

/** Why jose refused the token, in the caller's terms. */
function refusalOf(error: unknown, audience: string, issuer: string | undefined): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'aud':
        return `the token is not for the audience "${audience}"`;
      case 'iss':
        return `the token is not issued by "${issuer ?? ''}"`;
      case 'exp':
        return 'the token has no valid "exp" claim';
      default:
        return `the token's "${error.claim}" claim is not valid: ${error.message}`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return 'the token is not signed with RS256';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return 'the token is not signed by a trusted key';
  }
  if (error instanceof errors.JWKSNoMatchingKey) return "no trusted key matches the token's kid";
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) {
    return `the token is not a valid JWT: ${(error as Error).message}`;
  }
  return `the token could not be verified (${(error as Error).name})`;
}
