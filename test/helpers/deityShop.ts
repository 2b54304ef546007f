import type { ShopOrder, StatusEntry } from '../../sim/deity/shopOrder';
import { eventually } from './temporal';

/**
 * Waits until the Deity shop simulator's order has heard `statuses` (PAYMENT_STATUS_UPDATED from RabbitMQ),
 * in order, and resolves with its status history; `detail` adds what helps when it never does.
 */
export function heardStatuses(
  order: ShopOrder,
  statuses: readonly string[],
  detail: () => string = () => '',
): Promise<StatusEntry[]> {
  const heard = () => order.statusHistory.map((entry) => entry.status);
  return eventually(
    async () => (JSON.stringify(heard()) === JSON.stringify(statuses) ? order.statusHistory : undefined),
    60_000,
    `${order.id} to hear ${statuses.join(', ')} (heard ${heard().join(', ')}${detail()})`,
  );
}

/** The order most tests place at the Deity shop simulator: two items and shipping, 55.00 EUR. */
export const TWO_ITEM_ORDER = {
  currency: 'EUR',
  country: 'DE',
  items: [
    { sku: 'A', price: 30 },
    { sku: 'B', price: 20 },
  ],
  shipping: 5,
} as const;
