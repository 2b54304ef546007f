import { parseJsonOrUndefined } from '../domain/json';
import Stripe from 'stripe';
import type { ProviderAction } from '../domain/commands';
import type { Money } from '../domain/money';
import { isFinal, type AuthorizationReference, type Outcome } from '../domain/outcome';
import { amountProblem, fromProviderUnits, toProviderUnits, UnpayableAmountError } from './currencies';
import { parseDuration } from '../domain/duration';
import { PROVIDER_REQUEST_TIMEOUT_MS } from '../domain/providerTiming';
import { idempotencyKeyFor } from './idempotency';
import { STRIPE_CURRENCIES } from './stripeCurrencies';
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
 * Adapter for Stripe, through the official `stripe` package. A payment's transaction_id is a manual-capture
 * PaymentIntent (`pi_…`). capture and cancel answer at once; a refund may stay `pending` and settles by
 * webhook (`refund.updated`, `refund.failed`, `charge.refund.updated`) or by polling it (fetchStatus). Every
 * POST carries an Idempotency-Key derived from the workflow id, and every object Settle changes carries
 * `metadata.workflow_id`, which leads a webhook (or a status search) back to the workflow. An authorization
 * at checkout is a new manual-capture PaymentIntent, confirmed with the request's payment method.
 */

export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';
/** Stripe's own default tolerance for a webhook's timestamp. */
const WEBHOOK_TOLERANCE_S = 300;
const MAX_IDEMPOTENCY_KEY = 255;
/** PaymentIntents Stripe cancelled because their authorization ran out: revalidate may replace them. */
const EXPIRY_CANCELLATIONS: ReadonlySet<string> = new Set(['automatic', 'expired']);

/**
 * Stripe's status words per command and what each means: the PaymentIntent's status after a capture, cancel,
 * reauthorization (revalidate) or authorization at checkout (authorize), the Refund's after a refund. A word
 * missing here is not an answer to the command (e.g. `requires_capture` after a capture): execute and
 * authorize treat it as a fault, fetchStatus as "not done".
 */
export const STRIPE_OUTCOMES: Readonly<
  Record<ProviderAction | 'authorize', Readonly<Record<string, Outcome>>>
> = {
  authorize: {
    requires_capture: 'settled',
    requires_action: 'pending', // the customer authenticates (3-D Secure) at the next action's URL
    requires_payment_method: 'declined',
    canceled: 'declined',
  },
  revalidate: {
    requires_capture: 'settled',
    requires_action: 'declined', // the bank wants the customer present (3-D Secure): not possible off-session
    requires_payment_method: 'declined',
    canceled: 'declined',
  },
  capture: {
    succeeded: 'settled',
    processing: 'pending',
    requires_payment_method: 'declined', // an asynchronous capture that failed
    canceled: 'declined',
  },
  refund: {
    succeeded: 'settled',
    pending: 'pending',
    requires_action: 'pending',
    failed: 'declined',
    canceled: 'declined',
  },
  cancel: { canceled: 'settled' },
};

/**
 * Stripe's error classes and what each means for a command. A business refusal is the outcome `declined`;
 * what retrying can mend throws (Temporal retries with the same idempotency key); an idempotency key reused
 * with other parameters leaves the money in doubt and stops for a person. A timeout after the request went
 * out is `unknown`: Stripe may have acted, so Settle asks it (fetchStatus) rather than guess.
 */
const STRIPE_ERRORS: Readonly<Record<string, 'declined' | 'retry' | 'rejected' | 'credentials'>> = {
  StripeCardError: 'declined',
  StripeInvalidRequestError: 'declined', // invalid state, amount too large, unknown PaymentIntent
  StripeIdempotencyError: 'rejected',
  StripeRateLimitError: 'retry',
  // 5xx, and every 409: the SDK makes a StripeAPIError of `idempotency_key_in_use` (a request with the same
  // key still in flight: its answer will be replayed) and of a lock timeout.
  StripeAPIError: 'retry',
  StripeConnectionError: 'retry',
  StripeAuthenticationError: 'credentials',
  StripePermissionError: 'credentials',
};

