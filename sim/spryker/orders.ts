import { randomUUID } from 'node:crypto';
import type { BusAnswer, BusClient } from './bus';
import { now, transportError, type Journal, type SentRecord } from './journal';
import type { AppConfigStore } from './appConfigs';
import { commandAttributes, serializeMessage } from './messageBroker';
import {
  BLOCKING_STATES,
  CAPTURED_STATES,
  OMS_EVENTS,
  OMS_STATES,
  OPERATIONS,
  REFUSED_STATES,
  pathToReady,
  type Operation,
  type OmsState,
} from './oms';

/**
 * The shop's orders and the back-office side of its OMS: placing an order (with the payment app's
 * initialize-payment call at checkout) and starting a capture, refund or cancellation, whose onEnter command
 * sends CapturePayment, RefundPayment or CancelPayment (spryker/sales-payment MessageEmitter).
 */

export interface HistoryEntry {
  readonly state: string;
  /** The OMS event or condition that moved the item here. */
  readonly cause: string;
  readonly at: string;
}

export interface ShopItem {
  readonly id: number;
  readonly sku: string;
  readonly unitPrice: number;
  readonly quantity: number;
  state: OmsState;
  history: HistoryEntry[];
}

export interface Expense {
  readonly type: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPrice: number;
}

export interface OrderEvent {
  readonly MessageId: string;
  readonly name: string;
  readonly body: Record<string, unknown>;
  /** Event mode: the items the OMS event moved; the others it listed had no such event in their state. */
  readonly moved?: { id: number; from: string; to: string }[];
  readonly at: string;
}

export interface ShopOrder {
  readonly orderReference: string;
  readonly currency: string;
  readonly grandTotal: number;
  readonly items: ShopItem[];
  readonly expenses: Expense[];
  readonly events: OrderEvent[];
  /** Commands whose POST failed; the items went back to where they were. */
  readonly errors: { operation: Operation; status?: number; body?: unknown; error?: string; at: string }[];
  initialize?: BusAnswer | { error: string };
  /** Page mode: the payment page initialize-payment answered, where the shop redirects its customer. */
  redirectUrl?: string;
}

export interface NewOrder {
  readonly orderReference?: string;
  readonly currency: string;
  readonly items: readonly { sku: string; unitPrice: number; quantity?: number }[];
  readonly expenses?: readonly { type: string; name: string; quantity?: number; unitPrice: number }[];
  readonly form?: boolean;
  readonly paymentMethod?: string;
  readonly paymentMethodName?: string;
  /** A payment method token the shop collected itself (additionalPaymentData): Settle authorizes with it. */
  readonly paymentMethodToken?: string;
  readonly customerReference?: string;
}

/** A refusal or failure of a control call, with the HTTP status the control API answers. */
export interface Refusal {
  readonly ok: false;
  readonly status: 400 | 404 | 409 | 502;
  readonly error: string;
  readonly [detail: string]: unknown;
}

export type OperationResult =
  { readonly ok: true; readonly order: ShopOrder; readonly sent?: SentRecord } | Refusal;

export type OrderBook = ReturnType<typeof createOrderBook>;

