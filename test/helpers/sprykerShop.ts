import type { ShopOrder } from '../../sim/spryker/orders';
import type { SprykerShopSimulator } from '../../sim/spryker/server';
import { eventually } from './temporal';

/** Polls the shop's worker until every listed item is in its state; answers the order then. */
export function reachStates(
  shop: SprykerShopSimulator,
  reference: string,
  states: Record<number, string>,
): Promise<ShopOrder> {
  return eventually(
    async () => {
      await shop.pollOnce();
      const order = shop.orders.get(reference)!;
      const now = Object.fromEntries(order.items.map((item) => [item.id, item.state]));
      return Object.entries(states).every(([id, state]) => now[Number(id)] === state) ? order : undefined;
    },
    60_000,
    `${reference} items in ${JSON.stringify(states)}`,
  );
}

/**
 * Places the tests' order (three items, 30 + 20 + 15 EUR, and 5 EUR shipping), checked out directly (the shop
 * sends its payment method token), and expects checkout to take it.
 */
export async function placeThreeItems(
  shop: SprykerShopSimulator,
  orderReference: string,
  extra: object = {},
): Promise<ShopOrder> {
  const order = (await shop.placeOrder({
    paymentMethodToken: 'tok_visa',
    orderReference,
    currency: 'EUR',
    items: [
      { sku: 'A', unitPrice: 3000 },
      { sku: 'B', unitPrice: 2000 },
      { sku: 'C', unitPrice: 1500 },
    ],
    expenses: [{ type: 'SHIPMENT_EXPENSE_TYPE', name: 'Standard', unitPrice: 500 }],
    ...extra,
  })) as ShopOrder;
  expect(order.initialize).toEqual({ status: 200, body: { isSuccessful: true } });
  return order;
}

/** The events the shop received for an order, each with its body's fields. */
export function eventsOf(order: ShopOrder): Record<string, unknown>[] {
  return order.events.map(({ name, body }) => ({ name, ...(body as object) }));
}
