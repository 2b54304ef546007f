import { randomUUID } from 'node:crypto';
import { InvalidAmountError, toMinorUnits } from '../../domain/money';
import { payOnPage, type CustomerChoice } from '../customer';
import type { DpsgAnswer, DpsgClient } from './client';
import { errorText, now } from './journal';
import { loadPayload, orderUpdate, validationPayload } from './payloads';
import {
  majorText,
  type OrderUpdateStatus,
  type PaymentMethodChoice,
  type ShopItem,
  type ShopOrder,
} from './shopOrder';

/**
 * The shop's orders: checkout (the method list, the chosen method, validate on "Place Order") and the
 * back-office's order updates (a shipment, a refund, a cancellation), each sent with sendOrderUpdate.
 */

export interface NewOrder {
  readonly id?: string;
  readonly currency: string;
  readonly country: string;
  readonly email?: string;
  /** Prices in major units, as the shop holds them. */
  readonly items: readonly { sku: string; price: number; quantity?: number; name?: string }[];
  readonly shipping?: number;
  /** The customer's choice; the first listed method when absent. */
  readonly method?: { provider: string; method: string };
  /**
   * When validate answers redirect: the shop's scripted customer pays on the page so (3-D Secure passed, failed
   * or abandoned, ...) and comes back to the shop. Without it the redirect URL waits for a customer's browser.
   */
  readonly customer?: CustomerChoice;
}

export interface RefundRequest {
  /** Major units. */
  readonly amount?: string;
  readonly items?: readonly RefundItemRequest[];
}

export interface RefundItemRequest {
  readonly type?: 'product' | 'shipping' | 'surcharge' | 'discount';
  readonly id?: string;
  readonly quantity?: number;
  readonly amount?: string;
}

/** A refusal of a control call, with the HTTP status the control API answers. */
export interface Refusal {
  readonly ok: false;
  readonly status: number;
  readonly error: string;
  readonly [detail: string]: unknown;
}

export type Placed = { readonly ok: true; readonly order: ShopOrder } | Refusal;
export type Updated = { readonly ok: true; readonly order: ShopOrder; readonly answer: DpsgAnswer } | Refusal;

export type OrderBook = ReturnType<typeof createOrderBook>;

export interface OrderBookOptions {
  readonly client: DpsgClient;
  /** How the back office sends its order updates: the client's REST call unless told (the queue). */
  readonly sendOrderUpdate?: (update: object) => Promise<DpsgAnswer>;
  /** The shop's own base URL, as customers' browsers reach it: its return page is under it. */
  readonly publicUrl?: string;
}

/** The shop's page a customer comes back to after a redirect. */
export const RETURN_PATH = '/checkout/return';