export function createOrderBook({
  bus,
  journal,
  tenant,
  legacyRefunds = false,
  appConfigs,
  shopUrl = () => 'https://shop.example',
}: {
  bus: BusClient;
  journal: Journal;
  tenant: string;
  /** RefundPayment as sales-payment ≤ 1.7.0 sends it: orderItemIds only, no orderItems. */
  legacyRefunds?: boolean;
  /** The active-app filter's store; absent: every command is sent. */
  appConfigs?: AppConfigStore;
  /** The storefront's (Yves') base URL, where the payment page sends the customer back (storefront.ts). */
  shopUrl?: () => string;
}) {
  const orders = new Map<string, ShopOrder>();
  const items = new Map<number, { item: ShopItem; order: ShopOrder }>();
  let nextItemId = 1;
  let nextOrder = 1;
  const runId = randomUUID().slice(0, 8);

  function move(item: ShopItem, to: OmsState, cause: string) {
    item.state = to;
    item.history.push({ state: to, cause, at: now() });
  }

  async function placeOrder(input: NewOrder): Promise<ShopOrder | Refusal> {
    // Unique across runs: Settle keeps the payments of earlier runs against the same tenant.
    const orderReference = input.orderReference ?? `DE--${runId}-${nextOrder++}`;
    if (orders.has(orderReference)) {
      return { ok: false, status: 409, error: `order ${orderReference} exists already` };
    }
    // The shop splits a line of quantity n into n order items of quantity 1, each with its own id.
    const orderItems: ShopItem[] = input.items.flatMap((line) =>
      Array.from({ length: line.quantity ?? 1 }, () => ({
        id: nextItemId++,
        sku: line.sku,
        unitPrice: line.unitPrice,
        quantity: 1,
        state: OMS_STATES.new,
        history: [{ state: OMS_STATES.new, cause: 'order placed', at: now() }],
      })),
    );
    const expenses = (input.expenses ?? []).map((e) => ({ ...e, quantity: e.quantity ?? 1 }));
    const grandTotal = sum(orderItems.map((i) => i.unitPrice)) + expensesTotal(expenses);
    const order: ShopOrder = {
      orderReference,
      currency: input.currency,
      grandTotal,
      items: orderItems,
      expenses,
      events: [],
      errors: [],
    };
    orders.set(orderReference, order);
    for (const item of orderItems) {
      items.set(item.id, { item, order });
      move(item, OMS_STATES.pending, 'created');
    }

    const payload = {
      orderData: {
        orderReference,
        currencyCode: input.currency,
        grandTotal,
        priceMode: 'GROSS_MODE',
        storeName: 'DE',
        localeName: 'en_US',
        customerReference: input.customerReference,
        paymentMethod: input.paymentMethod,
        paymentMethodName: input.paymentMethodName,
        ...(input.paymentMethodToken
          ? { additionalPaymentData: { paymentMethodToken: input.paymentMethodToken } }
          : {}),
        items: orderItems.map((i) => ({
          idSalesOrderItem: i.id,
          sku: i.sku,
          quantity: i.quantity,
          unitPrice: i.unitPrice,
        })),
        expenses: expenses.length > 0 ? expenses : undefined,
      },
      // PaymentConfig's routes under the locale's language (spryker/payment generatePaymentRedirectUrl).
      redirectSuccessUrl: `${shopUrl()}/en/payment/order-success`,
      redirectCancelUrl: `${shopUrl()}/en/payment/order-cancel?orderReference=${encodeURIComponent(orderReference)}`,
      checkoutSummaryPageUrl: `${shopUrl()}/en/checkout/summary`,
    };
    const request = bus.initializeRequest(payload, input.form === true);
    const record: SentRecord = { target: 'private/initialize-payment', ...request, at: now() };
    journal.sent.push(record);
    try {
      const answer = await bus.initializePayment(request);
      Object.assign(record, { status: answer.status, answer: answer.body });
      order.initialize = answer;
      // Page mode: the checkout marks the response an external redirect to the app's page (ForeignPayment).
      const answered = (answer.body ?? {}) as { isSuccessful?: unknown; redirectUrl?: unknown };
      if (answer.status === 200 && answered.isSuccessful === true && typeof answered.redirectUrl === 'string')
        order.redirectUrl = answered.redirectUrl;
    } catch (error) {
      record.error = transportError(error);
      order.initialize = { error: record.error };
    }
    return order;
  }

  /**
   * The items a back-office action names (default: every item of the order that can take it); refused when
   * one of them cannot, as the OMS has no such event in its state.
   */
  function select(
    orderReference: string,
    itemIds: number[] | undefined,
    what: string,
    canTake: (state: OmsState) => boolean,
  ): { order: ShopOrder; chosen: ShopItem[] } | Refusal {
    const order = orders.get(orderReference);
    if (!order) return { ok: false, status: 404, error: `no order ${orderReference}` };
    const unknown = (itemIds ?? []).filter((id) => !order.items.some((i) => i.id === id));
    if (unknown.length > 0)
      return { ok: false, status: 400, error: 'items not in this order', itemIds: unknown };
    const chosen = order.items.filter((i) => (itemIds ? itemIds.includes(i.id) : canTake(i.state)));
    const stuck = chosen.filter((i) => !canTake(i.state));
    if (chosen.length === 0 || stuck.length > 0) {
      return {
        ok: false,
        status: 409,
        code: 'invalid-state',
        error: `no ${what} from the items' states`,
        items: (stuck.length > 0 ? stuck : order.items).map((i) => ({ id: i.id, state: i.state })),
      };
    }
    return { order, chosen };
  }

  /**
   * Starts an operation for the items (default: every item of the order that can take it). As the OMS does,
   * the items pass through the ready state to the pending one and the onEnter command sends the message; if
   * the command throws (the order is blocked, or Settle answers non-2xx) the transaction rolls back and the
   * items stay where they were.
   */
  async function operate(
    orderReference: string,
    operation: Operation,
    itemIds?: number[],
  ): Promise<OperationResult> {
    const selected = select(orderReference, itemIds, operation, (state) => !!pathToReady(state, operation));
    if ('ok' in selected) return selected;
    const { order, chosen } = selected;
    if (operation !== 'cancel') {
      const blocking = order.items.filter((i) => BLOCKING_STATES.includes(i.state));
      if (blocking.length > 0) {
        const what = operation === 'capture' ? 'Capture' : 'Refund';
        return {
          ok: false,
          status: 409,
          code: 'event-execution-forbidden',
          error: `${what} can't be processed at this moment. OrderReference: ${orderReference}`,
          items: blocking.map((i) => ({ id: i.id, state: i.state })),
        };
      }
    }

    const message = commandMessage(order, operation, chosen, legacyRefunds);
    const snapshot = chosen.map((i) => ({ item: i, state: i.state, history: i.history.length }));
    // The items move before the message goes out, so an answer that arrives while the POST is in flight finds them pending.
    for (const item of chosen) {
      for (const step of pathToReady(item.state, operation)!) move(item, step.state, step.event);
      move(item, OPERATIONS[operation].pending, OPERATIONS[operation].start);
    }
    // The emitter sends nothing for an amount of zero or less; the items wait in the pending state.
    const toMove = operation === 'refund' ? -message.amount : message.amount;
    if (operation !== 'cancel' && toMove <= 0) return { ok: true, order };

    const attributes = commandAttributes(message.name, tenant, bus.credentials.token('bus'));
    const { name: _name, ...fields } = message;
    const wire = serializeMessage({ ...fields, messageAttributes: attributes });
    const record: SentRecord = { target: 'payment-commands', name: message.name, ...wire, at: now() };
    journal.sent.push(record);
    // No active app config lists payment-commands: the broker's middleware logs a warning and sends nothing,
    // and the items wait in the pending state as if it had gone out (message-broker AddChannelNameStampMiddleware).
    if (appConfigs && !appConfigs.channelForSending('payment-commands')) {
      record.dropped = 'Could not map message to channel name';
      journal.noteWarning({ what: record.dropped, messageName: message.name });
      return { ok: true, order, sent: record };
    }
    let failure: { status?: number; body?: unknown; error?: string } | undefined;
    try {
      const answer = await bus.send('payment-commands', wire);
      Object.assign(record, { status: answer.status, answer: answer.body });
      if (answer.status < 200 || answer.status >= 300) failure = { status: answer.status, body: answer.body };
    } catch (error) {
      record.error = transportError(error);
      failure = { error: record.error };
    }
    if (failure) {
      for (const { item, state, history } of snapshot) {
        if (item.state !== OPERATIONS[operation].pending) continue;
        item.state = state;
        item.history.length = history;
      }
      order.errors.push({ operation, ...failure, at: now() });
      return {
        ok: false,
        status: 502,
        error: `${message.name} was not accepted`,
        settle: failure,
        sent: record,
      };
    }
    return { ok: true, order, sent: record };
  }

  /** A manual back-office event that sends nothing, e.g. `confirm payment refund`. */
  function fire(orderReference: string, event: string, itemIds?: number[]): OperationResult {
    const transitions = OMS_EVENTS[event] ?? {};
    const selected = select(orderReference, itemIds, event, (state) => !!transitions[state]);
    if ('ok' in selected) return selected;
    const { order, chosen } = selected;
    for (const item of chosen) move(item, transitions[item.state]!, event);
    return { ok: true, order };
  }

  return {
    orders,
    itemById: (id: number) => items.get(id),
    move,
    placeOrder,
    operate,
    fire,
  };
}