export interface StripeProviderOptions {
  readonly apiKey: string;
  readonly webhookSecret: string;
  /** Another API base, such as stripe-mock: `http://127.0.0.1:12111`. */
  readonly apiBase?: string;
  readonly timeoutMs?: number;
  /** The payment method an authorization at checkout is confirmed with when its request names none. */
  readonly checkoutPaymentMethod?: string;
  /** The publishable key (pk_…) Stripe.js on the payment page uses; without it no page session opens. */
  readonly publishableKey?: string;
}

/** Stripe's error code for a request whose idempotency key another request in flight holds (HTTP 409). */
const KEY_IN_USE = 'idempotency_key_in_use';

export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe';
  /**
   * Stripe may prune an idempotency key once it is 24 hours old, and then takes the same key as a new request
   * (docs.stripe.com/api/idempotent_requests).
   */
  readonly idempotencyKeyRetentionMs = parseDuration('24h');
  private readonly stripe: Stripe;

  constructor(private readonly options: StripeProviderOptions) {
    const base = options.apiBase ? new URL(options.apiBase) : undefined;
    this.stripe = new Stripe(options.apiKey, {
      // Temporal retries, visibly and with backoff; the SDK's own retries would hide attempts.
      maxNetworkRetries: 0,
      // Never above the local attempt's bound (domain/providerTiming).
      timeout: Math.min(options.timeoutMs ?? Infinity, PROVIDER_REQUEST_TIMEOUT_MS),
      telemetry: false,
      appInfo: { name: 'Settle' },
      ...(base
        ? {
            host: base.hostname,
            port: base.port || (base.protocol === 'https:' ? 443 : 80),
            protocol: base.protocol === 'http:' ? 'http' : 'https',
          }
        : {}),
    });
  }

  amountProblem(money: Money): string | undefined {
    return amountProblem(STRIPE_CURRENCIES, money);
  }

  async execute(command: ProviderCommand): Promise<ProviderResult> {
    // The last guard: an amount Stripe would read otherwise than Settle means is never sent.
    const refusal = this.amountProblem({ minor: command.amountMinor, currency: command.currency });
    if (refusal && command.command !== 'cancel') return unpayable(refusal);
    const request = { idempotencyKey: idempotencyKeyFor(command.idempotencyKey, MAX_IDEMPOTENCY_KEY) };
    const metadata = { workflow_id: command.workflowId };
    try {
      switch (command.command) {
        case 'capture': {
          const intent = await this.stripe.paymentIntents.capture(
            command.transactionId,
            { amount_to_capture: stripeAmount(command), metadata },
            request,
          );
          return known(intentResult('capture', intent), intent.status);
        }
        case 'cancel': {
          const intent = await this.stripe.paymentIntents.cancel(command.transactionId, {}, request);
          return known(intentResult('cancel', intent), intent.status);
        }
        case 'refund': {
          const refund = await this.stripe.refunds.create(
            { payment_intent: command.transactionId, amount: stripeAmount(command), metadata },
            request,
          );
          return known(refundResult(refund), refund.status ?? 'none');
        }
        case 'revalidate':
          return await this.reauthorize(command, request.idempotencyKey);
      }
    } catch (error) {
      return declinedOrThrow(error, command.command, { lostAnswerIsUnknown: true });
    }
  }

  /**
   * A new off-session manual-capture PaymentIntent for the same customer and card, replacing the expired one.
   * Only a card saved to a customer can be charged again without the customer.
   */
  private async reauthorize(command: ProviderCommand, idempotencyKey: string): Promise<ProviderResult> {
    const expired = await this.stripe.paymentIntents.retrieve(command.transactionId);
    const customer = idOf(expired.customer);
    const paymentMethod = idOf(expired.payment_method);
    if (!customer || !paymentMethod) {
      return {
        outcome: 'declined',
        status: 'rejected',
        reason: 'card_not_reusable: the PaymentIntent has no customer with a saved payment method',
      };
    }
    // The new hold is never larger than the one it replaces.
    if (command.amountMinor > expired.amount) {
      return {
        outcome: 'declined',
        status: 'rejected',
        reason: `amount_exceeds_authorization: a revalidation holds at most the expired PaymentIntent's ${expired.amount} minor units`,
      };
    }
    const intent = await this.stripe.paymentIntents.create(
      {
        amount: command.amountMinor > 0 ? stripeAmount(command) : expired.amount,
        currency: command.currency.toLowerCase(),
        customer,
        payment_method: paymentMethod,
        capture_method: 'manual',
        confirm: true,
        off_session: true,
        metadata: { workflow_id: command.workflowId, replaces: expired.id },
        expand: ['latest_charge'],
      },
      { idempotencyKey },
    );
    return known(intentResult('revalidate', intent), intent.status);
  }

  /**
   * A manual-capture PaymentIntent, created and confirmed at once with the payment method. With a return URL,
   * a card that needs 3-D Secure answers a redirect; without one, redirects are not allowed, and a card that
   * wants the customer anyway is declined, since nobody could take the customer through.
   */
  async authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    if (request.mode === 'page') return this.openPage(request);
    const paymentMethod = request.paymentMethod ?? this.options.checkoutPaymentMethod;
    if (!paymentMethod) {
      const reason =
        'payment_method_missing: the request names none and STRIPE_CHECKOUT_PAYMENT_METHOD is unset';
      return { outcome: 'declined', status: 'rejected', reason };
    }
    const created = await this.createIntent(request, {
      payment_method: paymentMethod,
      confirm: true,
      ...(request.returnUrl
        ? { return_url: request.returnUrl }
        : { automatic_payment_methods: { enabled: true, allow_redirects: 'never' } }),
      expand: ['latest_charge'],
    });
    return 'outcome' in created ? created : checkoutResult(created);
  }

  /**
   * Page mode: a manual-capture PaymentIntent for the order, not confirmed: Stripe.js confirms it on the
   * customer's page with its client secret, and Stripe's webhook (amount_capturable_updated) tells the outcome.
   */
  private async openPage(request: AuthorizationRequest): Promise<AuthorizationResult> {
    const publishableKey = this.options.publishableKey;
    if (!publishableKey) {
      const reason = 'publishable_key_missing: a payment page needs STRIPE_PUBLISHABLE_KEY for Stripe.js';
      return { outcome: 'declined', status: 'rejected', reason };
    }
    const created = await this.createIntent(request, {
      automatic_payment_methods: { enabled: true },
      metadata: { checkout: 'page' },
    });
    return 'outcome' in created ? created : pageResult(created, publishableKey);
  }

  /**
   * A manual-capture PaymentIntent for the request's order, with `fields` on top; a refusal (an amount Stripe
   * cannot take, a declined card) as the declined authorization. A lost answer throws: the retry, with the same
   * key, is answered from Stripe's record.
   */
  private async createIntent(
    request: AuthorizationRequest,
    fields: Omit<Stripe.PaymentIntentCreateParams, 'amount' | 'currency'>,
  ): Promise<Stripe.PaymentIntent | AuthorizationResult> {
    const refusal = this.amountProblem({ minor: request.amountMinor, currency: request.currency });
    if (refusal) return unpayable(refusal);
    try {
      return await this.stripe.paymentIntents.create(
        {
          ...fields,
          amount: stripeAmount(request),
          currency: request.currency.toLowerCase(),
          capture_method: 'manual',
          description: `Order ${request.orderReference}`,
          metadata: {
            workflow_id: request.workflowId,
            order_reference: request.orderReference,
            ...fields.metadata,
          },
        },
        { idempotencyKey: idempotencyKeyFor(request.idempotencyKey, MAX_IDEMPOTENCY_KEY) },
      );
    } catch (error) {
      const { status, reason } = declinedOrThrow(error, 'authorize', { lostAnswerIsUnknown: false });
      return { outcome: 'declined', status, reason };
    }
  }

  async authorizationRecord(transactionId: string): Promise<AuthorizationRecord | undefined> {
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.stripe.paymentIntents.retrieve(transactionId);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw retryable(error, 'a read of the PaymentIntent');
    }
    const createdBy = intent.metadata?.workflow_id;
    const currency = intent.currency.toUpperCase();
    // Stripe's units back to ISO minor units; a currency Settle cannot read leaves the amount unknown.
    const amountMinor =
      amountProblem(STRIPE_CURRENCIES, { minor: 0, currency }) === undefined
        ? fromProviderUnits(STRIPE_CURRENCIES, intent.amount, currency)
        : undefined;
    return { ...(createdBy ? { createdBy } : {}), ...(amountMinor !== undefined ? { amountMinor } : {}) };
  }

  /** What became of the PaymentIntent an earlier authorization with this request created (intentOf). */
  async findAuthorization(request: AuthorizationRequest): Promise<AuthorizationResult | undefined> {
    const found = await this.intentOf(request);
    if (!found) return undefined;
    return request.mode === 'page'
      ? pageResult(found, this.options.publishableKey ?? '')
      : checkoutResult(found);
  }

  /** Cancels the page's PaymentIntent while the customer has not paid; an authorized one stays as it is. */
  async closeSession(request: AuthorizationRequest): Promise<AuthorizationResult | undefined> {
    let intent = await this.intentOf(request);
    if (!intent) return undefined;
    if (AWAITING_CUSTOMER.has(intent.status)) {
      try {
        intent = await this.stripe.paymentIntents.cancel(
          intent.id,
          { cancellation_reason: 'abandoned' },
          { idempotencyKey: idempotencyKeyFor(`${request.idempotencyKey}:cancel`, MAX_IDEMPOTENCY_KEY) },
        );
      } catch (error) {
        throw retryable(error, "a cancellation of the page's PaymentIntent");
      }
    }
    return pageResult(intent, this.options.publishableKey ?? '');
  }

  /**
   * The PaymentIntent an earlier authorization with this request created, found by its metadata with Stripe's
   * search (which lags about a minute behind, far less than Settle waits before it asks).
   */
  private async intentOf(request: AuthorizationRequest): Promise<Stripe.PaymentIntent | undefined> {
    try {
      const workflowId = request.workflowId.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
      const intents = await this.stripe.paymentIntents.search({
        query: `metadata['workflow_id']:'${workflowId}'`,
        expand: ['data.latest_charge'],
      });
      return intents.data.find((intent) => intent.metadata.workflow_id === request.workflowId);
    } catch (error) {
      throw retryable(error, 'a search for an authorization');
    }
  }

  async inspectAuthorization(query: AuthorizationQuery): Promise<AuthorizationState> {
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.stripe.paymentIntents.retrieve(query.transactionId, { expand: ['latest_charge'] });
    } catch (error) {
      if (isMissing(error)) {
        return {
          transactionId: query.transactionId,
          status: 'not_found',
          validity: 'invalid',
          reason: 'no_such_payment_intent',
        };
      }
      throw retryable(error, 'inspect');
    }
    return judgeAuthorization(intent, query);
  }

  /**
   * What became of a command: by the operation id when its answer named one, else by the metadata Settle put on
   * the objects it creates (refunds of the PaymentIntent; PaymentIntents of the customer). Undefined: Stripe
   * has no trace of it, so it never acted.
   */
  async fetchStatus(query: StatusQuery): Promise<ProviderResult | undefined> {
    try {
      switch (query.command) {
        case 'refund': {
          const refund = query.operationId
            ? await this.stripe.refunds.retrieve(query.operationId)
            : (await this.stripe.refunds.list({ payment_intent: query.transactionId, limit: 100 })).data.find(
                (candidate) => candidate.metadata?.workflow_id === query.workflowId,
              );
          return refund ? refundResult(refund) : undefined;
        }
        case 'capture': {
          const intent = await this.stripe.paymentIntents.retrieve(query.transactionId);
          // Captured by this command only if the capture wrote this workflow's id.
          if (intent.metadata.workflow_id !== query.workflowId && intent.status !== 'canceled')
            return undefined;
          return intentResult('capture', intent);
        }
        case 'cancel':
          return intentResult('cancel', await this.stripe.paymentIntents.retrieve(query.transactionId));
        case 'revalidate': {
          const intent = query.operationId
            ? await this.stripe.paymentIntents.retrieve(query.operationId, { expand: ['latest_charge'] })
            : await this.findReplacement(query);
          return intent ? intentResult('revalidate', intent) : undefined;
        }
      }
    } catch (error) {
      throw retryable(error, `status of ${query.command}`);
    }
  }

  private async findReplacement(query: StatusQuery): Promise<Stripe.PaymentIntent | undefined> {
    const customer = idOf((await this.stripe.paymentIntents.retrieve(query.transactionId)).customer);
    if (!customer) return undefined;
    const intents = await this.stripe.paymentIntents.list({
      customer,
      limit: 100,
      expand: ['data.latest_charge'],
    });
    return intents.data.find((intent) => intent.metadata.workflow_id === query.workflowId);
  }

  webhookHint(rawBody: Buffer): string | undefined {
    const event = parseJsonOrUndefined(rawBody.toString('utf8')) as
      { data?: { object?: { metadata?: { workflow_id?: unknown } } } } | undefined;
    const workflowId = event?.data?.object?.metadata?.workflow_id;
    return typeof workflowId === 'string' ? workflowId : undefined;
  }

  async parseWebhook(
    rawBody: Buffer,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): Promise<ProviderEvent | undefined> {
    const header = headers[STRIPE_SIGNATURE_HEADER];
    let event: Stripe.Event;
    try {
      event = await this.stripe.webhooks.constructEventAsync(
        rawBody,
        typeof header === 'string' ? header : '',
        this.options.webhookSecret,
        WEBHOOK_TOLERANCE_S,
      );
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError)
        throw new WebhookVerificationError(error.message);
      throw error;
    }
    // Authentic from here on: whatever it says is acknowledged, so that Stripe stops redelivering it.
    const result = eventResult(event);
    const workflowId = (event.data.object as { metadata?: Record<string, string> }).metadata?.workflow_id;
    if (!result?.operationId || !isFinal(result.outcome) || !workflowId) return undefined;
    return {
      workflowId,
      eventId: event.id,
      operationId: result.operationId,
      outcome: result.outcome,
      status: result.status,
      reason: result.reason,
    };
  }
}

