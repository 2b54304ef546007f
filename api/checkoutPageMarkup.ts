import type { CheckoutPageView, CheckoutSession } from '../domain/checkout';
import { html, scriptJson, type SafeHtml } from '../domain/html';
import { formatMoney } from '../domain/money';

/**
 * The hosted payment page's markup (api/checkoutPage.ts serves it): the order and its amount, and in the open
 * state the provider's own component. Every script and style carries the response's CSP nonce; the provider's
 * scripts come only from the origins checkoutPageCsp allows for that provider.
 */

/** Adyen Web (Drop-in) as loaded from Adyen's CDN; Stripe.js is always js.stripe.com/v3. */
export const ADYEN_WEB_VERSION = '6.6.0';

export interface PageContext {
  readonly nonce: string;
  /** The page's own path, `/pay/<token>`. */
  readonly pagePath: string;
  /** The absolute return URL the provider's component sends the browser to: `<public url>/pay/<token>/return`. */
  readonly returnUrl: string;
}

const STYLE = `
  body { font-family: system-ui, sans-serif; background: #f5f6f8; margin: 0; padding: 2rem; color: #1d2330; }
  main { max-width: 32rem; margin: 0 auto; background: #fff; border-radius: 8px; padding: 1.5rem 2rem;
    box-shadow: 0 1px 4px rgba(0, 0, 0, 0.12); }
  h1 { font-size: 1.3rem; margin-top: 0; }
  .amount { font-size: 1.6rem; font-weight: bold; margin: 0.2rem 0 1rem; }
  .muted { color: #5b6472; font-size: 0.9rem; }
  a.button, button { display: inline-block; background: #2453d6; color: #fff; border: 0; border-radius: 6px;
    padding: 0.7rem 1.2rem; font-size: 1rem; text-decoration: none; cursor: pointer; }
  .error { color: #b00020; }
`;

function layout(
  context: Pick<PageContext, 'nonce'>,
  title: string,
  body: SafeHtml,
  head: SafeHtml = html``,
): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${title}</title>
        <style nonce="${context.nonce}">
          ${STYLE}
        </style>
        ${head}
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>`.text;
}

const orderHeader = (view: CheckoutPageView) =>
  html`<p class="muted">Order <span data-testid="order">${view.orderReference}</span></p>
    <p class="amount" data-testid="amount">
      ${formatMoney({ minor: view.amountMinor, currency: view.currency })}
    </p>`;

/** Refreshes the page every second (no script needed: a plain HTTP client follows it too). */
const refresh = (url: string) => html`<meta http-equiv="refresh" content="1;url=${url}" />`;

export function checkoutPageHtml(view: CheckoutPageView, context: PageContext): string {
  switch (view.state) {
    case 'preparing':
      return layout(
        context,
        'Preparing your payment',
        html`<h1>Preparing your payment…</h1>
          ${orderHeader(view)}
          <p class="muted">This page refreshes itself.</p>`,
        refresh(context.pagePath),
      );
    case 'open':
      return openPage(view, context);
    case 'authorized':
      return outcomePage(
        view,
        context,
        'Payment authorized',
        'Thank you: your payment is authorized.',
        view.returnTo.successUrl,
      );
    case 'failed':
      return outcomePage(
        view,
        context,
        'Payment failed',
        `Your payment was not authorized${view.reason ? `: ${view.reason}` : ''}.`,
        view.returnTo.cancelUrl,
      );
    case 'expired':
      return outcomePage(
        view,
        context,
        'Payment page expired',
        'This payment page has expired.',
        view.returnTo.cancelUrl,
      );
  }
}

function outcomePage(
  view: CheckoutPageView,
  context: PageContext,
  title: string,
  message: string,
  back: string | undefined,
): string {
  return layout(
    context,
    title,
    html`<h1>${title}</h1>
      ${orderHeader(view)}
      <p data-testid="message">${message}</p>
      ${back ? html`<p><a class="button" href="${back}">Back to the shop</a></p>` : undefined}`,
  );
}

function openPage(view: CheckoutPageView, context: PageContext): string {
  const session = view.session;
  const title = 'Pay for your order';
  if (!session)
    return layout(
      context,
      title,
      html`<h1>${title}</h1>
        ${orderHeader(view)}`,
      refresh(context.pagePath),
    );
  const component = providerComponent(session, context);
  return layout(
    context,
    title,
    html`<h1>${title}</h1>
      ${orderHeader(view)} ${component.body}
      <p class="muted">Pay before ${new Date(view.expiresAt).toUTCString()}.</p>`,
    component.head,
  );
}

function providerComponent(
  session: CheckoutSession,
  context: PageContext,
): { head?: SafeHtml; body: SafeHtml } {
  switch (session.kind) {
    case 'gateway':
      return {
        body: html`<p><a class="button" id="gateway-form" href="${session.formUrl}">Pay by card</a></p>
          <p class="muted">You pay on the card gateway's secure page, then come back here.</p>`,
      };
    case 'stripe':
      return {
        head: html`<script src="https://js.stripe.com/v3/"></script>`,
        body: html`<form id="stripe-form">
            <div id="payment-element"></div>
            <p><button id="submit" type="submit">Pay</button></p>
            <p id="message" class="error" role="alert"></p>
          </form>
          <script nonce="${context.nonce}">
            (() => {
              const config = ${scriptJson({
                publishableKey: session.publishableKey,
                clientSecret: session.clientSecret,
                returnUrl: context.returnUrl,
              })};
              const stripe = Stripe(config.publishableKey);
              const elements = stripe.elements({ clientSecret: config.clientSecret });
              elements.create('payment').mount('#payment-element');
              document.getElementById('stripe-form').addEventListener('submit', async (event) => {
                event.preventDefault();
                const { error } = await stripe.confirmPayment({
                  elements,
                  confirmParams: { return_url: config.returnUrl },
                });
                if (error) document.getElementById('message').textContent = error.message;
              });
            })();
          </script>`,
      };
    case 'adyen': {
      const cdn = adyenCdn(session.environment);
      return {
        head: html`<link rel="stylesheet" href="${cdn}/adyen.css" />
          <script src="${cdn}/adyen.js"></script>`,
        body: html`<div id="dropin"></div>
          <script nonce="${context.nonce}">
            (async () => {
              const config = ${scriptJson({
                session: { id: session.sessionId, sessionData: session.sessionData },
                clientKey: session.clientKey,
                environment: session.environment,
                returnUrl: context.returnUrl,
              })};
              const { AdyenCheckout, Dropin } = window.AdyenWeb;
              const back = () => window.location.assign(config.returnUrl);
              const checkout = await AdyenCheckout({
                session: config.session,
                clientKey: config.clientKey,
                environment: config.environment,
                onPaymentCompleted: back,
                onPaymentFailed: back,
              });
              new Dropin(checkout).mount('#dropin');
            })();
          </script>`,
      };
    }
  }
}

