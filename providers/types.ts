import type { CheckoutMode, CheckoutSession } from '../domain/checkout';
import type { ProviderAction } from '../domain/commands';
import type { Money } from '../domain/money';
import type { AuthorizationReference, AuthorizationValidity, FinalOutcome, Outcome } from '../domain/outcome';

/**
 * The one interface every payment provider adapter implements. Adapters translate; they never retry and
 * never decide what to tell MIB. Errors say whether a retry can help:
 * - ProviderRejectedError: the provider refused the request in a way that leaves in doubt what happened to
 *   the money (an idempotency key reused with another body). Retrying cannot help; an operator must look.
 * - any other error (network, 5xx, 429, timeout, refused credentials): transient, retried with the same
 *   idempotency key.
 * A business refusal (decline, invalid state, unknown authorization, a request the provider would not take)
 * is not an error but the outcome `declined`, reported to MIB as `*_failed` with the provider's reason.
 *
 * Authorizing at checkout (`authorize`) is optional: the gateway simulator and Stripe offer it directly and on
 * the payment page; Adyen only on the page, since an Adyen authorisation needs the shopper's card data, which
 * only Adyen's own component (Drop-in) collects.
 */

export interface ProviderCommand {
  /** `revalidate` here means: replace the expired authorization with a new one. */
  readonly command: ProviderAction;
  /** The provider's id of the authorization the command acts on. */
  readonly transactionId: string;
  readonly amountMinor: number;
  readonly currency: string;
  /** Same for every attempt of one command: a retried call never moves money twice. */
  readonly idempotencyKey: string;
  /** Put on the provider's objects so that a webhook leads back to the workflow. */
  readonly workflowId: string;
}

export interface ProviderResult {
  readonly outcome: Outcome;
  /** The provider's id of the operation, which its webhooks and status API refer to. */
  readonly operationId?: string;
  readonly status: string;
  readonly reason?: string;
  /** The authorization the payment rests on after the command, where the command made a new one. */
  readonly authorization?: AuthorizationReference;
  /** An authorize's: what the customer's page needs to pay (page mode). */
  readonly session?: CheckoutSession;
  /** An authorize's: where the customer must go first (3-D Secure in direct mode), while it is pending. */
  readonly redirectUrl?: string;
}

export interface AuthorizationQuery {
  readonly transactionId: string;
  /** What the payment needs the authorization to cover; 0 checks only that it is usable. */
  readonly amountMinor: number;
  readonly currency: string;
}

/** What the provider knows about an authorization, judged against what the payment needs. */
export interface AuthorizationState extends AuthorizationReference {
  readonly validity: AuthorizationValidity;
  /** Why it cannot back the payment, when it cannot. */
  readonly reason?: string;
}

/** A new authorization at checkout: the money is held for a later capture. */
export interface AuthorizationRequest {
  /** More than 0, in minor units. */
  readonly amountMinor: number;
  /** ISO 4217, e.g. `EUR`. */
  readonly currency: string;
  /** Same for every attempt: a retried authorization never holds the money twice. */
  readonly idempotencyKey: string;
  /** Put on the provider's objects so that a webhook leads back to the workflow. */
  readonly workflowId: string;
  /** The shop's order, for the provider's metadata and description (no personal data). */
  readonly orderReference: string;
  /**
   * A provider-specific payment method token where the provider needs one (e.g. Stripe's `pm_card_visa` in
   * test mode); without it the provider's configured default, if any.
   */
  readonly paymentMethod?: string;
  /** Where the provider sends the customer back after acting (3-D Secure); without it, no redirect. */
  readonly returnUrl?: string;
  /** 'page': open a session the customer completes on Settle's page; never authorize server-side. */
  readonly mode?: CheckoutMode;
  /** Page sessions end then (Stripe: cancelled; Adyen: expiresAt). */
  readonly expiresAt?: string;
}

/** What became of an authorization at checkout. A lost answer is thrown: the retry (same key) tells. */
export interface AuthorizationResult {
  /**
   * settled: authorized and the money held; declined: refused (card declined, invalid request); pending: the
   * customer must act first, at redirectUrl.
   */
  readonly outcome: Exclude<Outcome, 'unknown'>;
  /** The provider's id of the authorization, when it made one: what later commands act on. */
  readonly transactionId?: string;
  /** The provider's word, e.g. `authorized`, `requires_capture`, `declined`. */
  readonly status: string;
  readonly reason?: string;
  /** Until when the money is held, where the provider says. */
  readonly expiresAt?: string;
  /** Where to send the customer (e.g. 3-D Secure), when the outcome is pending. */
  readonly redirectUrl?: string;
  /** Page mode: what the customer's page needs to pay. */
  readonly session?: CheckoutSession;
  /**
   * Pending only: false once the customer has done their part (card submitted, challenge passed) and the
   * provider is deciding. Otherwise a pending authorization awaits the customer: at the page's expiry it is
   * declined as never completed.
   */
  readonly awaitingCustomer?: boolean;
}

