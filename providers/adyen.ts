import { readFileSync } from 'node:fs';
import {
  CheckoutAPI,
  Client,
  EnvironmentEnum,
  HttpClientException,
  HttpURLConnectionClient,
  hmacValidator as HmacValidator,
} from '@adyen/api-library';
import type ClientInterface from '@adyen/api-library/lib/src/httpClient/clientInterface';
import type { NotificationRequestItem } from '@adyen/api-library/lib/src/typings/notification/models';
import { z } from 'zod';
import type { Money } from '../domain/money';
import { isFinal, type Outcome } from '../domain/outcome';
import { parseJsonOrUndefined } from '../domain/json';
import { parseDuration } from '../domain/duration';
import { PROVIDER_REQUEST_TIMEOUT_MS } from '../domain/providerTiming';
import { parsePaymentWorkflowId } from '../domain/workflowId';
import { ADYEN_CURRENCIES } from './adyenCurrencies';
import { amountProblem, toProviderUnits } from './currencies';
import { idempotencyKeyFor } from './idempotency';
import {
  WebhookVerificationError,
  type AuthorizationQuery,
  type AuthorizationRequest,
  type AuthorizationResult,
  type AuthorizationState,
  type PaymentProvider,
  type ProviderCommand,
  type ProviderEvent,
  type ProviderResult,
} from './types';

/**
 * Adapter for Adyen, through `@adyen/api-library`'s Checkout modifications API. A payment's transaction_id is
 * the authorisation's pspReference. Capture, refund and cancel are only ever "received": the outcome comes
 * as a webhook alone (CAPTURE, CAPTURE_FAILED, REFUND, REFUND_FAILED, CANCELLATION), HMAC-signed, matched to
 * the command by the modification's pspReference, to the workflow by the modification's `reference`, which
 * Adyen returns as the webhook's merchantReference. Adyen has no status API for modifications (no
 * fetchStatus) and none to read an authorisation, so validate and revalidate fail with that reason.
 */

/** Adyen's limits: a modification's reference, an Idempotency-Key. */
const MAX_REFERENCE = 80;
const MAX_IDEMPOTENCY_KEY = 64;

export const ADYEN_CANNOT_READ_AUTHORISATIONS =
  'not_supported: Adyen has no API to read an authorisation, so Settle cannot check or renew it';

/**
 * What Adyen's answers mean: the modification call's `status`, and each webhook's eventCode and `success`.
 * CAPTURE_FAILED and REFUND_FAILED come after a successful CAPTURE or REFUND, when the bank later refused it.
 */
export const ADYEN_OUTCOMES = {
  answers: { received: 'pending' } as Readonly<Record<string, Outcome>>,
  events: {
    // A payment the shopper made on the page (Drop-in): authorised, the money held; or refused.
    AUTHORISATION: { true: 'settled', false: 'declined' },
    CAPTURE: { true: 'settled', false: 'declined' },
    CAPTURE_FAILED: { true: 'declined' },
    REFUND: { true: 'settled', false: 'declined' },
    REFUND_FAILED: { true: 'declined' },
    CANCELLATION: { true: 'settled', false: 'declined' },
  } as Readonly<Record<string, Readonly<Record<string, Outcome>>>>,
};

/**
 * What Settle tells the OMS of a refused modification. The notification's own `reason` is not covered by its
 * HMAC signature, so anyone on the way could have written it: Settle says only what the signed eventCode and
 * success say.
 */
const DECLINE_REASONS: Readonly<Record<string, string>> = {
  AUTHORISATION: 'authorisation_refused: Adyen did not authorise the payment (AUTHORISATION, success false)',
  CAPTURE: 'capture_refused: Adyen did not capture the payment (CAPTURE, success false)',
  CAPTURE_FAILED: 'capture_failed: the capture Adyen had accepted failed at the bank (CAPTURE_FAILED)',
  REFUND: 'refund_refused: Adyen did not refund the payment (REFUND, success false)',
  REFUND_FAILED: 'refund_failed: the refund Adyen had accepted failed at the bank (REFUND_FAILED)',
  CANCELLATION: 'cancellation_refused: Adyen did not cancel the payment (CANCELLATION, success false)',
};