export function createOrderBook({
  client,
  publicUrl,
  sendOrderUpdate = client.sendOrderUpdate,
}: OrderBookOptions) {
  const returnUrlOf = (id: string) =>
    publicUrl ? `${publicUrl.replace(/\/+$/, '')}${RETURN_PATH}/${encodeURIComponent(id)}` : undefined;
  const orders = new Map<string, ShopOrder>();
  // Unique across runs: Settle keeps the orders of earlier runs against the same profile.
  const runId = randomUUID().slice(0, 8);
  let nextOrder = 1;

  /** One checkout call: Settle's answer when 2xx, else the refusal to pass on. */
  async function step(name: string, call: () => Promise<DpsgAnswer>): Promise<DpsgAnswer | Refusal> {
    try {
      const answer = await call();
      if (answer.status >= 200 && answer.status < 300) return answer;
      return {
        ok: false,
        status: answer.status,
        error: `${name} answered ${answer.status}`,
        step: name,
        settle: answer.body,
      };
    } catch (error) {
      return { ok: false, status: 502, error: `${name} got no answer: ${errorText(error)}`, step: name };
    }
  }

  async function placeOrder(input: NewOrder): Promise<Placed> {
    const id = input.id ?? `DEITY-${runId}-${nextOrder++}`;
    if (orders.has(id)) return { ok: false, status: 409, error: `order ${id} exists already` };
    const minor = amountsOf(input);
    if ('ok' in minor) return minor;
    const draft = {
      id,
      currency: input.currency,
      country: input.country,
      email: input.email ?? 'customer@shop.example',
      ...minor,
    };
    const payload = loadPayload(draft);

    const list = await step('loadMethodList', () => client.loadMethodList(payload));
    if ('ok' in list) return list;
    const listed = methodsOf(list.body);
    if (!listed)
      return {
        ok: false,
        status: 502,
        error: 'loadMethodList answered no list of methods',
        settle: list.body,
      };
    // The customer picks from the list, as the shop shows it: a method it left out cannot be chosen.
    const chosen = input.method
      ? listed.find(
          (item) => item.provider === input.method!.provider && item.method === input.method!.method,
        )
      : listed[0];
    if (!chosen) {
      const what = input.method
        ? `${input.method.provider}/${input.method.method} is not`
        : 'no payment method is';
      return { ok: false, status: 409, error: `${what} offered for the cart`, methods: listed };
    }

    const loaded = await step('loadMethod', () => client.loadMethod(chosen.provider, chosen.method, payload));
    if ('ok' in loaded) return loaded;
    const method = { ...(loaded.body as object), provider: chosen.provider, method: chosen.method };

    // A shop has its order before it validates: the authorized event may come before validate's answer.
    const order: ShopOrder = {
      ...draft,
      methodList: listed,
      method,
      validate: { status: 0, body: null },
      status: null,
      statusHistory: [],
      updates: [],
      paymentUpdates: [],
      refundedMinor: 0,
    };
    orders.set(id, order);
    const validate = await step('validate', () =>
      client.validate(validationPayload(draft, method, returnUrlOf(id))),
    );
    if ('ok' in validate) {
      orders.delete(id);
      return validate;
    }
    order.validate = validate;
    const redirect = redirectOf(validate.body);
    if (redirect && input.customer) await payAsCustomer(order, redirect, input.customer);
    return { ok: true, order };
  }

  /**
   * The customer sent to the redirect URL pays there as `choice` says and follows the provider and Settle back to
   * the shop's return page, which sends the post-redirect update. A customer who never got back (no return
   * page, or lost on the way) leaves the shop to ask itself.
   */
  async function payAsCustomer(order: ShopOrder, url: string, choice: CustomerChoice) {
    const record: NonNullable<ShopOrder['customer']> = { choice };
    order.customer = record;
    try {
      const journey = await payOnPage(url, { choice });
      Object.assign(record, { finalUrl: journey.finalUrl, visited: journey.visited });
    } catch (error) {
      record.error = errorText(error);
    }
    if (order.paymentUpdates.length === 0) await customerReturned(order.id, {});
  }

  /** The customer is back at the shop: the post-redirect update asks Settle the order's status. */
  async function customerReturned(id: string, brought: Record<string, string>): Promise<Updated> {
    const order = find(id);
    if ('ok' in order) return order;
    try {
      const answer = await client.updatePayment(id, brought);
      order.paymentUpdates.push({ brought, answer, at: now() });
      return { ok: true, order, answer };
    } catch (error) {
      const failure = { error: `the post-redirect update got no answer: ${errorText(error)}` };
      order.paymentUpdates.push({ brought, answer: failure, at: now() });
      return { ok: false, status: 502, ...failure };
    }
  }

  async function sendUpdate(order: ShopOrder, status: OrderUpdateStatus, additionalData?: object) {
    const request = orderUpdate(order, status, additionalData);
    try {
      const answer = await sendOrderUpdate(request);
      order.updates.push({ status, request, answer, at: now() });
      return { ok: true as const, order, answer };
    } catch (error) {
      const failure = { error: `sendOrderUpdate got no answer: ${errorText(error)}` };
      order.updates.push({ status, request, answer: failure, at: now() });
      return { ok: false as const, status: 502, ...failure };
    }
  }

  const find = (id: string): ShopOrder | Refusal =>
    orders.get(id) ?? { ok: false, status: 404, error: `no order ${id}` };

  /** A shipment of the items (default: every line in full): Settle captures what was shipped. */
  async function ship(id: string, items?: readonly { id: string; quantity?: number }[]): Promise<Updated> {
    const order = find(id);
    if ('ok' in order) return order;
    const unknown = (items ?? []).filter((i) => !lineOf(order, i.id));
    if (unknown.length > 0) return unknownItems(unknown);
    const shipped = items ?? order.items.map((i) => ({ id: i.id, quantity: i.quantity }));
    return sendUpdate(order, 'shipped', { shippingData: { items: shipped } });
  }

  /** A refund of the amount, or of the items, or else of what was not refunded yet. */
  async function refund(id: string, { amount, items }: RefundRequest): Promise<Updated> {
    const order = find(id);
    if ('ok' in order) return order;
    const unknown = (items ?? []).filter(
      (i) => i.id !== undefined && (i.type ?? 'product') === 'product' && !lineOf(order, i.id),
    );
    if (unknown.length > 0) return unknownItems(unknown);
    let lines: ReturnType<typeof refundLine>[] | undefined;
    let requested: number;
    try {
      lines = items?.map((item) => refundLine(order, item));
      requested =
        amount !== undefined
          ? toMinorUnits(amount, order.currency).minor
          : lines
            ? lines.reduce((sum, line) => sum + line.minor, 0)
            : order.totalMinor - order.refundedMinor;
    } catch (error) {
      if (error instanceof InvalidAmountError) return { ok: false, status: 400, error: error.message };
      throw error;
    }
    if (requested <= 0) return { ok: false, status: 409, error: `nothing left to refund on order ${id}` };
    const refundData = {
      // Without items the amount is the whole request; with items Settle adds theirs up unless one is given.
      ...(amount !== undefined || !lines ? { amount: majorText(requested, order.currency) } : {}),
      currency: order.currency,
      ...(lines ? { items: lines.map((line) => line.sent) } : {}),
    };
    const result = await sendUpdate(order, 'refunded', { refundData });
    if (result.ok && result.answer.status >= 200 && result.answer.status < 300)
      order.refundedMinor += requested;
    return result;
  }

  async function cancel(id: string): Promise<Updated> {
    const order = find(id);
    if ('ok' in order) return order;
    return sendUpdate(order, 'canceled');
  }

  /** A PAYMENT_STATUS_UPDATED event for the order; false when the shop has no such order. */
  function applyStatus(orderId: string, entry: ShopOrder['statusHistory'][number]): boolean {
    const order = orders.get(orderId);
    if (!order) return false;
    order.statusHistory.push(entry);
    order.status = entry.status;
    return true;
  }

  return { orders, placeOrder, customerReturned, ship, refund, cancel, applyStatus };
}