/** What the provider holds of an authorization: who made it, and how much it holds. */
export interface AuthorizationRecord {
  /**
   * The Settle workflow whose checkout made it (what `authorize` put on the provider's object), or undefined
   * when Settle did not authorize it at checkout.
   */
  readonly createdBy?: string;
  /** The amount it was made for, minor units, where the provider knows it. */
  readonly amountMinor?: number;
}

/** What a status request needs to find a command's operation at the provider. */
export interface StatusQuery extends ProviderCommand {
  /** The provider's operation id, when its answer named one; absent after an unknown outcome. */
  readonly operationId?: string;
}

/** A verified webhook, reduced to what the workflow needs. */
export interface ProviderEvent {
  readonly workflowId: string;
  /** The provider's event id: the same event delivered twice counts once. */
  readonly eventId: string;
  readonly operationId: string;
  readonly outcome: FinalOutcome;
  readonly status: string;
  readonly reason?: string;
}

export interface PaymentProvider {
  readonly name: string;
  /**
   * Why the provider cannot take this amount (ISO 4217 minor units) exactly in its own units and rules, naming
   * the currency, the amount and the rule; undefined when it can. The doors ask before they start anything,
   * and the adapter asks again before it sends anything (providers/currencies.ts).
   */
  amountProblem(money: Money): string | undefined;
  /**
   * How long the provider answers a repeated idempotency key from its first answer, as it documents it. Past
   * that a repeated request is a new one: before sending a money call again so late, Settle asks the provider
   * whether the operation happened (fetchStatus, findAuthorization) and adopts what it finds.
   */
  readonly idempotencyKeyRetentionMs: number;
  /** Captures, refunds, cancels, or (revalidate) replaces an expired authorization with a new one. */
  execute(command: ProviderCommand): Promise<ProviderResult>;
  /**
   * Authorizes a new payment (checkout), holding the money for a later capture; providers that cannot leave
   * this out.
   */
  authorize?(request: AuthorizationRequest): Promise<AuthorizationResult>;
  /**
   * The authorization an earlier `authorize` with this request made, found by what Settle put on it (the
   * workflow id), never by the idempotency key; undefined when the provider has none.
   */
  findAuthorization?(request: AuthorizationRequest): Promise<AuthorizationResult | undefined>;
  /**
   * Page mode, once the page expired unpaid: ends the customer's session at the provider, so that nobody pays
   * after Settle declined (the gateway expires it, Stripe cancels the PaymentIntent; Adyen's session ends by
   * its own expiresAt). Found by the workflow id; a session already completed is left as it is. Answers what
   * the provider holds afterwards, as findAuthorization would; undefined when it has no session.
   */
  closeSession?(request: AuthorizationRequest): Promise<AuthorizationResult | undefined>;
  /** Reads the authorization (validate, revalidate); never changes anything at the provider. */
  inspectAuthorization(query: AuthorizationQuery): Promise<AuthorizationState>;
  /**
   * Only for providers that authorize at checkout: what the provider holds of an authorization (who made it,
   * for how much), undefined when it knows none of that id. Never changes anything; a failure throws.
   */
  authorizationRecord?(transactionId: string): Promise<AuthorizationRecord | undefined>;
  /**
   * Only for providers with a status API: asks what became of a command (pending, after a lost answer, or
   * when a webhook could not be trusted). Answers undefined when the provider has no record of it, which
   * means it never acted; webhook-only providers leave this out and Settle waits for their webhook. It finds
   * the operation by its id or by what Settle put on it (the workflow id), never by the idempotency key, which
   * the provider forgets: Settle also asks it before sending a money call again after a long time.
   */
  fetchStatus?(query: StatusQuery): Promise<ProviderResult | undefined>;
  /**
   * Only with a status API: the workflow id a webhook that failed verification claims to be about. Nothing
   * else in it is believed: Settle asks the provider about that payment instead (and still answers 401).
   */
  webhookHint?(rawBody: Buffer): string | undefined;
  /**
   * Throws WebhookVerificationError when the webhook is not authentic; answers undefined for an authentic
   * webhook that reports no outcome (an intermediate state, an event type Settle does not use).
   */
  parseWebhook(
    rawBody: Buffer,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): Promise<ProviderEvent | undefined>;
}

export class ProviderRejectedError extends Error {
  override readonly name = 'ProviderRejectedError';
}

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}