/**
 * Adyen's HTTP answers that are not a modification: a request it refused before acting (validation, such as
 * an unknown pspReference or an amount over what is left) fails the command; what retrying can mend throws.
 * Adyen replays an Idempotency-Key's first answer and reports no mismatch, so no answer here is "rejected".
 */
function errorKind(
  status: number | undefined,
  errorCode: string | undefined,
): 'declined' | 'retry' | 'credentials' {
  if (status === 401 || status === 403) return 'credentials';
  if (status === 422 && errorCode === '704') return 'retry'; // the same Idempotency-Key is still in progress
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429)
    return 'declined';
  return 'retry';
}

export interface AdyenProviderOptions {
  readonly apiKey: string;
  readonly merchantAccount: string;
  /** The webhook's HMAC key from the Customer Area, in hex. */
  readonly hmacKey: string;
  readonly environment: 'test' | 'live';
  readonly liveUrlPrefix?: string;
  /** Another base for the Checkout API (a proxy, the tests' stand-in); https only, as the library speaks. */
  readonly checkoutUrl?: string;
  /** Extra certificate authorities (PEM) to trust for that base. */
  readonly caFile?: string;
  readonly timeoutMs?: number;
  /** The client key (test_… or live_…) Adyen's Drop-in uses on the payment page; without it no page opens. */
  readonly clientKey?: string;
}

const itemSchema = z.looseObject({
  eventCode: z.string(),
  success: z.string(),
  pspReference: z.string(),
  originalReference: z.string().optional(),
  merchantReference: z.string(),
  merchantAccountCode: z.string(),
  amount: z.looseObject({ value: z.number(), currency: z.string() }),
  reason: z.string().optional(),
  additionalData: z.record(z.string(), z.string().optional()).optional(),
});
const notificationSchema = z.looseObject({
  notificationItems: z.array(z.looseObject({ NotificationRequestItem: itemSchema })).min(1),
});

export class AdyenProvider implements PaymentProvider {
  readonly name = 'adyen';
  /**
   * Adyen keeps an Idempotency-Key at least 31 days after its first use (docs.adyen.com, "API idempotency").
   * It has no API to find a modification whose answer was lost, so Settle never sends one again past that.
   */
  readonly idempotencyKeyRetentionMs = parseDuration('31d');
  private readonly checkout: CheckoutAPI;
  private readonly hmac = new HmacValidator();

  constructor(private readonly options: AdyenProviderOptions) {
    const client = new Client({
      apiKey: options.apiKey,
      environment: options.environment === 'live' ? EnvironmentEnum.LIVE : EnvironmentEnum.TEST,
      liveEndpointUrlPrefix: options.liveUrlPrefix,
      // Never above the local attempt's bound (domain/providerTiming).
      connectionTimeoutMillis: Math.min(options.timeoutMs ?? Infinity, PROVIDER_REQUEST_TIMEOUT_MS),
      applicationName: 'Settle',
    });
    if (options.checkoutUrl || options.caFile) {
      client.httpClient = new RebasedHttpClient(
        options.checkoutUrl,
        options.caFile ? readFileSync(options.caFile) : undefined,
      );
    }
    this.checkout = new CheckoutAPI(client);
  }

  amountProblem(money: Money): string | undefined {
    return amountProblem(ADYEN_CURRENCIES, money);
  }

