import { commandAttributes, serializeMessage, type SerializedMessage } from '../sim/spryker/messageBroker';
import { splitLoad } from './shop';

/**
 * The Spryker load: orders placed at checkout (initialize-payment, JSON as Zed sends it), then captures and
 * refunds as the shop's message broker sends them to payment-commands. Each order is captured whole; the
 * first quarter of them is then refunded one item, so that of every 5 commands 4 are captures and 1 a refund.
 */

/** The shop the benchmark plays, configured as the stack's only Spryker tenant. */
export const SPRYKER_TENANT = 'bench-shop';
export const SPRYKER_TOKEN = 'bench-spryker-token-0001';

export const SPRYKER_MIX_DESCRIPTION =
  'capture 80 % (the whole order), refund 20 % (one item of a captured order); every operation settled by webhook';

const CURRENCY = 'EUR';
/** Two items and shipping: as large as the MIB payment model. */
const ITEMS = [
  { sku: 'SKU-1001', unitPrice: 3990 },
  { sku: 'SKU-2002', unitPrice: 1500 },
] as const;
const SHIPPING = 500;
const GRAND_TOTAL = ITEMS.reduce((sum, item) => sum + item.unitPrice, 0) + SHIPPING;

export interface SprykerOrder {
  readonly orderReference: string;
  readonly itemIds: readonly [number, number];
  /** The checkout's JSON body. */
  readonly checkout: Record<string, unknown>;
}

/** `count` commands of a phase: the orders they need (one capture each) and how many of them are refunded. */
export function sprykerLoad(prefix: string, count: number): { orders: SprykerOrder[]; refunds: number } {
  const { orders, refunds } = splitLoad(count);
  return { orders: Array.from({ length: orders }, (_, index) => sprykerOrder(prefix, index)), refunds };
}

function sprykerOrder(prefix: string, index: number): SprykerOrder {
  const orderReference = `${prefix}-${index}`;
  const itemIds = [2 * index + 1, 2 * index + 2] as const;
  return {
    orderReference,
    itemIds,
    checkout: {
      orderData: {
        orderReference,
        currencyCode: CURRENCY,
        grandTotal: GRAND_TOTAL,
        priceMode: 'GROSS_MODE',
        storeName: 'DE',
        localeName: 'en_US',
        customerReference: `customer-${index}`,
        items: ITEMS.map((item, at) => ({
          idSalesOrderItem: itemIds[at],
          sku: item.sku,
          quantity: 1,
          unitPrice: item.unitPrice,
        })),
        expenses: [{ type: 'SHIPMENT_EXPENSE_TYPE', name: 'Standard', quantity: 1, unitPrice: SHIPPING }],
        // Authorized server-side at the gateway simulator (a direct checkout): no customer on a page.
        additionalPaymentData: { paymentMethodToken: 'tok_visa' },
      },
      redirectSuccessUrl: `https://shop.example/payment/success?order=${orderReference}`,
      redirectCancelUrl: `https://shop.example/payment/cancel?order=${orderReference}`,
      checkoutSummaryPageUrl: 'https://shop.example/checkout/summary',
    },
  };
}

/** CapturePayment of the whole order: both items, the shipping with the first capture. */
export function captureOf(order: SprykerOrder): SerializedMessage {
  return serializeMessage({
    orderReference: order.orderReference,
    orderItemIds: [...order.itemIds],
    amount: GRAND_TOTAL,
    currencyIsoCode: CURRENCY,
    messageAttributes: commandAttributes('CapturePayment', SPRYKER_TENANT, SPRYKER_TOKEN),
  });
}

/** RefundPayment of the order's second item, negative as Spryker sends it. */
export function refundOf(order: SprykerOrder): SerializedMessage {
  const item = order.itemIds[1];
  return serializeMessage({
    orderReference: order.orderReference,
    orderItemIds: [item],
    orderItems: [{ orderItemId: item, sku: ITEMS[1].sku }],
    amount: -ITEMS[1].unitPrice,
    currencyIsoCode: CURRENCY,
    messageAttributes: commandAttributes('RefundPayment', SPRYKER_TENANT, SPRYKER_TOKEN),
  });
}
