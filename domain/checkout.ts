/**
 * Checkout: how an order's payment is authorized. `page`: Settle's hosted payment page, where the customer pays
 * with the provider's own component (card form, 3-D Secure); the provider never authorizes server-side then.
 * `direct`: server-side confirmation with a payment method the shop sent (a token its own page collected).
 * Either way the authorization is an `authorize` command (workflows/paymentCommand.ts), the order's child.
 */

export type CheckoutMode = 'page' | 'direct';

/** What the customer's page needs to take the payment with the provider's own client component. */
export type CheckoutSession =
  | { readonly kind: 'gateway'; readonly formUrl: string }
  | { readonly kind: 'stripe'; readonly clientSecret: string; readonly publishableKey: string }
  | {
      readonly kind: 'adyen';
      readonly sessionId: string;
      readonly sessionData: string;
      readonly clientKey: string;
      readonly environment: string;
    };

/** Where the customer's browser goes once the payment is decided. */
export interface CheckoutReturn {
  readonly successUrl?: string;
  readonly cancelUrl?: string;
}

/** What the page shows and does; answered by the order's workflow (checkoutPageQuery). */
export interface CheckoutPageView {
  readonly orderReference: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly provider: string;
  /** preparing: the provider's session is not open yet; open: the customer can pay; then the outcome. */
  readonly state: 'preparing' | 'open' | 'authorized' | 'failed' | 'expired';
  readonly session?: CheckoutSession;
  readonly expiresAt: string;
  readonly returnTo: CheckoutReturn;
  readonly reason?: string;
}

/** What an `authorize` command carries beyond its money: how the provider is to take the payment. */
export interface CheckoutRequest {
  /** The order's payment workflow, which hears the act's answer (its session) from the command. */
  readonly orderWorkflowId: string;
  readonly orderReference: string;
  readonly mode: CheckoutMode;
  /** page: when the page (and the provider's session) ends; a customer who has not paid by then never will. */
  readonly expiresAt?: string;
  /** direct: the provider-specific payment method token the shop sent. */
  readonly paymentMethod?: string;
  /** Where the provider sends the customer back after acting (3-D Secure). */
  readonly returnUrl?: string;
}

/** Why an authorize on a page nobody completed in time is declined. */
export const PAGE_EXPIRED_REASON = 'the customer did not complete the payment page before it expired';

/** How long a payment page lasts unless configured otherwise. */
export const DEFAULT_CHECKOUT_PAGE_TTL_MS = 30 * 60_000;

/** What building a page's address needs (the API's settings). */
export interface CheckoutPageSettings {
  /** Settle's public base URL, as customers' browsers reach it. */
  readonly publicUrl: string;
  /** The HMAC key of page tokens (a secret). */
  readonly key: string;
  readonly ttlMs: number;
}
