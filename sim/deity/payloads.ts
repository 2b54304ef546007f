import {
  itemLines,
  majorNumber,
  type OrderUpdateStatus,
  type PaymentMethodChoice,
  type ShopOrder,
} from './shopOrder';

/**
 * The bodies the shop sends, in Falcon's types: PaymentLoadPayload for the method list and a method,
 * PaymentValidationPayload plus the chosen method for validate, OrderWebhookResult for an order update.
 * Totals and prices are major-unit numbers; refund amounts major-unit strings.
 */

type Draft = Omit<
  ShopOrder,
  | 'method'
  | 'methodList'
  | 'validate'
  | 'status'
  | 'statusHistory'
  | 'updates'
  | 'refundedMinor'
  | 'paymentUpdates'
>;

export function loadPayload(order: Draft) {
  return {
    id: order.id,
    total: majorNumber(order.totalMinor, order.currency),
    currency: order.currency,
    email: order.email,
    country: order.country,
  };
}

/**
 * The validate payload. `returnUrl`: the shop's page the customer comes back to after a redirect (Settle's
 * proposal: Deity's module builds it from its `redirectBaseUrl`, and documents no field for it).
 */
export function validationPayload(
  order: Draft,
  { provider, method }: PaymentMethodChoice,
  returnUrl?: string,
) {
  const major = (minor: number) => majorNumber(minor, order.currency);
  const itemsMinor = order.items.reduce((sum, item) => sum + item.priceMinor * item.quantity, 0);
  const address = {
    firstname: 'Test',
    lastname: 'Customer',
    street: ['1 Shop Street'],
    postcode: '10115',
    city: 'Berlin',
    country: order.country,
  };
  return {
    id: order.id,
    orderReference: order.id,
    currency: order.currency,
    total: {
      subtotal: major(itemsMinor),
      shipping: major(order.shippingMinor),
      grandTotal: major(order.totalMinor),
    },
    items: itemLines(order.items, order.currency),
    email: order.email,
    billingAddress: address,
    shippingAddress: address,
    locale: 'en-GB',
    provider,
    method,
    ...(returnUrl ? { returnUrl } : {}),
  };
}

export function orderUpdate(order: ShopOrder, status: OrderUpdateStatus, additionalData?: object) {
  return {
    provider: order.method.provider,
    method: order.method.method,
    orderId: order.id,
    status,
    ...(additionalData ? { additionalData } : {}),
  };
}