/** The events Settle subscribes to, read as the result of the operation they are about. */
function eventResult(event: Stripe.Event): ProviderResult | undefined {
  switch (event.type) {
    case 'refund.updated':
    case 'refund.failed':
    case 'charge.refund.updated':
      return refundResult(event.data.object);
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed':
      return intentResult('capture', event.data.object);
    // A page's PaymentIntent, confirmed by Stripe.js: authorized (the money held), or cancelled unpaid.
    case 'payment_intent.amount_capturable_updated':
    case 'payment_intent.canceled':
      return intentResult('authorize', event.data.object);
    default:
      return undefined;
  }
}

function intentResult(
  command: ProviderAction | 'authorize',
  intent: Stripe.PaymentIntent,
): ProviderResult | undefined {
  const outcome = STRIPE_OUTCOMES[command][intent.status];
  if (!outcome) return undefined;
  return {
    outcome,
    operationId: intent.id,
    status: intent.status,
    ...(outcome === 'declined' ? { reason: declineReason(intent) } : {}),
    // The authorization the payment rests on: a replacement's, or the one a page's customer made.
    ...((command === 'revalidate' || command === 'authorize') && outcome === 'settled'
      ? { authorization: authorizationOf(intent) }
      : {}),
  };
}

/** A PaymentIntent confirmed at checkout, as the authorization's result. */
function checkoutResult(intent: Stripe.PaymentIntent): AuthorizationResult {
  const outcome = known(STRIPE_OUTCOMES.authorize[intent.status], intent.status);
  const redirectUrl = intent.next_action?.redirect_to_url?.url ?? undefined;
  if (outcome === 'settled') return { outcome, ...authorizationOf(intent) };
  if (outcome === 'pending' && redirectUrl)
    return { outcome, transactionId: intent.id, status: intent.status, redirectUrl };
  if (outcome === 'pending') {
    // Only Stripe.js could take the customer through this next action, and Settle has no page for it.
    const next = intent.next_action?.type ?? 'none';
    return {
      outcome: 'declined',
      status: intent.status,
      reason: `authentication_required: next action ${next}`,
    };
  }
  return { outcome: 'declined', status: intent.status, reason: declineReason(intent) };
}