  async execute(command: ProviderCommand): Promise<ProviderResult> {
    if (command.command === 'revalidate') {
      return { outcome: 'declined', status: 'not_supported', reason: ADYEN_CANNOT_READ_AUTHORISATIONS };
    }
    // The last guard: an amount Adyen would read otherwise than Settle means is never sent.
    const money = { minor: command.amountMinor, currency: command.currency };
    const unpayable = command.command === 'cancel' ? undefined : this.amountProblem(money);
    if (unpayable) {
      return { outcome: 'declined', status: 'rejected', reason: `amount_not_payable: ${unpayable}` };
    }
    // The webhook names the workflow only through this reference; one that does not fit would be lost.
    if (command.workflowId.length > MAX_REFERENCE) {
      const reference = parsePaymentWorkflowId(command.workflowId)?.reference ?? '';
      const room = MAX_REFERENCE - (command.workflowId.length - reference.length);
      return {
        outcome: 'declined',
        status: 'rejected',
        reason: `reference_too_long: Adyen carries at most ${MAX_REFERENCE} characters of reference; use a payment reference of at most ${room} characters`,
      };
    }
    const merchantAccount = this.options.merchantAccount;
    const amount =
      command.command === 'cancel'
        ? undefined
        : { value: toProviderUnits(ADYEN_CURRENCIES, money), currency: command.currency };
    const reference = command.workflowId;
    const request = { idempotencyKey: idempotencyKeyFor(command.idempotencyKey, MAX_IDEMPOTENCY_KEY) };
    const api = this.checkout.ModificationsApi;
    const psp = command.transactionId;
    try {
      const answer =
        command.command === 'capture'
          ? await api.captureAuthorisedPayment(psp, { merchantAccount, amount: amount!, reference }, request)
          : command.command === 'refund'
            ? await api.refundCapturedPayment(psp, { merchantAccount, amount: amount!, reference }, request)
            : await api.cancelAuthorisedPaymentByPspReference(psp, { merchantAccount, reference }, request);
      const outcome = ADYEN_OUTCOMES.answers[answer.status];
      if (!outcome) throw new Error(`Adyen answered status "${answer.status}", which Settle does not know`);
      return { outcome, operationId: answer.pspReference, status: answer.status };
    } catch (error) {
      return declinedOrThrow(error, command.command);
    }
  }

  /**
   * Only for the payment page: a Checkout session (`POST /sessions`) Drop-in takes the payment in, for manual
   * capture; its reference is the workflow id, which the AUTHORISATION notification returns as its
   * merchantReference. Adyen authorises only with the shopper's card data, so there is no direct mode.
   */
  async authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    if (request.mode !== 'page')
      return {
        outcome: 'declined',
        status: 'not_supported',
        reason: "not_supported: Adyen authorises only with the shopper's card data, on the payment page",
      };
    const clientKey = this.options.clientKey;
    if (!clientKey) {
      const reason = 'client_key_missing: a payment page needs ADYEN_CLIENT_KEY for Drop-in';
      return { outcome: 'declined', status: 'rejected', reason };
    }
    const money = { minor: request.amountMinor, currency: request.currency };
    const unpayable = this.amountProblem(money);
    if (unpayable)
      return { outcome: 'declined', status: 'rejected', reason: `amount_not_payable: ${unpayable}` };
    if (request.workflowId.length > MAX_REFERENCE || !request.returnUrl) {
      const reason = !request.returnUrl
        ? 'return_url_missing: Adyen needs the page to send the shopper back to'
        : `reference_too_long: Adyen carries at most ${MAX_REFERENCE} characters of reference`;
      return { outcome: 'declined', status: 'rejected', reason };
    }
    try {
      const session = await this.checkout.PaymentsApi.sessions(
        {
          merchantAccount: this.options.merchantAccount,
          amount: { value: toProviderUnits(ADYEN_CURRENCIES, money), currency: request.currency },
          reference: request.workflowId,
          merchantOrderReference: request.orderReference,
          returnUrl: request.returnUrl,
          ...(request.expiresAt ? { expiresAt: new Date(request.expiresAt) } : {}),
          // Held for Settle's capture command, never captured by Adyen on its own.
          additionalData: { manualCapture: 'true' },
        },
        { idempotencyKey: idempotencyKeyFor(request.idempotencyKey, MAX_IDEMPOTENCY_KEY) },
      );
      if (!session.sessionData) throw new Error('Adyen answered a session without sessionData');
      return {
        outcome: 'pending',
        transactionId: session.id,
        status: 'session_open',
        session: {
          kind: 'adyen',
          sessionId: session.id,
          sessionData: session.sessionData,
          clientKey,
          environment: this.options.environment,
        },
      };
    } catch (error) {
      const { status, reason } = declinedOrThrow(error, 'a checkout session');
      return { outcome: 'declined', status, reason };
    }
  }

  /** Adyen offers no way to read an authorisation: validate and revalidate fail, saying so. */
  async inspectAuthorization(query: AuthorizationQuery): Promise<AuthorizationState> {
    return {
      transactionId: query.transactionId,
      status: 'unknown',
      validity: 'invalid',
      reason: ADYEN_CANNOT_READ_AUTHORISATIONS,
    };
  }

  async parseWebhook(rawBody: Buffer): Promise<ProviderEvent | undefined> {
    const parsed = notificationSchema.safeParse(parseJsonOrUndefined(rawBody.toString('utf8')));
    if (!parsed.success)
      throw new WebhookVerificationError('not an Adyen notification (JSON, notificationItems)');
    const items = parsed.data.notificationItems.map((entry) => entry.NotificationRequestItem);
    for (const item of items) {
      let valid: boolean;
      try {
        valid = this.hmac.validateHMAC(item as unknown as NotificationRequestItem, this.options.hmacKey);
      } catch (error) {
        throw new WebhookVerificationError((error as Error).message); // no hmacSignature at all
      }
      if (!valid) throw new WebhookVerificationError('the HMAC signature does not match (ADYEN_HMAC_KEY)');
    }
    // Adyen sends one item per request; a batch could only be acknowledged whole, so it is refused visibly
    // rather than partly dropped.
    if (items.length > 1) {
      throw new WebhookVerificationError(
        `${items.length} items in one notification; Settle takes one at a time`,
      );
    }
    const item = items[0]!;
    // Signed by the same key, yet about another merchant account's payment (a company-level webhook, a key
    // shared between accounts): it must not move a payment of this one.
    if (item.merchantAccountCode !== this.options.merchantAccount) {
      throw new WebhookVerificationError(
        `the notification is for merchant account "${item.merchantAccountCode}", not "${this.options.merchantAccount}" (ADYEN_MERCHANT_ACCOUNT)`,
      );
    }
    // Authentic from here on: whatever it says is acknowledged, so that Adyen stops redelivering it.
    const outcome = ADYEN_OUTCOMES.events[item.eventCode]?.[item.success];
    const workflowId = item.merchantReference;
    const command: string | undefined = parsePaymentWorkflowId(workflowId)?.command;
    if (!outcome || !isFinal(outcome) || !command) return undefined;
    // An authorisation answers only an authorize command (the page's session carried its id).
    if ((item.eventCode === 'AUTHORISATION') !== (command === 'authorize')) return undefined;
    return {
      workflowId,
      // Adyen identifies a notification by these three: a redelivery repeats them.
      eventId: `${item.eventCode}:${item.pspReference}:${item.success}`,
      operationId: item.pspReference,
      outcome,
      status: `${item.eventCode}:${item.success}`,
      ...(outcome === 'declined' ? { reason: DECLINE_REASONS[item.eventCode] ?? item.eventCode } : {}),
    };
  }
}

