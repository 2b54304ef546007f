import { request } from 'undici';
import { parseJsonOrUndefined } from '../../domain/json';
import { credentialsOf, type ShopCredentials } from './accessToken';
import type { SerializedMessage } from './messageBroker';

/**
 * The shop's HTTP traffic to Settle: the message bus's channels under `<settle>/spryker/` (the shop's
 * HTTP_CHANNEL_SENDER_BASE_URL and HTTP_CHANNEL_RECEIVER_BASE_URL) and the payment app's synchronous
 * initialize-payment endpoint.
 */

export interface BusAnswer {
  readonly status: number;
  /** The answer's JSON, or its text when it is not JSON. */
  readonly body: unknown;
}

export interface BusClientOptions {
  readonly settleUrl: string;
  readonly tenant: string;
  /** A static token, or the shop's token provider (a token per call, for the call's audience). */
  readonly token: string | ShopCredentials;
}

export type BusClient = ReturnType<typeof createBusClient>;

export function createBusClient({ settleUrl, tenant, token }: BusClientOptions) {
  const base = `${settleUrl.replace(/\/+$/, '')}/spryker/`;
  const credentials = credentialsOf(token);

  const call = async (
    url: string,
    method: 'GET' | 'POST' | 'DELETE',
    headers: Record<string, string>,
    body?: string,
  ): Promise<BusAnswer> => {
    // undici, not fetch: fetch would add `Content-Type: text/plain` to a string body the shop sends bare.
    const response = await request(url, { method, headers, body });
    const text = await response.body.text();
    return { status: response.statusCode, body: text === '' ? null : (parseJsonOrUndefined(text) ?? text) };
  };

  // The receiver's Guzzle client adds `Content-Type: application/json` to every GET and DELETE.
  const receiverHeaders = () => ({
    'consumer-id': tenant,
    authorization: `Bearer ${credentials.token('bus')}`,
    'content-type': 'application/json',
  });

  return {
    base,
    credentials,
    /** POST `<bus><channel>` with only the message's attribute headers. */
    send: (channel: string, message: SerializedMessage) =>
      call(`${base}${channel}`, 'POST', message.headers, message.body),
    fetchMessages: (channel: string, limit: number) =>
      call(`${base}${channel}?limit=${limit}`, 'GET', receiverHeaders()),
    acknowledge: (channel: string, messageIds: readonly string[]) =>
      call(`${base}${channel}`, 'DELETE', receiverHeaders(), JSON.stringify({ messageIds })),
    /** The checkout's synchronous call; `request` is what initializeRequest built. */
    initializePayment: (request: SerializedMessage) =>
      call(`${base}private/initialize-payment`, 'POST', request.headers, request.body),
    /** Zed's ForeignPayment sends JSON; storefront tenants send the same fields form-encoded as a deepObject. */
    initializeRequest: (payload: Record<string, unknown>, form: boolean): SerializedMessage => ({
      headers: {
        'x-tenant-identifier': tenant,
        authorization: `Bearer ${credentials.token('checkout')}`,
        'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
      },
      body: form ? deepObjectForm(payload) : JSON.stringify(payload),
    }),
  };
}

/** `orderData[items][0][sku]=…`, as PHP's http_build_query writes nested arrays. */
export function deepObjectForm(value: Record<string, unknown>): string {
  const params = new URLSearchParams();
  const add = (prefix: string, field: unknown) => {
    if (field === null || field === undefined) return;
    if (typeof field === 'object') {
      for (const [key, inner] of Object.entries(field)) add(prefix ? `${prefix}[${key}]` : key, inner);
    } else {
      params.append(prefix, typeof field === 'boolean' ? (field ? '1' : '0') : String(field));
    }
  };
  add('', value);
  return params.toString();
}
