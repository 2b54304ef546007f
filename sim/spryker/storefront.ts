import express from 'express';
import { z } from 'zod';
import { escapeHtml } from '../../domain/html';
import { issuesOf } from '../../domain/issues';
import { CustomerError, payOnPage, type CustomerChoice } from '../customer';
import type { OrderBook } from './orders';

/**
 * The shop's storefront (Yves) as far as a payment page needs it: the success and cancel pages the payment
 * app sends the customer back to, and a scripted customer who follows the checkout's redirect to the page.
 *
 * - `GET /:lang/payment/order-success`: the thank-you page (PaymentSuccessController; it checks nothing).
 * - `GET /:lang/payment/order-cancel?orderReference=…`: cancels the order (PaymentCancelController calls
 *   SalesClient::cancelOrder): the OMS's `cancel` event, whose command sends CancelPayment.
 * - `POST /_orders/:ref/pay {choice}` (control API): the customer redirected to the page answered at checkout
 *   pays there with `choice` (sim/customer.ts) and follows the page back to the shop.
 */

const CHOICES = [
  'pay',
  'challenge-pass',
  'challenge-fail',
  'challenge-abandon',
  'decline',
] as const satisfies readonly CustomerChoice[];
const paySchema = z.object({ choice: z.enum(CHOICES).default('challenge-pass') });

export function storefrontRoutes(book: OrderBook) {
  const router = express.Router();
  const page = (title: string, text: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;

  router.get('/:lang/payment/order-success', (_req, res) => {
    res.type('html').send(page('Thank you for your order', 'Your payment is being confirmed.'));
  });
  router.get('/:lang/payment/order-cancel', async (req, res) => {
    const reference = typeof req.query.orderReference === 'string' ? req.query.orderReference : '';
    const result = await book.operate(reference, 'cancel');
    if (result.ok) {
      res.type('html').send(page('Your order was cancelled', `Order ${reference} is cancelled.`));
    } else {
      res
        .status(result.status === 404 ? 404 : 409)
        .type('html')
        .send(
          page('The order could not be cancelled', `${reference || '(no order reference)'}: ${result.error}`),
        );
    }
  });

  router.post('/_orders/:ref/pay', express.json(), async (req, res) => {
    const parsed = paySchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ error: 'invalid payment', issues: issuesOf(parsed.error, 'body') });
      return;
    }
    const order = book.orders.get(req.params.ref);
    if (!order) return void res.status(404).json({ error: `no order ${req.params.ref}` });
    if (!order.redirectUrl) {
      res
        .status(409)
        .json({ error: `order ${order.orderReference} has no payment page (checked out directly)` });
      return;
    }
    try {
      const journey = await payOnPage(order.redirectUrl, { choice: parsed.data.choice });
      res.json({ orderReference: order.orderReference, choice: parsed.data.choice, ...journey });
    } catch (error) {
      if (!(error instanceof CustomerError)) throw error;
      res.status(502).json({ error: error.message });
    }
  });
  return router;
}
