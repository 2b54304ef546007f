import { request } from 'undici';
import { parseJsonOrUndefined } from '../../domain/json';
import { errorText, now, type CallRecord, type Journal } from './journal';

/**
 * The shop's calls to the Payment Orchestrator's four client endpoints (`<settle>/dpsg/v1/client`), as
 * `@deity/falcon-payment-service-module` makes them: JSON bodies, the profile's Basic credentials.
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
}

export type DpsgClient = ReturnType<typeof createDpsgClient>;

export function createDpsgClient({ settleUrl, serviceUser, serviceToken, journal }: DpsgClientOptions) {
  const base = `${settleUrl.replace(/\/+$/, '')}/dpsg/v1/client`;
  const headers = {
    authorization: `Basic ${Buffer.from(`${serviceUser}:${serviceToken}`).toString('base64')}`,
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
    `/methods/${encodeURIComponent(provider)}/${encodeURIComponent(method)}`;

  return {
    loadMethodList: (payload: object) => post('/methods', payload),
    loadMethod: (provider: string, method: string, payload: object) =>
      post(methodPath(provider, method), payload),
    validate: (payload: object) => post('/validate', payload),
    sendOrderUpdate: (update: object) => post('/order-updates', update),
    /** The post-redirect update: what the customer's browser brought back (Settle decides nothing on it). */
    updatePayment: (shopOrderId: string, brought: object) =>
      post(`/payment/${encodeURIComponent(shopOrderId)}`, brought),
  };
}
