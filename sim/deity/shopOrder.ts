import { formatMoney } from '../../domain/money';
import type { CustomerChoice } from '../customer';
import type { DpsgAnswer } from './client';

/** A Deity shop's order as the simulator keeps it: amounts in minor units, statuses as the events brought them. */

export interface ShopItem {
  /** The order line's id, which shipments and refunds name. */
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly priceMinor: number;
}

export interface PaymentMethodChoice {
  readonly provider: string;
  readonly method: string;
  readonly title?: string;
  /** What the method adds to the order, major units. */
  readonly surcharge?: { readonly amount: number; readonly fixed?: number; readonly percentage?: number };
  readonly config?: unknown;
}

export interface StatusEntry {
  readonly status: string;
  readonly messageId: string | null;
  readonly payload: unknown;
  readonly at: string;
}

export type OrderUpdateStatus = 'shipped' | 'refunded' | 'canceled';

export interface UpdateRecord {
  readonly status: OrderUpdateStatus;
  /** The OrderWebhookResult as sent. */
  readonly request: object;
  readonly answer: DpsgAnswer | { readonly error: string };
  readonly at: string;
}

/** The customer's way through the payment page, when the shop's scripted customer paid. */
export interface CustomerRecord {
  readonly choice: CustomerChoice;
  /** Where the customer ended (the shop's return page once Settle knew the outcome). */
  finalUrl?: string;
  visited?: readonly string[];
  /** Why the customer never got back. */
  error?: string;
}

/** The post-redirect update the shop sent when the customer came back, and Settle's answer. */
export interface PaymentUpdateRecord {
  readonly brought: Record<string, string>;
  readonly answer: DpsgAnswer | { readonly error: string };
  readonly at: string;
}

export interface ShopOrder {
  readonly id: string;
  readonly currency: string;
  readonly country: string;
  readonly email: string;
  readonly items: readonly ShopItem[];
  readonly shippingMinor: number;
  readonly totalMinor: number;
  /** The method list Settle answered for the cart, in its order. */
  readonly methodList: readonly PaymentMethodChoice[];
  readonly method: PaymentMethodChoice;
  /** Settle's answer to validate. */
  validate: DpsgAnswer;
  /** validate answered redirect: the scripted customer's journey, when one paid. */
  customer?: CustomerRecord;
  /** Each post-redirect update (`payment/:shopOrderId`) as the customer came back to the shop. */
  readonly paymentUpdates: PaymentUpdateRecord[];
  /** The latest PAYMENT_STATUS_UPDATED status, null until one came. */
  status: string | null;
  readonly statusHistory: StatusEntry[];
  readonly updates: UpdateRecord[];
  /** What the refunds Settle accepted asked for, so a refund without amount or items asks for the rest. */
  refundedMinor: number;
}

/** Minor units as the major-unit text Falcon's refund amounts carry: 4990 EUR → "49.90". */
export function majorText(minor: number, currency: string): string {
  const text = formatMoney({ minor, currency });
  return text.slice(0, text.length - currency.length - 1);
}

/** Minor units as the major-unit number Falcon's totals and prices are. */
export function majorNumber(minor: number, currency: string): number {
  return Number(majorText(minor, currency));
}

/** The order's lines as Falcon's PaymentProduct: price and row total in major units. */
export function itemLines(items: readonly ShopItem[], currency: string) {
  return items.map((item) => ({
    id: item.id,
    sku: item.sku,
    name: item.name,
    quantity: item.quantity,
    price: majorNumber(item.priceMinor, currency),
    rowTotal: majorNumber(item.priceMinor * item.quantity, currency),
  }));
}

/** The order as `GET /_orders/:id` shows it, amounts in major units as the shop sees them. */
export function orderView(order: ShopOrder) {
  const major = (minor: number) => majorNumber(minor, order.currency);
  return {
    id: order.id,
    currency: order.currency,
    country: order.country,
    email: order.email,
    total: major(order.totalMinor),
    shipping: major(order.shippingMinor),
    items: itemLines(order.items, order.currency),
    methodList: order.methodList,
    method: order.method,
    validate: order.validate,
    ...(order.customer ? { customer: order.customer } : {}),
    paymentUpdates: order.paymentUpdates,
    status: order.status,
    statusHistory: order.statusHistory,
    updates: order.updates,
  };
}

export type OrderView = ReturnType<typeof orderView>;