function commandMessage(order: ShopOrder, operation: Operation, chosen: ShopItem[], legacyRefunds: boolean) {
  const orderItemIds = chosen.map((i) => i.id);
  const base = { orderReference: order.orderReference, orderItemIds, currencyIsoCode: order.currency };
  const itemsTotal = sum(chosen.map((i) => i.unitPrice * i.quantity));
  switch (operation) {
    case 'capture': {
      // CaptureAmountCalculator: the expenses ride along until any item has ever been captured.
      const everCaptured = order.items.some((i) =>
        i.history.some((h) => CAPTURED_STATES.includes(h.state as OmsState)),
      );
      return {
        name: 'CapturePayment',
        ...base,
        amount: itemsTotal + (everCaptured ? 0 : expensesTotal(order.expenses)),
      };
    }
    case 'refund': {
      // RefundAmountCalculator: the expenses come back only with the last items, when every other item is refunded.
      const othersDone = order.items.every(
        (i) => orderItemIds.includes(i.id) || REFUSED_STATES.includes(i.state),
      );
      const amount = itemsTotal + (othersDone ? expensesTotal(order.expenses) : 0);
      return {
        name: 'RefundPayment',
        ...base,
        amount: -amount,
        // orderItems came with sales-payment 1.8.0 (commit 2ca7142).
        ...(legacyRefunds ? {} : { orderItems: chosen.map((i) => ({ orderItemId: i.id, sku: i.sku })) }),
      };
    }
    case 'cancel':
      return { name: 'CancelPayment', ...base, amount: 0 };
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function expensesTotal(expenses: readonly Expense[]): number {
  return sum(expenses.map((e) => e.unitPrice * e.quantity));
}
