import { html, type SafeHtml } from '../../domain/html';
import { formatMoney } from '../../domain/money';

/**
 * The gateway's hosted card form and its 3-D Secure challenge: the pages the customer's browser sees at the
 * gateway. Markup only; the simulator (./checkout.ts) decides.
 */

export interface FormView {
  readonly sessionId: string;
  readonly amount: number;
  readonly currency: string;
  readonly orderReference?: string;
  readonly error?: string;
}

const page = (title: string, body: SafeHtml): string =>
  html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          body {
            font-family: system-ui, sans-serif;
            background: #eef1f5;
            margin: 0;
            padding: 2rem;
          }
          main {
            max-width: 26rem;
            margin: 0 auto;
            background: #fff;
            border-radius: 8px;
            padding: 1.5rem;
            box-shadow: 0 1px 4px rgba(0, 0, 0, 0.15);
          }
          h1 {
            font-size: 1.2rem;
            margin-top: 0;
          }
          label {
            display: block;
            margin: 0.8rem 0 0.2rem;
            font-size: 0.9rem;
          }
          input {
            width: 100%;
            box-sizing: border-box;
            padding: 0.5rem;
            font-size: 1rem;
          }
          .row {
            display: flex;
            gap: 1rem;
          }
          button {
            margin-top: 1.2rem;
            padding: 0.6rem 1rem;
            font-size: 1rem;
            cursor: pointer;
          }
          .error {
            color: #b00020;
          }
          .amount {
            font-size: 1.4rem;
            font-weight: bold;
          }
          .brand {
            color: #555;
            font-size: 0.8rem;
            text-transform: uppercase;
            letter-spacing: 0.1em;
          }
        </style>
      </head>
      <body>
        <main>
          <p class="brand">Gateway simulator · test mode</p>
          ${body}
        </main>
      </body>
    </html>`.text;

export function cardFormPage(view: FormView): string {
  return page(
    'Pay by card',
    html`<h1>Pay by card</h1>
      <p class="amount" data-testid="amount">
        ${formatMoney({ minor: view.amount, currency: view.currency })}
      </p>
      ${view.orderReference ? html`<p>Order ${view.orderReference}</p>` : undefined}
      ${view.error ? html`<p class="error" role="alert">${view.error}</p>` : undefined}
      <form method="post" action="/checkout/${view.sessionId}">
        <label for="number">Card number</label>
        <input id="number" name="number" inputmode="numeric" autocomplete="cc-number" required />
        <div class="row">
          <div>
            <label for="expiry">Expiry (MM/YY)</label>
            <input id="expiry" name="expiry" autocomplete="cc-exp" placeholder="12/34" required />
          </div>
          <div>
            <label for="cvc">CVC</label>
            <input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required />
          </div>
        </div>
        <button type="submit">Pay ${formatMoney({ minor: view.amount, currency: view.currency })}</button>
      </form>
      <p>
        <small
          >Test cards: 4242 4242 4242 4242 pays, 4000 0000 0000 3220 asks for 3-D Secure, 4000 0000 0000 0002
          is declined.</small
        >
      </p>`,
  );
}

export function challengePage(view: FormView): string {
  return page(
    '3-D Secure',
    html`<h1>3-D Secure</h1>
      <p>
        Your bank asks you to confirm the payment of
        <strong>${formatMoney({ minor: view.amount, currency: view.currency })}</strong>.
      </p>
      <form method="post" action="/checkout/${view.sessionId}/challenge">
        <button type="submit" name="result" value="pass">Pass</button>
        <button type="submit" name="result" value="fail">Fail</button>
      </form>
      <form method="post" action="/checkout/${view.sessionId}/abandon">
        <button type="submit">Abandon</button>
      </form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(
    title,
    html`<h1>${title}</h1>
      <p>${message}</p>`,
  );
}