/** The order's lines and shipping in minor units; a refusal for an amount the currency cannot hold. */
function amountsOf(
  input: NewOrder,
): { items: ShopItem[]; shippingMinor: number; totalMinor: number } | Refusal {
  try {
    const items: ShopItem[] = input.items.map((line, index) => ({
      id: String(index + 1),
      sku: line.sku,
      name: line.name ?? line.sku,
      quantity: line.quantity ?? 1,
      priceMinor: toMinorUnits(line.price, input.currency).minor,
    }));
    const shippingMinor = toMinorUnits(input.shipping ?? 0, input.currency).minor;
    const totalMinor = items.reduce((sum, i) => sum + i.priceMinor * i.quantity, shippingMinor);
    return { items, shippingMinor, totalMinor };
  } catch (error) {
    if (error instanceof InvalidAmountError) {
      return { ok: false, status: 400, error: error.message };
    }
    throw error;
  }
}

/**
 * The methods of a loadMethodList answer, `{items: [{provider, method, title?, surcharge?, config?}]}`, or undefined
 * when it is not one.
 */
function methodsOf(body: unknown): PaymentMethodChoice[] | undefined {
  const items = (body as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return undefined;
  const valid = items.every((item: unknown) => {
    const { provider, method } = (item ?? {}) as Record<string, unknown>;
    return typeof provider === 'string' && typeof method === 'string';
  });
  return valid ? (items as PaymentMethodChoice[]) : undefined;
}

/** The redirect URL of a validate answer that is a redirect. */
function redirectOf(body: unknown): string | undefined {
  const answer = body as { status?: unknown; intermediateStep?: { url?: unknown } } | null;
  const url = answer?.intermediateStep?.url;
  return answer?.status === 'redirect' && typeof url === 'string' ? url : undefined;
}

function lineOf(order: ShopOrder, id: string): ShopItem | undefined {
  return order.items.find((item) => item.id === id);
}

function unknownItems(items: readonly { id?: string }[]): Refusal {
  return { ok: false, status: 400, error: 'items not in this order', items: items.map((i) => i.id) };
}

/** A refund item as the shop sends it: a product line's amount is its price times the quantity refunded. */
function refundLine(order: ShopOrder, item: RefundItemRequest) {
  const type = item.type ?? 'product';
  const line = type === 'product' && item.id !== undefined ? lineOf(order, item.id) : undefined;
  const quantity = item.quantity ?? line?.quantity;
  const minor =
    item.amount !== undefined
      ? toMinorUnits(item.amount, order.currency).minor
      : line
        ? line.priceMinor * (quantity ?? 1)
        : type === 'shipping'
          ? order.shippingMinor
          : 0;
  const sent = {
    type,
    ...(item.id !== undefined ? { id: item.id } : {}),
    ...(quantity !== undefined ? { quantity } : {}),
    amount: majorText(minor, order.currency),
  };
  return { minor, sent };
}
