import express, { type Response } from 'express';
import { z } from 'zod';
import { issuesOf } from '../../domain/issues';
import type { Journal } from './journal';
import type { Operation } from './oms';
import type { OperationResult, OrderBook, Refusal, ShopOrder } from './orders';
import type { PollSummary } from './receiver';

/**
 * The simulator's control API for tests and operators: place orders, drive the OMS as a back-office user
 * would, run a worker round now, and read back what the shop sent, received and did.
 */

const minor = z.number().int().nonnegative();
const newOrderSchema = z.object({
  orderReference: z.string().min(1).optional(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  items: z
    .array(
      z.object({ sku: z.string().min(1), unitPrice: minor, quantity: z.number().int().min(1).optional() }),
    )
    .min(1),
  expenses: z
    .array(
      z.object({
        type: z.string(),
        name: z.string(),
        quantity: z.number().int().min(1).optional(),
        unitPrice: minor,
      }),
    )
    .optional(),
  form: z.boolean().optional(),
  paymentMethod: z.string().optional(),
  paymentMethodName: z.string().optional(),
  paymentMethodToken: z.string().optional(),
  customerReference: z.string().optional(),
});
const itemsSchema = z.object({ itemIds: z.array(z.number().int().positive()).min(1).optional() });

export interface ControlDeps {
  readonly book: OrderBook;
  readonly journal: Journal;
  readonly statusOf: (orderReference: string) => string | undefined;
  readonly paymentMethods: () => unknown[];
  readonly pollOnce: () => Promise<PollSummary>;
  /** The app configs the shop stored from app-events (none without the active-app filter). */
  readonly appConfigs: () => unknown[];
}

export function controlRoutes({
  book,
  journal,
  statusOf,
  paymentMethods,
  pollOnce,
  appConfigs,
}: ControlDeps) {
  const router = express.Router();
  router.use(express.json());

  const view = (order: ShopOrder) => ({
    orderReference: order.orderReference,
    grandTotal: order.grandTotal,
    currency: order.currency,
    status: statusOf(order.orderReference) ?? null,
    items: order.items.map(({ id, sku, unitPrice, quantity, state, history }) => ({
      id,
      sku,
      unitPrice,
      quantity,
      state,
      history,
    })),
    expenses: order.expenses,
    events: order.events,
    errors: order.errors,
    initialize: order.initialize ?? null,
    redirectUrl: order.redirectUrl ?? null,
  });
  const refuse = (res: Response, { ok: _ok, status, ...rest }: Refusal) => res.status(status).json(rest);
  const answer = (res: Response, result: OperationResult) =>
    result.ok ? res.json({ order: view(result.order), sent: result.sent ?? null }) : refuse(res, result);

  router.post('/_orders', async (req, res) => {
    const parsed = newOrderSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'invalid order', issues: issuesOf(parsed.error, 'body') });
      return;
    }
    const placed = await book.placeOrder(parsed.data);
    if ('ok' in placed) refuse(res, placed);
    else res.status(201).json(view(placed));
  });
  router.get('/_orders', (_req, res) => res.json([...book.orders.values()].map(view)));
  router.get('/_orders/:ref', (req, res) => {
    const order = book.orders.get(req.params.ref);
    if (order) res.json(view(order));
    else res.status(404).json({ error: `no order ${req.params.ref}` });
  });

  const itemIdsOf = (body: unknown, res: Response) => {
    const parsed = itemsSchema.safeParse(body ?? {});
    if (parsed.success) return { itemIds: parsed.data.itemIds };
    res.status(400).json({ error: 'invalid itemIds', issues: issuesOf(parsed.error, 'body') });
    return undefined;
  };
  for (const operation of ['capture', 'refund', 'cancel'] as const satisfies readonly Operation[]) {
    router.post(`/_orders/:ref/${operation}`, async (req, res) => {
      const input = itemIdsOf(req.body, res);
      if (input) answer(res, await book.operate(req.params.ref, operation, input.itemIds));
    });
  }
  // The manual `confirm payment refund`: `payment refund succeeded` → `payment refunded`, nothing sent.
  router.post('/_orders/:ref/confirm-refund', (req, res) => {
    const input = itemIdsOf(req.body, res);
    if (input) answer(res, book.fire(req.params.ref, 'confirm payment refund', input.itemIds));
  });

  router.get('/_messages', (_req, res) =>
    res.json({
      sent: journal.sent,
      received: journal.received,
      undecodable: journal.undecodable,
      duplicates: journal.duplicates,
      acks: journal.acks,
      errors: journal.errors,
      warnings: journal.warnings,
    }),
  );
  router.get('/_payment-methods', (_req, res) => res.json(paymentMethods()));
  router.get('/_app-configs', (_req, res) => res.json(appConfigs()));
  router.post('/_poll', async (_req, res) => res.json(await pollOnce()));
  return router;
}