/** A page's PaymentIntent statuses before the customer has paid (or while 3-D Secure is shown). */
const AWAITING_CUSTOMER: ReadonlySet<string> = new Set([
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
]);

/**
 * A page's PaymentIntent: until the customer confirms it on the page (Stripe.js) it awaits the customer, also
 * after a declined card (they may try another) or while 3-D Secure is shown; `processing` is Stripe deciding.
 */
function pageResult(intent: Stripe.PaymentIntent, publishableKey: string): AuthorizationResult {
  if (intent.status === 'requires_capture') return { outcome: 'settled', ...authorizationOf(intent) };
  // Cancelled, or a card declined (payment_intent.payment_failed told the same): the page's payment failed.
  if (
    intent.status === 'canceled' ||
    (intent.status === 'requires_payment_method' && intent.last_payment_error)
  )
    return { outcome: 'declined', status: intent.status, reason: declineReason(intent) };
  if (intent.status === 'succeeded')
    return { outcome: 'settled', transactionId: intent.id, status: intent.status };
  return {
    outcome: 'pending',
    transactionId: intent.id,
    status: intent.status,
    ...(intent.status === 'processing' ? { awaitingCustomer: false } : {}),
    session: { kind: 'stripe', clientSecret: intent.client_secret ?? '', publishableKey },
  };
}

