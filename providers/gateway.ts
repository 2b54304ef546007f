import { Agent, request } from 'undici';
import { z } from 'zod';
import type { ProviderAction } from '../domain/commands';
import type { Money } from '../domain/money';
import { isFinal, type Outcome } from '../domain/outcome';
import { parseJsonOrUndefined } from '../domain/json';
import { parseDuration } from '../domain/duration';
import { PROVIDER_REQUEST_TIMEOUT_MS } from '../domain/providerTiming';
import { SignatureError, verifySignature } from '../domain/signature';
import { amountProblem, isoCurrencies } from './currencies';
import {
  ProviderRejectedError,
  WebhookVerificationError,
  type AuthorizationQuery,
  type AuthorizationRecord,
  type AuthorizationRequest,
  type AuthorizationResult,
  type AuthorizationState,
  type PaymentProvider,
  type ProviderCommand,
  type ProviderEvent,
  type ProviderResult,
  type StatusQuery,
} from './types';

/**
 * Adapter for the gateway simulator (sim/gateway), whose HTTP contract docs/providers.md documents: one
 * endpoint per operation on an authorization, an Idempotency-Key on every POST, answers `succeeded`,
 * `pending` (outcome by signed webhook later) or `declined`. An authorization at checkout is answered at once,
 * `authorized` or `declined`.
 */

export const GATEWAY_SIGNATURE_HEADER = 'gateway-signature';
const GATEWAY_CURRENCIES = isoCurrencies('the gateway');

export interface GatewayProviderOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly webhookSecret: string;
  /** Below PROVIDER_REQUEST_TIMEOUT_MS, for tests of a slow gateway. */
  readonly requestTimeoutMs?: number;
}

/** The gateway's `object` for the operation of each provider action. */
const OPERATION_OBJECTS: Readonly<Record<ProviderAction, string>> = {
  revalidate: 'reauthorization',
  capture: 'capture',
  refund: 'refund',
  cancel: 'cancellation',
};

/** Gateway path segment per provider action. */
const OPERATION_PATHS: Readonly<Record<ProviderAction, string>> = {
  revalidate: 'reauthorizations',
  capture: 'captures',
  refund: 'refunds',
  cancel: 'cancellations',
};

/**
 * The gateway's answers and what each means for the command: its status words, and no answer at all. A
 * connection cut or timed out after the request went out leaves unknown whether the gateway acted; a
 * connection never made (refused, unknown host) is only an outage and is retried.
 */
const OUTCOMES: Readonly<Record<string, Outcome>> = {
  succeeded: 'settled',
  pending: 'pending',
  declined: 'declined',
  failed: 'declined',
  no_answer: 'unknown',
};
/** The gateway's words for a new authorization at checkout. */
const AUTHORIZATION_OUTCOMES: Readonly<Record<string, AuthorizationResult['outcome']>> = {
  authorized: 'settled',
  declined: 'declined',
};
const ANSWER_LOST = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ECONNRESET',
]);
/** The whole request given up on (PROVIDER_REQUEST_TIMEOUT_MS) after it went out: also a lost answer. */
const gaveUp = (error: unknown) => (error as { name?: string }).name === 'TimeoutError';

