import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../config/logger';
import type { CheckoutPageSettings, CheckoutPageView } from '../domain/checkout';
import { readCheckoutToken, type CheckoutTokenClaims } from '../domain/checkoutToken';
import { route, type RouteSet } from '../http/contract';
import { checkoutPageQuery } from '../workflows/orderPaymentMessages';
import { checkoutPageCsp, checkoutPageHtml, confirmingPageHtml, refusalPageHtml } from './checkoutPageMarkup';

/**
 * The hosted payment page: `GET /pay/:token` shows the order (asked of the order's payment workflow, whose id
 * the signed token names) and the provider's component; `/state` is its state as JSON; `/return` is where the
 * provider sends the browser back, and waits for the outcome Settle learns from the provider — the browser's
 * word (its query string) never decides. Nothing here starts or changes anything.
 */

export interface CheckoutPageDependencies {
  readonly temporal: Client;
  readonly logger: Logger;
  /** Absent: Settle serves no payment page (503). */
  readonly checkoutPage?: CheckoutPageSettings;
}

/** After the page's expiry, its return and state still answer this long: a customer who paid at the last moment gets back. */
export const RETURN_GRACE_MS = 60 * 60_000;

/** The page's state without the provider's session (its client secret). */
export const checkoutStateSchema = z.object({
  orderReference: z.string(),
  amountMinor: z.number().int(),
  currency: z.string(),
  provider: z.string(),
  state: z.enum(['preparing', 'open', 'authorized', 'failed', 'expired']),
  expiresAt: z.string(),
  reason: z.string().optional(),
});

/** A page token is two base64url parts (domain/checkoutToken.ts): ASCII, under the size of a request line. */
const tokenParams = z.object({
  token: z
    .string()
    .max(1024)
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'two base64url parts'),
});

const HTML_PAGE = { description: 'An HTML page.' };

export function checkoutPageRoutes({ temporal, logger, checkoutPage }: CheckoutPageDependencies): RouteSet {
  /** The view of the token's order, or the refusal already answered (undefined). */
  async function viewOf(
    res: Response,
    token: string,
    nonce: string,
    as: 'html' | 'json',
    graceMs = 0,
  ): Promise<{ claims: CheckoutTokenClaims; view: CheckoutPageView } | undefined> {
    const refuse = (status: number, title: string, message: string) => {
      if (as === 'json') return void res.status(status).json({ error: message });
      res
        .status(status)
        .type('html')
        .send(refusalPageHtml({ nonce }, title, message));
    };
    if (!checkoutPage) return refuse(503, 'Payment page unavailable', 'Settle serves no payment page.');
    const claims = readCheckoutToken(token, checkoutPage.key, Date.now() - graceMs);
    if (claims === 'invalid') {
      logger.warn('payment page link refused: not a link Settle made', { reason: 'invalid token' });
      return refuse(404, 'Unknown payment', 'This payment link is not valid.');
    }
    if (claims === 'expired') {
      logger.info('payment page link refused: expired', { reason: 'expired token' });
      return refuse(410, 'Payment page expired', 'This payment link has expired.');
    }
    let view: CheckoutPageView | undefined;
    try {
      view = await temporal.workflow.getHandle(claims.orderWorkflowId).query(checkoutPageQuery);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    if (!view) {
      logger.warn('payment page refused: the order has no checkout', { workflowId: claims.orderWorkflowId });
      return refuse(404, 'Unknown payment', 'There is no payment for this link.');
    }
    return { claims, view };
  }

  /** The page's headers; a JSON answer (no nonce) allows nothing at all. */
  const secure = (res: Response, nonce: string, view?: CheckoutPageView) =>
    res.set({
      'content-security-policy': nonce
        ? checkoutPageCsp(nonce, view?.state === 'open' ? view.session : undefined)
        : "default-src 'none'; frame-ancestors 'none'",
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
    });

  const returnUrlOf = (token: string) => `${checkoutPage?.publicUrl ?? ''}/pay/${token}/return`;

  return {
    routes: [
      route({
        method: 'get',
        path: '/pay/:token',
        operationId: 'checkoutPage',
        summary: 'The hosted payment page',
        description:
          "The order's payment page: its reference, amount and the provider's component to pay with. The token " +
          'is signed by Settle and carries its expiry (404 when not, 410 once expired).',
        request: { params: tokenParams },
        validate: 'handler',
        responses: { 200: HTML_PAGE, 404: HTML_PAGE, 410: HTML_PAGE, 503: HTML_PAGE },
        handle: async (req, res) => {
          const nonce = randomBytes(16).toString('base64');
          const token = String(req.params.token);
          secure(res, nonce);
          const found = await viewOf(res, token, nonce, 'html');
          if (!found) return;
          secure(res, nonce, found.view);
          res.type('html').send(
            checkoutPageHtml(found.view, {
              nonce,
              pagePath: `/pay/${token}`,
              returnUrl: returnUrlOf(token),
            }),
          );
        },
      }),
      route({
        method: 'get',
        path: '/pay/:token/state',
        operationId: 'checkoutPageState',
        summary: "The payment page's state",
        description: 'What the page shows, without the provider session or anything secret.',
        request: { params: tokenParams },
        validate: 'handler',
        responses: {
          200: { description: 'The state.', body: checkoutStateSchema },
          404: { description: 'Not a payment link of Settle, or no such payment.' },
          410: { description: 'The link has expired.' },
          503: { description: 'Settle serves no payment page.' },
        },
        handle: async (req, res) => {
          secure(res, '');
          const found = await viewOf(res, String(req.params.token), '', 'json', RETURN_GRACE_MS);
          if (found) res.json(checkoutStateSchema.parse(found.view));
        },
      }),
      route({
        method: 'get',
        path: '/pay/:token/return',
        operationId: 'checkoutPageReturn',
        summary: 'Back from the provider',
        description:
          'Where the provider sends the customer back: confirming (refreshing itself) until Settle knows the ' +
          "outcome from the provider, then a redirect to the shop's success or cancel URL.",
        request: { params: tokenParams },
        validate: 'handler',
        responses: {
          200: HTML_PAGE,
          303: { description: "To the shop's success or cancel URL." },
          404: HTML_PAGE,
          410: HTML_PAGE,
        },
        handle: async (req, res) => {
          const nonce = randomBytes(16).toString('base64');
          const token = String(req.params.token);
          secure(res, nonce);
          const found = await viewOf(res, token, nonce, 'html', RETURN_GRACE_MS);
          if (!found) return;
          const { view } = found;
          const back =
            view.state === 'authorized'
              ? view.returnTo.successUrl
              : view.state === 'failed' || view.state === 'expired'
                ? view.returnTo.cancelUrl
                : undefined;
          if (back) return void res.redirect(303, back);
          const context = { nonce, pagePath: `/pay/${token}`, returnUrl: returnUrlOf(token) };
          // Decided but nowhere to go: the page tells the outcome.
          if (view.state !== 'open' && view.state !== 'preparing')
            return void res.type('html').send(checkoutPageHtml(view, context));
          res.type('html').send(confirmingPageHtml(view, { ...context, selfPath: `/pay/${token}/return` }));
        },
      }),
    ],
  };
}