/** Why Stripe refused the PaymentIntent: its last payment error's code and message, else its status. */
function declineReason(intent: Stripe.PaymentIntent): string {
  const failure = intent.last_payment_error;
  return failure
    ? `${failure.decline_code ?? failure.code ?? failure.type}: ${failure.message ?? ''}`.trim()
    : `payment_intent_${intent.status}`;
}

function refundResult(refund: Stripe.Refund): ProviderResult | undefined {
  const status = refund.status ?? 'none';
  const outcome = STRIPE_OUTCOMES.refund[status];
  if (!outcome) return undefined;
  return {
    outcome,
    operationId: refund.id,
    status,
    ...(outcome === 'declined' ? { reason: refund.failure_reason ?? `refund_${status}` } : {}),
  };
}

/** An answer execute or authorize must understand: a status word Settle does not know is a fault, retried. */
function known<T>(result: T | undefined, status: string): T {
  if (!result) throw new Error(`Stripe answered status "${status}", which Settle does not know`);
  return result;
}

function authorizationOf(intent: Stripe.PaymentIntent): AuthorizationReference {
  const captureBefore = captureBeforeOf(intent);
  return {
    transactionId: intent.id,
    status: intent.status,
    ...(captureBefore ? { expiresAt: captureBefore.toISOString() } : {}),
  };
}

