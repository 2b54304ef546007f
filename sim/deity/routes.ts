import express, { type Response } from 'express';
import { z } from 'zod';
import { issuesOf } from '../../domain/issues';
import type { Journal } from './journal';
import { RETURN_PATH, type OrderBook, type Refusal, type Updated } from './orders';
import { orderView } from './shopOrder';

/**
 * The simulator's control API for tests and operators: place an order through checkout, ship, refund or
 * cancel it, and read back the orders and the events the shop received.
 */

const major = z.number().nonnegative();
const methodSchema = z.object({ provider: z.string().min(1), method: z.string().min(1) });
const newOrderSchema = z.object({
  id: z.string().min(1).optional(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  country: z.string().regex(/^[A-Z]{2}$/),
  email: z.string().min(1).optional(),
  items: z
    .array(
      z.object({
        sku: z.string().min(1),
        name: z.string().min(1).optional(),
        price: major,
        quantity: z.number().int().min(1).optional(),
      }),
    )
    .min(1),
  shipping: major.optional(),
  method: methodSchema.optional(),
  customer: z.enum(['pay', 'challenge-pass', 'challenge-fail', 'challenge-abandon', 'decline']).optional(),
});
const shipSchema = z.object({
  items: z
    .array(z.object({ id: z.string().min(1), quantity: z.number().int().min(1).optional() }))
    .min(1)
    .optional(),
});
const amount = z.string().regex(/^\d+(\.\d+)?$/, 'a major-unit amount such as "12.50"');
const refundSchema = z.object({
  amount: amount.optional(),
  items: z
    .array(
      z.object({
        type: z.enum(['product', 'shipping', 'surcharge', 'discount']).optional(),
        id: z.string().min(1).optional(),
        quantity: z.number().int().min(1).optional(),
        amount: amount.optional(),
      }),
    )
    .min(1)
    .optional(),
});

export function controlRoutes({ book, journal }: { book: OrderBook; journal: Journal }) {
  const router = express.Router();
  router.use(express.json());

  const refuse = (res: Response, { ok: _ok, status, ...rest }: Refusal) => res.status(status).json(rest);
  /** Settle's answer to the order update, its status passed on, with the order as it is now. */
  const answer = (res: Response, result: Updated) =>
    result.ok
      ? res.status(result.answer.status).json({ settle: result.answer, order: orderView(result.order) })
      : refuse(res, result);
  const parse = <T>(schema: z.ZodType<T>, body: unknown, res: Response): T | undefined => {
    const parsed = schema.safeParse(body ?? {});
    if (parsed.success) return parsed.data;
    res.status(400).json({ error: 'invalid request', issues: issuesOf(parsed.error, 'body') });
    return undefined;
  };

  router.post('/_orders', async (req, res) => {
    const input = parse(newOrderSchema, req.body, res);
    if (!input) return;
    const placed = await book.placeOrder(input);
    if (placed.ok) res.status(201).json(orderView(placed.order));
    else refuse(res, placed);
  });
  router.get('/_orders', (_req, res) => res.json([...book.orders.values()].map(orderView)));
  router.get('/_orders/:id', (req, res) => {
    const order = book.orders.get(req.params.id);
    if (order) res.json(orderView(order));
    else res.status(404).json({ error: `no order ${req.params.id}` });
  });
  router.post('/_orders/:id/ship', async (req, res) => {
    const input = parse(shipSchema, req.body, res);
    if (input) answer(res, await book.ship(req.params.id, input.items));
  });
  router.post('/_orders/:id/refund', async (req, res) => {
    const input = parse(refundSchema, req.body, res);
    if (input) answer(res, await book.refund(req.params.id, input));
  });
  router.post('/_orders/:id/cancel', async (req, res) => answer(res, await book.cancel(req.params.id)));

  // The shop's return page: the customer's browser is back from the payment page; the shop asks Settle.
  router.get(`${RETURN_PATH}/:id`, async (req, res) => {
    const brought = Object.fromEntries(
      Object.entries(req.query).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
    const result = await book.customerReturned(req.params.id, brought);
    if (!result.ok) return void res.status(result.status).type('text').send(result.error);
    const body = result.answer.body as { status?: unknown } | null;
    const status = typeof body?.status === 'string' ? body.status : `HTTP ${result.answer.status}`;
    res.type('html').send(returnPageHtml(req.params.id, status));
  });

  router.get('/_events', (_req, res) =>
    res.json({
      received: journal.received,
      duplicates: journal.duplicates,
      unparseable: journal.unparseable,
      broker: journal.broker,
    }),
  );
  router.get('/_calls', (_req, res) => res.json(journal.calls));
  return router;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What the customer sees back at the shop: the order's payment status as Settle answered it. */
function returnPageHtml(orderId: string, status: string): string {
  const words: Record<string, string> = {
    complete: 'Thank you: your payment is authorized',
    failed: 'Your payment failed',
    incomplete: 'Your payment is being confirmed',
    redirect: 'Your payment is not finished',
  };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Order ${escape(orderId)}</title></head>
<body><h1>${escape(words[status] ?? status)}</h1><p>Order <span id="order">${escape(orderId)}</span>: <span id="status">${escape(status)}</span></p></body></html>`;
}
