import { request } from 'undici';
import { parseJsonOrUndefined } from '../../domain/json';
import { errorText, now, type CallRecord, type Journal } from './journal';

/**
 * The shop's calls to the Payment Orchestrator's client endpoints, as `@deity/falcon-payment-service-module` makes
 * them, on the paths Deity's payment-flow diagrams draw (`/payment-methods`, `/payment-methods/[provider]/[method]`,
 * `/payment`, `/payment/[shopOrderId]`) and `/order-updates`, under the base path (`/api` unless told): JSON
 * bodies, and the profile's token `<serviceUser>:<serviceToken>` as a bearer token (or, told so, the same pair as
 * Basic credentials). This is the simulator's own copy of the contract, not the door's.
 */

export interface DpsgAnswer {
  readonly status: number;
  /** The answer's JSON, or its text when it is not JSON. */
  readonly body: unknown;
}

export interface DpsgClientOptions {
  readonly settleUrl: string;
  readonly serviceUser: string;
  readonly serviceToken: string;
  readonly journal: Journal;
  /** Where the client endpoints are on Settle: `/api` unless told (Settle's DEITY_BASE_PATH). */
  readonly basePath?: string;
  /** bearer: `Authorization: Bearer <serviceUser>:<serviceToken>` (Deity's token); basic: the same pair as Basic. */
  readonly auth?: 'bearer' | 'basic';
}

export type DpsgClient = ReturnType<typeof createDpsgClient>;

export const DEFAULT_BASE_PATH = '/api';

export function createDpsgClient({
  settleUrl,
  serviceUser,
  serviceToken,
  journal,
  basePath = DEFAULT_BASE_PATH,
  auth = 'bearer',
}: DpsgClientOptions) {
  const base = `${settleUrl.replace(/\/+$/, '')}${basePath === '/' ? '' : basePath}`;
  const token = `${serviceUser}:${serviceToken}`;
  const headers = {
    authorization: auth === 'basic' ? `Basic ${Buffer.from(token).toString('base64')}` : `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json',
  };

  /** Resolves with Settle's answer whatever its status; throws when no answer came (recorded either way). */
  const post = async (path: string, body: unknown): Promise<DpsgAnswer> => {
    const record: CallRecord = { path, body, at: now() };
    journal.calls.push(record);
    try {
      const response = await request(`${base}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      const text = await response.body.text();
      const answer = {
        status: response.statusCode,
        body: text === '' ? null : (parseJsonOrUndefined(text) ?? text),
      };
      Object.assign(record, { status: answer.status, answer: answer.body });
      return answer;
    } catch (error) {
      record.error = errorText(error);
      throw error;
    }
  };

  const methodPath = (provider: string, method: string) =>
    `/payment-methods/${encodeURIComponent(provider)}/${encodeURIComponent(method)}`;

  return {
    loadMethodList: (payload: object) => post('/payment-methods', payload),
    loadMethod: (provider: string, method: string, payload: object) =>
      post(methodPath(provider, method), payload),
    /** Place Order. */
    validate: (payload: object) => post('/payment', payload),
    sendOrderUpdate: (update: object) => post('/order-updates', update),
    /** The post-redirect update: what the customer's browser brought back (Settle decides nothing on it). */
    updatePayment: (shopOrderId: string, brought: object) =>
      post(`/payment/${encodeURIComponent(shopOrderId)}`, brought),
  };
}