/** When the card's authorization runs out, as the charge reports it (needs latest_charge expanded). */
function captureBeforeOf(intent: Stripe.PaymentIntent): Date | undefined {
  const charge = intent.latest_charge;
  const seconds =
    typeof charge === 'object' ? charge?.payment_method_details?.card?.capture_before : undefined;
  return seconds ? new Date(seconds * 1000) : undefined;
}

/** Whether the PaymentIntent can back what the payment needs. */
function judgeAuthorization(intent: Stripe.PaymentIntent, query: AuthorizationQuery): AuthorizationState {
  const reference = authorizationOf(intent);
  const invalid = (reason: string): AuthorizationState => ({ ...reference, validity: 'invalid', reason });
  const expired: AuthorizationState = { ...reference, validity: 'expired', reason: 'authorization_expired' };
  if (intent.status === 'canceled') {
    return EXPIRY_CANCELLATIONS.has(intent.cancellation_reason ?? '')
      ? expired
      : invalid('authorization_canceled');
  }
  if (intent.status !== 'requires_capture') return invalid(`payment_intent_${intent.status}`);
  const captureBefore = captureBeforeOf(intent);
  if (captureBefore && captureBefore.getTime() <= Date.now()) return expired;
  if (intent.currency.toUpperCase() !== query.currency) return invalid('currency_mismatch');
  // Read back in ISO minor units: ISK's amount_capturable is in hundredths, MGA's in whole ariary.
  let capturable: number;
  try {
    capturable = fromProviderUnits(STRIPE_CURRENCIES, intent.amount_capturable, query.currency);
  } catch (error) {
    if (error instanceof UnpayableAmountError) return invalid(`amount_not_payable: ${error.message}`);
    throw error;
  }
  if (query.amountMinor > capturable) return invalid('amount_exceeds_authorization');
  return { ...reference, validity: 'valid' };
}