/** The library's own HTTP client, sent to another base and trusting extra authorities. */
class RebasedHttpClient implements ClientInterface {
  private readonly inner = new HttpURLConnectionClient();

  constructor(
    private readonly base: string | undefined,
    private readonly ca: Buffer | undefined,
  ) {}

  request(
    ...[endpoint, json, config, isApiKeyRequired, options = {}]: Parameters<ClientInterface['request']>
  ) {
    let target = endpoint;
    if (this.base) {
      const url = new URL(endpoint);
      target = `${this.base}${url.pathname}${url.search}`;
    }
    return this.inner.request(
      target,
      json,
      config,
      isApiKeyRequired,
      this.ca ? { ...options, ca: this.ca } : options,
    );
  }
}

/** An Adyen failure as the command's outcome, or thrown for Temporal to retry. */
function declinedOrThrow(error: unknown, what: string): ProviderResult {
  const status = (error as { statusCode?: number }).statusCode;
  const exception = error instanceof HttpClientException ? error : undefined;
  const errorCode = exception?.errorCode ?? exception?.apiError?.errorCode;
  const message = exception?.apiError?.message ?? (error as { message?: string }).message ?? String(error);
  switch (errorKind(status, errorCode)) {
    case 'declined':
      return {
        outcome: 'declined',
        status: 'rejected',
        reason: `${errorCode ? `${errorCode}: ` : ''}${message}`,
      };
    case 'credentials':
      // A configuration fault, not the payment's: retried (visibly) until it is fixed.
      throw new Error(
        `Adyen refused Settle's credentials for ${what} (HTTP ${status}): check ADYEN_API_KEY and ADYEN_MERCHANT_ACCOUNT`,
      );
    case 'retry':
      throw new Error(`Adyen ${what} failed${status ? ` (HTTP ${status})` : ''}: ${message}`);
  }
}
