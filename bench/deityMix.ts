import { splitLoad } from './shop';

/**
 * The Deity load: orders placed with `validate` (Falcon's PaymentValidationPayload, major units), then
 * shipments and refunds as order updates. Each order is shipped whole (a capture); the first quarter of them
 * is then refunded one item, so that of every 5 commands 4 are captures and 1 a refund.
 */

/** The shop the benchmark plays, configured as the stack's only Deity profile. */
export const DEITY_PROFILE = { serviceUser: 'bench:shop:bench', serviceToken: 'bench-deity-token-0001' };
const PROVIDER = 'gateway';
const METHOD = 'card';

/** DEITY_PROFILES for the stack: the benchmark's profile with one card method at the gateway. */
export const DEITY_PROFILES = JSON.stringify([
  // A payment method token: authorized server-side at the gateway simulator (a direct checkout).
  {
    ...DEITY_PROFILE,
    methods: [{ provider: PROVIDER, method: METHOD, currencies: ['EUR'], paymentMethod: 'tok_visa' }],
  },
]);

export const DEITY_MIX_DESCRIPTION =
  'shipment 80 % (the whole order, captured), refund 20 % (one item of a shipped order); every operation settled by webhook';

const CURRENCY = 'EUR';
/** Two items and shipping, as the Spryker orders: 39.90 + 15.00 + 5.00. */
const ITEMS = [
  { id: '1', sku: 'SKU-1001', price: 39.9 },
  { id: '2', sku: 'SKU-2002', price: 15 },
] as const;
const SHIPPING = 5;
const GRAND_TOTAL = 59.9;

export interface DeityOrder {
  /** The shop's order id. */
  readonly orderReference: string;
  /** The validate body. */
  readonly validate: Record<string, unknown>;
}

/** `count` commands of a phase: the orders they need (one shipment each) and how many of them are refunded. */
export function deityLoad(prefix: string, count: number): { orders: DeityOrder[]; refunds: number } {
  const { orders, refunds } = splitLoad(count);
  return { orders: Array.from({ length: orders }, (_, index) => deityOrder(prefix, index)), refunds };
}

function deityOrder(prefix: string, index: number): DeityOrder {
  const orderReference = `${prefix}-${index}`;
  return {
    orderReference,
    validate: {
      id: orderReference,
      currency: CURRENCY,
      total: { grandTotal: GRAND_TOTAL, shipping: SHIPPING },
      items: ITEMS.map((item) => ({ ...item, quantity: 1 })),
      email: `customer-${index}@shop.example`,
      customerId: `customer-${index}`,
      provider: PROVIDER,
      method: METHOD,
    },
  };
}

/** The whole order shipped: both items, the shipping with it. */
export function shipmentOf(order: DeityOrder): Record<string, unknown> {
  return {
    provider: PROVIDER,
    method: METHOD,
    orderId: order.orderReference,
    status: 'shipped',
    additionalData: { shippingData: { items: ITEMS.map((item) => ({ id: item.id, quantity: 1 })) } },
  };
}

/** The order's second item refunded. */
export function refundOf(order: DeityOrder): Record<string, unknown> {
  return {
    provider: PROVIDER,
    method: METHOD,
    orderId: order.orderReference,
    status: 'refunded',
    additionalData: {
      refundData: { currency: CURRENCY, items: [{ type: 'product', id: ITEMS[1].id, quantity: 1 }] },
    },
  };
}