/** Settle's ISO minor units as Stripe's `amount` (providers/stripeCurrencies.ts). */
function stripeAmount({ amountMinor, currency }: { amountMinor: number; currency: string }): number {
  return toProviderUnits(STRIPE_CURRENCIES, { minor: amountMinor, currency });
}

/** An amount Stripe cannot take exactly: refused before anything is sent; retrying cannot mend it. */
function unpayable(reason: string): ProviderResult & AuthorizationResult {
  return { outcome: 'declined', status: 'rejected', reason: `amount_not_payable: ${reason}` };
}

/** A Stripe error as the command's outcome, or thrown as what retrying can (or cannot) mend. */
function declinedOrThrow(
  error: unknown,
  what: string,
  { lostAnswerIsUnknown }: { lostAnswerIsUnknown: boolean },
): ProviderResult {
  if (!(error instanceof Stripe.errors.StripeError)) throw error;
  const kind = errorKind(error);
  if (kind === 'declined') {
    const code = error.decline_code ?? error.code ?? error.type;
    return {
      outcome: 'declined',
      status: error.type === 'StripeCardError' ? 'declined' : 'rejected',
      reason: `${code}: ${error.message}`,
    };
  }
  if (lostAnswerIsUnknown && isTimeout(error)) {
    return { outcome: 'unknown', status: 'timeout', reason: error.message };
  }
  throw retryable(error, what);
}

/** The error to throw for a Stripe failure that is not a business answer. */
function retryable(error: unknown, what: string): Error {
  if (!(error instanceof Stripe.errors.StripeError)) return error as Error;
  const kind = errorKind(error);
  if (error.code === KEY_IN_USE) {
    return new Error(`Stripe ${what}: a request with the same idempotency key is still in flight; retried`);
  }
  if (kind === 'rejected') {
    // The key was used before with other parameters: an earlier attempt may have moved money.
    return new ProviderRejectedError(`Stripe refused ${what}: ${error.message}`);
  }
  if (kind === 'credentials') {
    // A configuration fault, not the payment's: retried (visibly) until the key is fixed.
    return new Error(`Stripe refused Settle's credentials for ${what} (${error.type}): check STRIPE_API_KEY`);
  }
  return new Error(
    `Stripe ${what} failed (${error.type}${error.statusCode ? ` ${error.statusCode}` : ''}): ${error.message}`,
  );
}

/**
 * What a Stripe error means (STRIPE_ERRORS). `idempotency_key_in_use` is a retry whatever class the SDK gives
 * it: the request in flight acted or will, and the retry is answered with its result. Never a decline.
 */
export function errorKind(
  error: InstanceType<typeof Stripe.errors.StripeError>,
): 'declined' | 'retry' | 'rejected' | 'credentials' {
  if (error.code === KEY_IN_USE) return 'retry';
  return STRIPE_ERRORS[error.type] ?? 'retry';
}

function isTimeout(error: InstanceType<typeof Stripe.errors.StripeError>): boolean {
  const detail = error.detail as { code?: string } | undefined;
  return error.type === 'StripeConnectionError' && detail?.code === 'ETIMEDOUT';
}

function isMissing(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';
}

function idOf(value: string | { id: string } | null | undefined): string | undefined {
  return typeof value === 'string' ? value : (value?.id ?? undefined);
}
