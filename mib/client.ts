import { request, type Dispatcher } from 'undici';

/**
 * The client Settle uses to talk to the Magento Integration Bus: JSON-RPC 2.0 over HTTP POST, every request
 * authorized with an OAuth 2.0 client-credentials token that is cached until shortly before it expires.
 *
 * Errors tell the caller whether trying again can help: MibUnavailableError (network, 5xx, 429, and refused
 * credentials, which an operator can fix without losing the notification) is worth retrying;
 * MibRejectedError (any other 4xx, or a JSON-RPC error answer: MIB refuses this notification) is not.
 */

export interface MibClientOptions {
  /** e.g. https://integrationbus.mcom.magento.com — the client id is appended. */
  readonly baseUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
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

interface CachedToken {
  readonly value: string;
  readonly expiresAt: number;
}

export class MibClient {
  private token?: CachedToken;
  private pendingToken?: Promise<CachedToken>;

  constructor(private readonly options: MibClientOptions) {}

  /** `<base>/<client_id>/delegate/<endpoint name>`: where notifications go. */
  get delegateUrl(): string {
    return `${this.clientBaseUrl}delegate/${encodeURIComponent(this.options.endpointName)}`;
  }

  /** `<base>/<client_id>/`: where registration goes. */
  get clientBaseUrl(): string {
    return `${this.options.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.options.clientId)}/`;
  }

  /** Sends a JSON-RPC request to the delegate URL; resolves once MIB accepted it. */
  async notify(body: { id: string; method: string; params: unknown }): Promise<void> {
    await this.call(this.delegateUrl, { jsonrpc: '2.0', ...body });
  }

  private async call(url: string, body: object): Promise<unknown> {
    let response = await this.post(url, body, await this.accessToken());
    if (response.status === 401) {
      // The token may have been revoked or expired early: one fresh token, one more try.
      this.token = undefined;
      response = await this.post(url, body, await this.accessToken());
    }
    return checkJsonRpcAnswer(response, url);
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

  private async fetchToken(): Promise<CachedToken> {
    const { clientId, clientSecret, tokenUrl } = this.options;
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString(
      'base64',
    );
    const answer = await send(tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
      dispatcher: this.options.dispatcher,
    });
    if (answer.status === 400 || answer.status === 401) {
      throw new MibUnavailableError(
        `token endpoint ${tokenUrl} refused the client credentials (HTTP ${answer.status}): check MOM_CLIENT and SERVICE_BUS_SECRET`,
      );
    }
    if (answer.status !== 200) throw errorFor(answer, `token request to ${tokenUrl}`);
    const json = parseJson(answer.text) as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof json?.access_token !== 'string') {
      throw new MibUnavailableError(`token endpoint ${tokenUrl} answered without an access_token`);
    }
    const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : 3600;
    return { value: json.access_token, expiresAt: Date.now() + expiresIn * 1000 };
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

function errorFor(answer: HttpAnswer, what: string): Error {
  const message = `${what} answered HTTP ${answer.status}: ${answer.text.slice(0, 200)}`;
  // 401 here comes after one fresh token: credentials MIB no longer honours, fixable by an operator.
  const transient = answer.status >= 500 || [401, 408, 429].includes(answer.status);
  return transient ? new MibUnavailableError(message) : new MibRejectedError(message, answer.status);
}

function checkJsonRpcAnswer(answer: HttpAnswer, url: string): unknown {
  if (answer.status < 200 || answer.status >= 300) throw errorFor(answer, `MIB at ${url}`);
  const json = parseJson(answer.text) as
    { error?: { code?: number; message?: string }; result?: unknown } | undefined;
  if (json?.error) {
    const message = `MIB at ${url} answered JSON-RPC error ${json.error.code}: ${json.error.message}`;
    // -32603 and the implementation-defined server errors (-32000..-32099) may pass; the rest will not.
    const code = json.error.code ?? 0;
    const transient = code === -32603 || (code <= -32000 && code >= -32099);
    throw transient ? new MibUnavailableError(message) : new MibRejectedError(message, answer.status);
  }
  return json?.result;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
