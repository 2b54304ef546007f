import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The shop's access tokens, as spryker/oauth-dummy's AccessTokenGenerator makes them for a shop in development
 * (`src/Spryker/Zed/OauthDummy/Business/Generator/AccessTokenGenerator.php`, on lcobucci/jwt 4.3): RS256 with
 * one key pair, header `{"typ":"JWT","alg":"RS256"}` without `kid`, claims `sub: "subject"`, `iat`, `exp` one
 * day later (both in seconds with microseconds, as lcobucci writes dates), `aud` a string, and
 * `azp: "dev_tenant_oauth_client_id_1"`; no `iss`, `nbf`, `jti`, and no tenant claim. spryker/oauth-client asks
 * for a token per audience: `aop-event-platform` on the message bus, `aop-app` on the payment app's calls.
 */

/** The kind of call a token is asked for: the message bus's, or the payment app's (checkout). */
export type CallKind = 'bus' | 'checkout';

/** What the shop puts in `Authorization: Bearer …` for a kind of call. */
export interface ShopCredentials {
  token(kind: CallKind): string;
}

/** A token as `Bearer` wants it: a static development token, or signed tokens. */
export function credentialsOf(token: string | ShopCredentials): ShopCredentials {
  return typeof token === 'string' ? { token: () => token } : token;
}

/** oauth-client's default audiences (b2c-demo-shop `config/Shared/config_default.php`). */
export const DUMMY_AUDIENCES: Readonly<Record<CallKind, string>> = {
  bus: 'aop-event-platform',
  checkout: 'aop-app',
};

export interface SignOptions {
  readonly audience: string;
  /** When the token is issued, in ms since the epoch (default: now). */
  readonly issuedAtMs?: number;
  /** Its lifetime in seconds (default: oauth-dummy's 86400). */
  readonly lifetimeSeconds?: number;
  /** Claims added after oauth-dummy's own (a tenant claim, an issuer). */
  readonly extraClaims?: Readonly<Record<string, unknown>>;
}

export interface DummyTokenProvider extends ShopCredentials {
  /** The public key Settle must trust (SPRYKER_JWT_PUBLIC_KEY), as PEM (SPKI). */
  readonly publicKeyPem: string;
  /** The public key as a JWK (for a JWKS), with the `kid` if one is set. */
  readonly jwk: Readonly<Record<string, unknown>>;
  sign(options: SignOptions): string;
}

export interface DummyTokenProviderOptions {
  /** A PEM private key (RSA); default: a 2048-bit key pair made now. */
  readonly privateKeyPem?: string;
  /** A `kid` in the header, as Auth0 sets; oauth-dummy sets none. */
  readonly kid?: string;
  readonly audiences?: Readonly<Record<CallKind, string>>;
}

/** A 1-day RS256 token per call, signed with the shop's key as oauth-dummy signs. */
export function dummyTokenProvider({
  privateKeyPem,
  kid,
  audiences = DUMMY_AUDIENCES,
}: DummyTokenProviderOptions = {}): DummyTokenProvider {
  const privateKey: KeyObject = privateKeyPem
    ? createPrivateKey(privateKeyPem)
    : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const publicKey = createPublicKey(privateKey);
  const signToken = ({
    audience,
    issuedAtMs = performance.timeOrigin + performance.now(),
    lifetimeSeconds = 86_400,
    extraClaims = {},
  }: SignOptions) => {
    const header = { typ: 'JWT', alg: 'RS256', ...(kid ? { kid } : {}) };
    const iat = secondsWithMicros(issuedAtMs);
    const claims = {
      sub: 'subject',
      iat,
      exp: secondsWithMicros(issuedAtMs + lifetimeSeconds * 1000),
      aud: audience,
      azp: 'dev_tenant_oauth_client_id_1',
      ...extraClaims,
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  };
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk: { ...publicKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', ...(kid ? { kid } : {}) },
    sign: signToken,
    token: (kind) => signToken({ audience: audiences[kind] }),
  };
}

/** A private key PEM from a file (the shop's `config/Zed/dev_only_private.key`). */
export function privateKeyFrom(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * Seconds since the epoch with microseconds, as lcobucci/jwt's MicrosecondBasedDateConversion writes a date:
 * a float, or an integer when the microseconds are 0.
 */
function secondsWithMicros(ms: number): number {
  const micros = Math.round(ms * 1000);
  return micros % 1_000_000 === 0 ? micros / 1_000_000 : Number((micros / 1_000_000).toFixed(6));
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
