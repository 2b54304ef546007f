import type { ValuesOf } from '../../config/setting';
import { request, type Dispatcher } from 'undici';
import { parseJsonOrUndefined } from '../../domain/json';
import { REGISTER_METHOD, type EndpointRegistration } from './registration';
import { ConfigError } from '../../config/errors';
import type { mibSettings } from './settings';
import { plainHttpRefusal, requestAccessToken, TokenRequestError, type AccessToken } from './accessToken';

/**
 * The client Settle uses to talk to the Magento Integration Bus: JSON-RPC 2.0 over HTTP POST, every request
 * authorized with an OAuth 2.0 client-credentials token that is cached until shortly before it expires.
 *
 * Two kinds of request: notifications to the delegate URL, and the endpoint's registration.
 *
 * Errors tell the caller whether trying again can help: MibUnavailableError (network, 5xx, 429, refused
 * credentials or a wrong URL — which an operator can fix without losing the request — and any answer
 * that is not a JSON-RPC result for the request) is worth retrying; MibRejectedError (another 4xx, or a
 * JSON-RPC error: MIB refuses this request) is not.
 */

export interface MibClientOptions {
  /** e.g. https://integrationbus.mcom.magento.com — the client id is appended. */
  readonly baseUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Lets the client secret go to an http:// token URL (MIB_ALLOW_PLAIN_HTTP). */
  readonly allowPlainHttp?: boolean;
  readonly endpointName: string;
  readonly dispatcher?: Dispatcher;
  /** Refresh this long before the token's expiry. */
  readonly refreshMarginMs?: number;
}

export class MibUnavailableError extends Error {
  override readonly name = 'MibUnavailableError';
}

export class MibRejectedError extends Error {
  override readonly name = 'MibRejectedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface JsonRpcCall {
  readonly jsonrpc: '2.0';
  readonly id: string;
  readonly method: string;
  readonly params: unknown;
}

export class MibClient {
  private token?: AccessToken;
  private pendingToken?: Promise<AccessToken>;

  /** Throws at once for an http token URL that MIB_ALLOW_PLAIN_HTTP does not allow. */
  constructor(private readonly options: MibClientOptions) {
    const refusal = plainHttpRefusal(options.tokenUrl, options.allowPlainHttp ?? false);
    if (refusal) throw new ConfigError(`invalid configuration:\n  ${refusal}`);
  }

  /** `<base>/<client_id>/`: where registrations go. */
  get registrationUrl(): string {
    const { baseUrl, clientId } = this.options;
    return `${baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(clientId)}/`;
  }

  /** `<base>/<client_id>/delegate/<endpoint name>`: where notifications go. */
  get delegateUrl(): string {
    return `${this.registrationUrl}delegate/${encodeURIComponent(this.options.endpointName)}`;
  }

  /** Sends a JSON-RPC request to the delegate URL; resolves once MIB accepted it. */
  async notify(body: Omit<JsonRpcCall, 'jsonrpc'>): Promise<void> {
    await this.call(this.delegateUrl, { jsonrpc: '2.0', ...body });
  }

  /** `magento.service_bus.remote.register` to the registration URL; resolves once MIB accepted it. */
  async register(params: EndpointRegistration, requestId: string): Promise<void> {
    await this.call(this.registrationUrl, { jsonrpc: '2.0', id: requestId, method: REGISTER_METHOD, params });
  }

  private async call(url: string, body: JsonRpcCall): Promise<unknown> {
    const token = await this.accessToken();
    let response = await this.post(url, body, token);
    if (response.status === 401) {
      // The token may have been revoked or expired early: one fresh token, one more try. Only the token that
      // was refused is dropped, so a concurrent call's fresh token is kept.
      if (this.token?.value === token) this.token = undefined;
      response = await this.post(url, body, await this.accessToken());
    }
    return checkJsonRpcAnswer(response, url, body.id);
  }