const authorizationSchema = z.object({
  id: z.string(),
  status: z.string(),
  expires_at: z.string().optional(),
  amount: z.number().optional(),
  captured: z.number().optional(),
  currency: z.string().nullable().optional(),
  decline_reason: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

const operationSchema = z.object({
  id: z.string(),
  status: z.string(),
  decline_reason: z.string().optional(),
  object: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  /** On a reauthorization: the authorization that replaces the expired one. */
  new_authorization: authorizationSchema.optional(),
});
const operationListSchema = z.object({ data: z.array(operationSchema) });
const authorizationListSchema = z.object({
  data: z.array(authorizationSchema.extend({ metadata: z.record(z.string(), z.string()).optional() })),
});

const checkoutSessionSchema = z.object({
  id: z.string(),
  status: z.enum(['open', 'complete', 'expired']),
  form_url: z.string(),
  outcome: z.enum(['authorized', 'declined']).optional(),
  authorization: z.string().optional(),
  decline_reason: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});
const checkoutSessionListSchema = z.object({ data: z.array(checkoutSessionSchema) });

/** The gateway's word for a page session the customer has not completed yet. */
export const AWAITING_CUSTOMER = 'awaiting_customer';

const webhookSchema = z.object({
  id: z.string(),
  type: z.string(),
  data: z.object({ operation: operationSchema }),
});

interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

export class GatewayProvider implements PaymentProvider {
  readonly name = 'gateway';
  /** The gateway's contract: an Idempotency-Key is remembered 24 hours, as at Stripe (docs/providers.md). */
  readonly idempotencyKeyRetentionMs = parseDuration('24h');
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

  /** The whole request's timeout, never above the local attempt's bound (domain/providerTiming). */
  readonly timeoutMs: number;

  constructor(private readonly options: GatewayProviderOptions) {
    this.timeoutMs = Math.min(options.requestTimeoutMs ?? Infinity, PROVIDER_REQUEST_TIMEOUT_MS);
  }

  /** The simulator takes every ISO 4217 currency in ISO's own minor units: nothing to convert. */
  amountProblem(money: Money): string | undefined {
    return amountProblem(GATEWAY_CURRENCIES, money);
  }

  async execute(command: ProviderCommand): Promise<ProviderResult> {
    const path = `${authorizationPath(command.transactionId)}/${OPERATION_PATHS[command.command]}`;
    let answer: HttpAnswer;
    try {
      answer = await this.send('POST', path, command.command, {
        idempotencyKey: command.idempotencyKey,
        body: {
          amount: command.amountMinor,
          currency: command.currency,
          metadata: { workflow_id: command.workflowId },
        },
      });
    } catch (error) {
      const code = gaveUp(error) ? 'timeout' : (error as { code?: string }).code;
      if (!code || !(ANSWER_LOST.has(code) || code === 'timeout')) throw error;
      return {
        outcome: OUTCOMES.no_answer!,
        status: 'no_answer',
        reason: `the gateway's answer was lost (${code})`,
      };
    }
    const { status, text } = answer;
    const parsed = operationSchema.safeParse(parseJsonOrUndefined(text));
    const refusal = refused(status, text, command.command, parsed.success);
    if (refusal) return refusal;
    if (!parsed.success) throw new Error(`gateway answered an unreadable body (HTTP ${status})`);
    const result = toResult(parsed.data);
    if (!result)
      throw new Error(`gateway answered status "${parsed.data.status}", which Settle does not know`);
    return result;
  }

  /**
   * A new authorization; a lost answer throws, and the retry (same key) is answered from the first. In page
   * mode a checkout session instead: the customer pays on the gateway's hosted form, and the outcome comes by
   * webhook.
   */
  async authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    if (request.mode === 'page') return this.openSession(request);
    const { status, text } = await this.send('POST', '/v1/authorizations', 'an authorization', {
      idempotencyKey: request.idempotencyKey,
      body: {
        amount: request.amountMinor,
        currency: request.currency,
        metadata: { workflow_id: request.workflowId, order_reference: request.orderReference },
      },
    });
    const parsed = authorizationSchema.safeParse(parseJsonOrUndefined(text));
    const refusal = refused(status, text, 'authorization', parsed.success);
    if (refusal) return refusal;
    if (!parsed.success) throw new Error(`gateway answered an unreadable authorization (HTTP ${status})`);
    const { id, status: word, expires_at, decline_reason } = parsed.data;
    const outcome = AUTHORIZATION_OUTCOMES[word];
    if (!outcome) throw new Error(`gateway answered status "${word}", which Settle does not know`);
    return outcome === 'settled'
      ? { outcome, transactionId: id, status: word, expiresAt: expires_at }
      : { outcome, status: word, reason: decline_reason };
  }

  private async openSession(request: AuthorizationRequest): Promise<AuthorizationResult> {
    const { status, text } = await this.send('POST', '/v1/checkout_sessions', 'a checkout session', {
      idempotencyKey: request.idempotencyKey,
      body: {
        amount: request.amountMinor,
        currency: request.currency,
        ...(request.returnUrl ? { return_url: request.returnUrl } : {}),
        ...(request.expiresAt ? { expires_at: request.expiresAt } : {}),
        metadata: { workflow_id: request.workflowId, order_reference: request.orderReference },
      },
    });
    const parsed = checkoutSessionSchema.safeParse(parseJsonOrUndefined(text));
    const refusal = refused(status, text, 'checkout session', parsed.success);
    if (refusal) return refusal;
    if (!parsed.success) throw new Error(`gateway answered an unreadable checkout session (HTTP ${status})`);
    return sessionResult(parsed.data);
  }

  async inspectAuthorization(query: AuthorizationQuery): Promise<AuthorizationState> {
    const { status, text } = await this.send('GET', authorizationPath(query.transactionId), 'inspect');
    if (status === 404) {
      return {
        transactionId: query.transactionId,
        status: 'not_found',
        validity: 'invalid',
        reason: 'no_such_authorization',
      };
    }
    const parsed = authorizationSchema.safeParse(parseJsonOrUndefined(text));
    if (status >= 400 || !parsed.success)
      throw new Error(`gateway answered HTTP ${status} with an unreadable authorization`);
    return judgeAuthorization(parsed.data, query);
  }

  async authorizationRecord(transactionId: string): Promise<AuthorizationRecord | undefined> {
    const { status, text } = await this.send(
      'GET',
      authorizationPath(transactionId),
      'a read of the authorization',
    );
    if (status === 404) return undefined;
    const parsed = authorizationSchema.safeParse(parseJsonOrUndefined(text));
    if (status >= 400 || !parsed.success)
      throw new Error(`gateway answered HTTP ${status} with an unreadable authorization`);
    const { metadata, amount } = parsed.data;
    return {
      ...(metadata?.workflow_id ? { createdBy: metadata.workflow_id } : {}),
      ...(amount !== undefined ? { amountMinor: amount } : {}),
    };
  }

  /**
   * By the operation's id when an answer named it, else among the authorization's operations by the workflow id
   * Settle put in their metadata: found also after the gateway forgot the idempotency key.
   */
  async fetchStatus(query: StatusQuery): Promise<ProviderResult | undefined> {
    const operation = query.operationId
      ? await this.operation(query.operationId)
      : await this.operationOf(query);
    if (!operation) return undefined;
    const result = toResult(operation);
    if (!result) throw new Error(`gateway answered status "${operation.status}", which Settle does not know`);
    return result;
  }

  private async operation(id: string): Promise<z.infer<typeof operationSchema> | undefined> {
    const { status, text } = await this.send(
      'GET',
      `/v1/operations/${encodeURIComponent(id)}`,
      'a status request',
    );
    if (status === 404) return undefined;
    const parsed = operationSchema.safeParse(parseJsonOrUndefined(text));
    if (status >= 400 || !parsed.success)
      throw new Error(`gateway answered HTTP ${status} with an unreadable operation`);
    return parsed.data;
  }

  /** The command's operation among its authorization's, by the kind and the workflow id in its metadata. */
  private async operationOf(query: StatusQuery): Promise<z.infer<typeof operationSchema> | undefined> {
    const path = `${authorizationPath(query.transactionId)}/operations`;
    const { status, text } = await this.send('GET', path, 'a status request');
    if (status === 404) return undefined;
    const parsed = operationListSchema.safeParse(parseJsonOrUndefined(text));
    if (status >= 400 || !parsed.success)
      throw new Error(`gateway answered HTTP ${status} with an unreadable list of operations`);
    return parsed.data.data.find(
      (operation) =>
        operation.object === OPERATION_OBJECTS[query.command] &&
        operation.metadata?.workflow_id === query.workflowId,
    );
  }

  /**
   * The authorization an earlier `authorize` made, by the workflow id in its metadata; in page mode the
   * checkout session's state: still awaiting the customer (pending), or what the customer's payment became.
   */
  async findAuthorization(request: AuthorizationRequest): Promise<AuthorizationResult | undefined> {
    if (request.mode === 'page') return this.findSession(request);
    const path = `/v1/authorizations?workflow_id=${encodeURIComponent(request.workflowId)}`;
    const { status, text } = await this.send('GET', path, 'a search for an authorization');
    const parsed = authorizationListSchema.safeParse(parseJsonOrUndefined(text));
    if (status >= 400 || !parsed.success)
      throw new Error(`gateway answered HTTP ${status} with an unreadable list of authorizations`);
    const found = parsed.data.data.find(
      (authorization) => authorization.metadata?.workflow_id === request.workflowId,
    );
    if (!found) return undefined;
    // Only authorizations that held the money are kept; one shown expired or cancelled no longer holds it.
    return found.status === 'authorized'
      ? { outcome: 'settled', transactionId: found.id, status: found.status, expiresAt: found.expires_at }
      : { outcome: 'declined', status: found.status, reason: `authorization_${found.status}` };
  }

  /** Expires the page's session while the customer has not paid; a completed one is answered as it is. */
  async closeSession(request: AuthorizationRequest): Promise<AuthorizationResult | undefined> {
    const found = await this.session(request);
    if (!found || found.status !== 'open') return found && sessionResult(found);
    const { status, text } = await this.send(
      'POST',
      `/v1/checkout_sessions/${encodeURIComponent(found.id)}/expire`,
      'the end of a checkout session',
      { idempotencyKey: `${request.idempotencyKey}:expire`, body: {} },
    );
    const parsed = checkoutSessionSchema.safeParse(parseJsonOrUndefined(text));
    if (status >= 400 || !parsed.success)
      throw new Error(`gateway answered HTTP ${status} with an unreadable checkout session`);
    return sessionResult(parsed.data);
  }

  private async findSession(request: AuthorizationRequest): Promise<AuthorizationResult | undefined> {
    const found = await this.session(request);
    return found && sessionResult(found);
  }

  private async session(
    request: AuthorizationRequest,
  ): Promise<z.infer<typeof checkoutSessionSchema> | undefined> {
    const path = `/v1/checkout_sessions?workflow_id=${encodeURIComponent(request.workflowId)}`;
    const { status, text } = await this.send('GET', path, 'a search for a checkout session');
    const parsed = checkoutSessionListSchema.safeParse(parseJsonOrUndefined(text));
    if (status >= 400 || !parsed.success)
      throw new Error(`gateway answered HTTP ${status} with an unreadable list of checkout sessions`);
    return parsed.data.data.find((session) => session.metadata?.workflow_id === request.workflowId);
  }

  webhookHint(rawBody: Buffer): string | undefined {
    return webhookSchema.safeParse(parseJsonOrUndefined(rawBody.toString('utf8'))).data?.data.operation
      .metadata?.workflow_id;
  }

  /** One request; what retrying can mend (outage, overload, refused credentials) throws. */
  private async send(
    method: 'GET' | 'POST',
    path: string,
    what: string,
    options: { idempotencyKey?: string; body?: object } = {},
  ): Promise<HttpAnswer> {
    const response = await request(`${this.options.baseUrl}${path}`, {
      method,
      dispatcher: this.agent,
      headersTimeout: 20_000,
      bodyTimeout: 20_000,
      signal: AbortSignal.timeout(this.timeoutMs),
      headers: {
        authorization: `Bearer ${this.options.apiKey}`,
        ...(options.body ? { 'content-type': 'application/json' } : {}),
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
      },
      body: options.body ? JSON.stringify(options.body) : undefined,
    });
    const text = await response.body.text();
    const status = response.statusCode;
    if (status >= 500 || status === 429 || status === 408) {
      throw new Error(`gateway answered HTTP ${status} for ${what}: ${text.slice(0, 200)}`);
    }
    if (status === 401 || status === 403) {
      // A configuration fault, not the payment's: keep retrying (visibly) until the key is fixed.
      throw new Error(`gateway refused Settle's credentials (HTTP ${status}): check GATEWAY_API_KEY`);
    }
    return { status, text };
  }

  async parseWebhook(
    rawBody: Buffer,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): Promise<ProviderEvent | undefined> {
    const header = headers[GATEWAY_SIGNATURE_HEADER];
    try {
      verifySignature(typeof header === 'string' ? header : undefined, rawBody, this.options.webhookSecret);
    } catch (error) {
      if (error instanceof SignatureError) throw new WebhookVerificationError(error.message);
      throw error;
    }
    // Authentic from here on: whatever it says is acknowledged, so that the gateway stops redelivering it.
    const event = webhookSchema.safeParse(parseJsonOrUndefined(rawBody.toString('utf8')));
    if (!event.success) return undefined;
    const { operation } = event.data.data;
    const result = toResult(operation);
    const workflowId = operation.metadata?.workflow_id;
    if (!result || !isFinal(result.outcome) || !workflowId) return undefined;
    return {
      workflowId,
      eventId: event.data.id,
      operationId: operation.id,
      outcome: result.outcome,
      status: result.status,
      reason: result.reason,
    };
  }
}

/**
 * A checkout session as an authorization's outcome: open (or expired unpaid) is the customer not having paid,
 * with the form to pay on; complete is authorized, with the authorization's id, or declined.
 */
function sessionResult(session: z.infer<typeof checkoutSessionSchema>): AuthorizationResult {
  if (session.status === 'complete' && session.outcome === 'authorized' && session.authorization)
    return { outcome: 'settled', transactionId: session.authorization, status: 'authorized' };
  if (session.status === 'complete')
    return { outcome: 'declined', status: 'declined', reason: session.decline_reason ?? 'declined' };
  return {
    outcome: 'pending',
    transactionId: session.id,
    status: session.status === 'expired' ? 'expired' : AWAITING_CUSTOMER,
    redirectUrl: session.form_url,
    session: { kind: 'gateway', formUrl: session.form_url },
  };
}

const authorizationPath = (transactionId: string) =>
  `/v1/authorizations/${encodeURIComponent(transactionId)}`;

/** The operation's outcome, or undefined for a status word Settle does not know. */
function toResult(operation: z.infer<typeof operationSchema>): ProviderResult | undefined {
  const outcome = OUTCOMES[operation.status];
  if (!outcome) return undefined;
  const authorization = operation.new_authorization;
  return {
    outcome,
    operationId: operation.id,
    status: operation.status,
    reason: operation.decline_reason,
    ...(authorization
      ? {
          authorization: {
            transactionId: authorization.id,
            status: authorization.status,
            expiresAt: authorization.expires_at,
          },
        }
      : {}),
  };
}

/** Whether the gateway's authorization can back what the payment needs. */
function judgeAuthorization(
  authorization: z.infer<typeof authorizationSchema>,
  query: AuthorizationQuery,
): AuthorizationState {
  const reference = {
    transactionId: authorization.id,
    status: authorization.status,
    expiresAt: authorization.expires_at,
  };
  const invalid = (reason: string): AuthorizationState => ({ ...reference, validity: 'invalid', reason });
  if (authorization.status === 'expired')
    return { ...reference, validity: 'expired', reason: 'authorization_expired' };
  if (authorization.status !== 'authorized') return invalid(`authorization_${authorization.status}`);
  if (authorization.currency && authorization.currency !== query.currency)
    return invalid('currency_mismatch');
  const available = (authorization.amount ?? Infinity) - (authorization.captured ?? 0);
  if (query.amountMinor > available) return invalid('amount_exceeds_authorization');
  return { ...reference, validity: 'valid' };
}

/**
 * The command's outcome when the gateway refused it before acting (unknown authorization, invalid request):
 * nothing moved. A 402 with a readable body is a decline, which the body tells. A 409 throws: the key was used
 * before with other parameters, and an earlier attempt may have moved money — except a 409
 * `idempotency_key_in_use`: the first request with the key is still being answered, and a retry gets its answer.
 */
function refused(
  status: number,
  text: string,
  what: string,
  readable: boolean,
): { outcome: 'declined'; status: string; reason: string } | undefined {
  if (status === 409 && errorCode(text) === 'idempotency_key_in_use')
    throw new Error(`gateway: a request for ${what} with the same Idempotency-Key is still in progress`);
  if (status === 409)
    throw new ProviderRejectedError(`gateway refused ${what} with HTTP 409: ${errorMessage(text)}`);
  if (status < 400 || (status === 402 && readable)) return undefined;
  const reason = `gateway refused the request (HTTP ${status}): ${errorMessage(text)}`;
  return { outcome: 'declined', status: 'rejected', reason };
}

/** The gateway's error code, where its body has one. */
function errorCode(text: string): string | undefined {
  const body = parseJsonOrUndefined(text) as { error?: { code?: unknown } } | undefined;
  return typeof body?.error?.code === 'string' ? body.error.code : undefined;
}

/** The gateway's own error message, where its body has one. */
function errorMessage(text: string): string {
  const body = parseJsonOrUndefined(text) as { error?: { message?: unknown } } | undefined;
  return typeof body?.error?.message === 'string' ? body.error.message : text.slice(0, 200);
}
