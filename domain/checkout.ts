/** The hosted payment page: what an order's checkout opens and what the customer's page shows. */

export type CheckoutMode = 'page' | 'direct';

/** What the customer's page needs to take the payment with the provider's own client component. */
export type CheckoutSession =
  /** The gateway simulator's hosted card form. */
  | { readonly kind: 'gateway'; readonly formUrl: string }
  | { readonly kind: 'stripe'; readonly clientSecret: string; readonly publishableKey: string }
  | {
      readonly kind: 'adyen';
      readonly sessionId: string;
      readonly sessionData: string;
      readonly clientKey: string;
      readonly environment: string;
    };

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