/** Where Adyen Web is loaded from: the test CDN, or the live one of the account's region (`live-us`, …). */
export function adyenCdn(environment: string): string {
  return `https://checkoutshopper-${environment}.adyen.com/checkoutshopper/sdk/${ADYEN_WEB_VERSION}`;
}

/** The return page: waits for Settle's word (refreshing itself), then the route redirects. */
export function confirmingPageHtml(
  view: CheckoutPageView,
  context: PageContext & { selfPath: string },
): string {
  return layout(
    context,
    'Confirming your payment',
    html`<h1>Confirming your payment…</h1>
      ${orderHeader(view)}
      <p class="muted">This takes a moment; this page refreshes itself.</p>`,
    refresh(context.selfPath),
  );
}

/** A refused link: unknown, altered, or past its expiry. */
export function refusalPageHtml(context: Pick<PageContext, 'nonce'>, title: string, message: string): string {
  return layout(
    context,
    title,
    html`<h1>${title}</h1>
      <p data-testid="message">${message}</p>`,
  );
}

/**
 * The Content-Security-Policy of a page: its own nonce, and per provider only the origins its component needs
 * (Stripe: js.stripe.com and its API; Adyen: its CDN and checkout endpoints). Links go anywhere; nothing frames it.
 */
export function checkoutPageCsp(nonce: string, session?: CheckoutSession): string {
  const stripe = session?.kind === 'stripe';
  const adyen = session?.kind === 'adyen' ? new URL(adyenCdn(session.environment)).origin : undefined;
  const sources = (...extra: (string | false | undefined)[]) => extra.filter(Boolean).join(' ');
  return [
    "default-src 'none'",
    `script-src ${sources(`'nonce-${nonce}'`, stripe && 'https://js.stripe.com', adyen)}`,
    // Adyen's Drop-in sets inline styles, which a nonce would forbid.
    `style-src ${adyen ? `'unsafe-inline' ${adyen}` : `'nonce-${nonce}'`}`,
    `img-src ${sources("'self'", 'data:', stripe && 'https://*.stripe.com', adyen && 'https://*.adyen.com')}`,
    `connect-src ${sources("'self'", stripe && 'https://api.stripe.com', adyen && 'https://*.adyen.com')}`,
    `frame-src ${stripe ? 'https://js.stripe.com https://hooks.stripe.com' : adyen ? 'https://*.adyen.com' : "'none'"}`,
    `form-action ${stripe || adyen ? "'self' https:" : "'none'"}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}
