import * as oauth from 'oauth4webapi';
import { fetch, type Dispatcher } from 'undici';

/**
 * The OAuth 2.0 client-credentials grant against MIB's token endpoint, through oauth4webapi, which builds
 * the request (HTTP Basic credentials, form-encoded per RFC 6749) and validates the answer.
 *
 * Every failure is a TokenRequestError with a message that names the setting to check; none carries the
 * secret. The caller decides about retrying (MIB's client retries all of them: an operator fixes a wrong
 * secret or URL, not MIB).
 */

export interface TokenRequest {
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Lets the secret go to an http:// token URL (MIB_ALLOW_PLAIN_HTTP); refused otherwise. */
  readonly allowPlainHttp?: boolean;
  readonly dispatcher?: Dispatcher;
}

export interface AccessToken {
  readonly value: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

export class TokenRequestError extends Error {
  override readonly name = 'TokenRequestError';
}

/** When the token endpoint does not say how long a token lives. */
const DEFAULT_LIFETIME_SECONDS = 3600;
const TIMEOUT_MS = 30_000;

export async function requestAccessToken({
  tokenUrl,
  clientId,
  clientSecret,
  allowPlainHttp = false,
  dispatcher,
}: TokenRequest): Promise<AccessToken> {
  const refusal = plainHttpRefusal(tokenUrl, allowPlainHttp);
  if (refusal) throw new TokenRequestError(refusal);
  const as: oauth.AuthorizationServer = { issuer: new URL(tokenUrl).origin, token_endpoint: tokenUrl };
  const client: oauth.Client = { client_id: clientId };
  const options: oauth.ClientCredentialsGrantRequestOptions = {
    // oauth4webapi refuses plain http unless told otherwise; an http URL that gets this far was allowed above.
    [oauth.allowInsecureRequests]: new URL(tokenUrl).protocol === 'http:',
    // undici's fetch, so that a Dispatcher (proxy, connection pool) applies to the token request as well.
    [oauth.customFetch]: (url, init) => fetch(url, { ...init, dispatcher }) as unknown as Promise<Response>,
    signal: () => AbortSignal.timeout(TIMEOUT_MS),
  };

  let response: Response;
  try {
    response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(clientSecret),
      {},
      options,
    );
  } catch (error) {
    throw new TokenRequestError(
      `token endpoint ${tokenUrl} not reachable: ${describe(error)}: check MIB_TOKEN_URL`,
    );
  }
  try {
    const token = await oauth.processClientCredentialsResponse(as, client, response);
    const lifetime = token.expires_in ?? DEFAULT_LIFETIME_SECONDS;
    return { value: token.access_token, expiresAt: Date.now() + lifetime * 1000 };
  } catch (error) {
    throw new TokenRequestError(failureMessage(tokenUrl, response.status, error));
  }
}

/**
 * Why the client secret may not go to this token URL, or undefined: MIB itself is https, so an http URL is a
 * mistake unless the operator allowed it for a local simulator.
 */
export function plainHttpRefusal(tokenUrl: string, allowPlainHttp: boolean): string | undefined {
  if (allowPlainHttp || new URL(tokenUrl).protocol !== 'http:') return undefined;
  return (
    `MIB_TOKEN_URL ${tokenUrl} is plain http, which would send the client secret unencrypted: use https, ` +
    'or set MIB_ALLOW_PLAIN_HTTP=true for a local MIB simulator'
  );
}

function failureMessage(tokenUrl: string, status: number, error: unknown): string {
  // RFC 6749 §5.2: invalid_client may come as 400 or 401.
  if (status === 400 || status === 401) {
    return `token endpoint ${tokenUrl} refused the client credentials (HTTP ${status}): check MOM_CLIENT and SERVICE_BUS_SECRET`;
  }
  if (status !== 200) return `token endpoint ${tokenUrl} answered HTTP ${status}: check MIB_TOKEN_URL`;
  return `token endpoint ${tokenUrl} answered without a usable access token (${describe(error)}): check MIB_TOKEN_URL`;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports "fetch failed" and keeps the reason (ECONNREFUSED, a timeout…) in `cause`.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