  private async post(url: string, body: object, token: string): Promise<HttpAnswer> {
    return send(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      dispatcher: this.options.dispatcher,
    });
  }

  private async accessToken(): Promise<string> {
    const margin = this.options.refreshMarginMs ?? 30_000;
    if (this.token && this.token.expiresAt - margin > Date.now()) return this.token.value;
    // Concurrent notifications share one token request.
    this.pendingToken ??= this.fetchToken().finally(() => (this.pendingToken = undefined));
    this.token = await this.pendingToken;
    return this.token.value;
  }

  private async fetchToken(): Promise<AccessToken> {
    try {
      return await requestAccessToken(this.options);
    } catch (error) {
      // Every token failure is worth retrying: a wrong secret or URL is fixed by an operator, not by MIB.
      if (error instanceof TokenRequestError) throw new MibUnavailableError(error.message);
      throw error;
    }
  }
}

interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

async function send(url: string, options: Parameters<typeof request>[1]): Promise<HttpAnswer> {
  try {
    const response = await request(url, { headersTimeout: 30_000, bodyTimeout: 30_000, ...options });
    return { status: response.statusCode, text: await response.body.text() };
  } catch (error) {
    throw new MibUnavailableError(`MIB not reachable at ${url}: ${(error as Error).message}`);
  }
}

/**
 * Failures an operator or time can mend, so the notification must wait, not be dropped: server errors,
 * throttling, and 401/403/404 — credentials MIB no longer honours (after one fresh token) or a delegate URL
 * that names the wrong client or endpoint.
 */
const TRANSIENT_4XX = [401, 403, 404, 408, 429];

function errorFor(answer: HttpAnswer, what: string): Error {
  const message = `${what} answered HTTP ${answer.status}: ${answer.text.slice(0, 200)}`;
  const transient = answer.status >= 500 || TRANSIENT_4XX.includes(answer.status);
  return transient ? new MibUnavailableError(message) : new MibRejectedError(message, answer.status);
}

/** Accepted means a JSON-RPC answer to this very request; anything else (a proxy's page, an empty 200) is not. */
function checkJsonRpcAnswer(answer: HttpAnswer, url: string, id: string): unknown {
  const json = parseJsonOrUndefined(answer.text) as
    { id?: unknown; error?: { code?: number; message?: string }; result?: unknown } | undefined;
  // A JSON-RPC error says more than the HTTP status it came with (the MIB simulator sends -32601 with a 404).
  if (typeof json?.error?.code === 'number') {
    const code = json.error.code;
    const message = `MIB at ${url} answered JSON-RPC error ${code}: ${json.error.message}`;
    // -32603 and the implementation-defined server errors (-32000..-32099) may pass; the rest will not.
    const transient = code === -32603 || (code <= -32000 && code >= -32099);
    throw transient ? new MibUnavailableError(message) : new MibRejectedError(message, answer.status);
  }
  if (answer.status < 200 || answer.status >= 300) throw errorFor(answer, `MIB at ${url}`);
  if (!json || !('result' in json) || json.id !== id) {
    throw new MibUnavailableError(
      `MIB at ${url} answered HTTP ${answer.status} without a JSON-RPC result for id ${id}: ${answer.text.slice(0, 200)}`,
    );
  }
  return json.result;
}

/** The MIB door's settings as loaded. */
export type MibConfig = ValuesOf<typeof mibSettings.settings>;

/** The MIB client of a configuration: MIB's URLs, the OAuth client and the endpoint name agreed with Magento. */
export function createMibClient(config: MibConfig): MibClient {
  return new MibClient({
    baseUrl: config.MIB_BASE_URL,
    tokenUrl: config.MIB_TOKEN_URL,
    clientId: config.MOM_CLIENT,
    clientSecret: config.SERVICE_BUS_SECRET,
    allowPlainHttp: config.MIB_ALLOW_PLAIN_HTTP,
    endpointName: config.SERVICE_BUS_ENDPOINT_NAME,
  });
}
