import { z } from 'zod';

/**
 * The Deity door's wire format, in one place. Deity's public documents (deity-io/falcon-platform-docs) give the
 * client endpoints' paths (its payment-flow diagrams), the place-order statuses, the token
 * `<serviceUser>:<serviceToken>` and Falcon Payments' types (PaymentLoadPayload, PaymentMethodInstance,
 * PaymentValidationPayload, PaymentValidationResult, OrderWebhookResult, the PAYMENT_STATUS_UPDATED event), but
 * not the HTTP methods, the REST bodies, the base path or the exchange names: those are Settle's proposal
 * (docs/front-doors.md says which is which), kept here so that they are easy to correct. Amounts are numbers in
 * major units, as Falcon's types have them.
 */

/**
 * The base path of the client endpoints unless DEITY_BASE_PATH says otherwise. Inferred: Deity's provider webhook
 * URLs are under `/api` on the region host, whose root serves the Swagger UI.
 */
export const DEFAULT_BASE_PATH = '/api';

/** The client endpoints' paths under the base, as Deity's payment-flow diagrams draw them. */
export const CLIENT_PATHS = {
  /** loadMethodList. */
  methodList: '/payment-methods',
  /** loadMethod: `/payment-methods/[provider]/[method]`. */
  method: '/payment-methods/:provider/:method',
  /** validate, "Place Order". */
  payment: '/payment',
  /** The update after the redirect: `/payment/[shopOrderId]`. */
  paymentUpdate: '/payment/:shopOrderId',
  /** sendOrderUpdate over REST: Settle's proposal (Deity draws order updates on its message queue). */
  orderUpdates: '/order-updates',
} as const;

/** A client endpoint's path under `base` (`/` puts them at the root). */
export const clientPath = (base: string, path: string) => (base === '/' ? path : `${base}${path}`);

/** The durable topic exchange the status events go to, and the routing key of a profile's events. */
export const EVENTS_EXCHANGE = 'dpsg.events';
export const eventRoutingKey = (serviceUser: string) => `${serviceUser}.payment.status_updated`;
/** The queue Settle declares for each profile, bound to all of its routing keys. */
export const profileQueue = (serviceUser: string) => `dpsg.${serviceUser}`;
export const profileBinding = (serviceUser: string) => `${serviceUser}.#`;
export const STATUS_EVENT = 'PAYMENT_STATUS_UPDATED';

/**
 * The statuses an event carries: Falcon's PaymentStatus (open, canceled, pending, authorized, expired, failed,
 * paid) and `refunded`, which Deity's usage pages test for. Settle adds `partially_refunded` (a handler testing
 * `status === 'refunded'` must not take part of a refund for all of it) and `refund_failed` (Deity's refund
 * flow reports failed refunds on the queue, in no published word).
 */
export const PAYMENT_STATUSES = [
  'open',
  'pending',
  'authorized',
  'paid',
  'refunded',
  'partially_refunded',
  'refund_failed',
  'canceled',
  'expired',
  'failed',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

const orderId = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[\p{L}\p{N}_.\-/#]+$/u, 'letters, digits and _ . - / # only');
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');
/** An address of the shop's that the customer's browser is sent to: http(s) only. */
const shopUrl = z.string().max(2000).refine(isHttpUrl, 'an http(s) URL');
/** A major-unit amount; the door converts it exactly (domain/money.ts), or refuses it. */
const majorAmount = z.number().nonnegative().finite();

const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 code such as DE');

/**
 * Falcon's PaymentLoadPayload: what the shop knows of the cart when it asks for methods. `total` is the cart's
 * grand total before the payment surcharge; `isStorable` asks for the methods that can be stored only.
 */
export const paymentLoadPayloadSchema = z.looseObject({
  id: orderId,
  total: majorAmount,
  currency,
  email: z.string().max(320).optional(),
  country,
  customerId: z.string().max(120).optional(),
  isStorable: z.boolean().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

/** The same payload as the query of a GET (`?id=…&total=12.5&currency=EUR&country=DE`). */
export const paymentLoadQuerySchema = z.object({
  // Copies (describe() makes one): each parameter is documented on its own, apart from the payload's schema.
  id: orderId.describe("The cart's (or order's) id."),
  total: z
    .string()
    .regex(/^(0|[1-9]\d{0,14})(\.\d{1,10})?$/, 'a non-negative decimal number such as 12.5')
    .transform(Number)
    .describe("The cart's grand total before the payment surcharge, major units."),
  currency: currency.describe('ISO 4217.'),
  country: country.describe('The billing country, ISO 3166 alpha-2.'),
  email: z.string().max(320).optional(),
  customerId: z.string().max(120).optional(),
  isStorable: z
    .enum(['true', 'false'])
    .transform((text) => text === 'true')
    .optional(),
});

/** Falcon's PaymentMethodInstance, with the method's title and the surcharge it adds to this order. */
export const paymentMethodInstanceSchema = z.object({
  provider: z.string(),
  method: z.string(),
  title: z.string().optional(),
  surcharge: z
    .object({
      /** What the method adds in all, major units. */
      amount: z.number(),
      fixed: z.number().optional(),
      percentage: z.number().optional(),
    })
    .optional(),
  config: z.record(z.string(), z.unknown()).optional(),
});
export const methodListSchema = z.object({ items: z.array(paymentMethodInstanceSchema) });

const item = z.looseObject({
  id: z.union([z.string().min(1).max(120), z.number().int().nonnegative()]),
  sku: z.string().max(255).optional(),
  quantity: z.number().int().positive().max(100_000),
  /** The unit price, major units. */
  price: majorAmount,
});

/** Falcon's PaymentValidationPayload, with the method the customer chose. */
export const validatePayloadSchema = z.looseObject({
  id: orderId,
  currency,
  /** `surcharge`: the payment surcharge included in the grand total, if the shop added one. */
  total: z.looseObject({
    grandTotal: majorAmount,
    shipping: majorAmount.optional(),
    surcharge: majorAmount.optional(),
  }),
  /** Its country is the one the method must take, when given. */
  billingAddress: z.looseObject({ country: country.optional() }).optional(),
  items: z.array(item).min(1).max(1000),
  email: z.string().max(320).optional(),
  locale: z.string().max(20).optional(),
  customerId: z.string().max(120).optional(),
  provider: z.string().min(1).max(40),
  method: z.string().min(1).max(40),
  /**
   * Settle's proposal (Deity documents no field for it; its module builds the address from `redirectBaseUrl`):
   * where the customer's browser comes back to the shop after the payment page or a 3-D Secure step, whatever
   * the outcome; the shop then asks the order's status with the post-redirect update.
   */
  returnUrl: shopUrl.optional(),
  /** Settle's proposal: where a customer whose payment failed or who gave up comes back; returnUrl unless given. */
  cancelUrl: shopUrl.optional(),
});

/**
 * The place-order statuses (Deity's payment flow): complete (authorized), redirect (the customer has a step:
 * the payment page, 3-D Secure — intermediateStep), incomplete (accepted, not final: the status event follows),
 * failed (declined).
 */
export const PLACE_ORDER_STATUSES = ['complete', 'redirect', 'incomplete', 'failed'] as const;

/** Falcon's PaymentValidationResult, with the order's id and status. */
export const validateAnswerSchema = z.object({
  /** The provider's transaction id, once there is one. */
  id: z.string().optional(),
  orderId: z.string(),
  status: z.enum(PLACE_ORDER_STATUSES),
  reason: z.string().optional(),
  intermediateStep: z
    .object({
      url: z.string(),
      method: z.enum(['GET', 'POST']),
      fields: z.array(z.object({ name: z.string(), value: z.string().optional() })).optional(),
    })
    .optional(),
});

const refundItem = z.looseObject({
  type: z.enum(['product', 'shipping', 'surcharge', 'discount']),
  id: z.union([z.string().min(1).max(120), z.number().int().nonnegative()]).optional(),
  amount: z.string().optional(),
  quantity: z.number().int().positive().optional(),
});

/** Falcon's OrderWebhookResult: a shipment, a refund or a cancellation of the order. */
export const orderUpdateSchema = z.looseObject({
  provider: z.string().min(1).max(40),
  method: z.string().max(40).optional(),
  orderId,
  status: z.enum(['shipped', 'tracking_added', 'refunded', 'canceled']),
  additionalData: z
    .looseObject({
      shippingData: z
        .looseObject({
          items: z
            .array(
              z.looseObject({
                id: z.union([z.string().min(1), z.number().int().nonnegative()]),
                quantity: z.number().int().positive().optional(),
              }),
            )
            .max(1000),
        })
        .optional(),
      refundData: z
        .looseObject({
          amount: z.string().max(30).optional(),
          currency: currency.optional(),
          items: z.array(refundItem).max(1000).optional(),
        })
        .optional(),
    })
    .optional(),
});

export const updateAcceptedSchema = z.object({
  accepted: z.literal(true),
  /** The payment command workflow that carries the update out; none for an update that moves no money. */
  updateId: z.string().optional(),
});

/**
 * The PAYMENT_STATUS_UPDATED event's body: Deity's PaymentStatusUpdatedEventPayload {status, orderId,
 * shopOrderId, gatewayOrderId, payload}.
 */
export interface StatusEventBody {
  readonly event: typeof STATUS_EVENT;
  /** The payment service's (Settle's) id of the order's payment: its order payment workflow's id. */
  readonly orderId: string;
  /** The shop's order id, as the shop placed the order. */
  readonly shopOrderId: string;
  /** The provider's id of the payment, once it has one. */
  readonly gatewayOrderId?: string;
  readonly status: PaymentStatus;
  readonly payload: {
    readonly paymentId?: string;
    readonly provider: string;
    readonly method: string;
    /** The amount the status is about, major units. */
    readonly amount: number;
    readonly currency: string;
    readonly reason?: string;
  };
}

/** Checked by hand rather than as a `uri` format, which the published OpenAPI document's validators may not know. */
function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Settle's proposal for a payment error (Deity's module turns payment errors into its `Events.ERROR`): a
 * declined authorization, capture, refund or cancel, and an order update Settle parked. Beside, never instead
 * of, the status event of a declined command.
 */
export const ERROR_EVENT = 'PAYMENT_ERROR';
export const errorRoutingKey = (serviceUser: string) => `${serviceUser}.payment.error`;

/** Why a payment errored, in a word the shop can branch on. */
export const PAYMENT_ERROR_CODES = [
  /** The provider declined the authorization, capture, refund or cancel. */
  'declined',
  /** An order update Settle parked instead of carrying it out (PARKED_REASONS in parked.ts). */
  'update_parked',
] as const;

export interface ErrorEventBody {
  readonly event: typeof ERROR_EVENT;
  /** As in the status event; absent when the error names no order Settle knows. */
  readonly orderId?: string;
  readonly shopOrderId?: string;
  readonly gatewayOrderId?: string;
  readonly error: {
    readonly code: (typeof PAYMENT_ERROR_CODES)[number];
    readonly message: string;
    /** The status the error left the payment in, when it changed one. */
    readonly status?: PaymentStatus;
  };
}

/**
 * Order updates over RabbitMQ (Settle's proposal; Deity names no exchange or queue): the shop publishes each
 * OrderWebhookResult, persistent, to the durable topic exchange `dpsg.orders` with the routing key
 * `<serviceUser>.order.updated` and `user_id` set to its broker user; Settle declares and consumes one queue
 * per profile, and parks what it will not carry out on the profile's parked queue.
 */
export const ORDERS_EXCHANGE = 'dpsg.orders';
export const orderUpdateRoutingKey = (serviceUser: string) => `${serviceUser}.order.updated`;
export const orderUpdateQueue = (serviceUser: string) => `dpsg.${serviceUser}.orders`;
/** The exchange Settle alone publishes parked messages to, and each profile's queue of them. */
export const PARKED_EXCHANGE = 'dpsg.parked';
export const parkedQueue = (serviceUser: string) => `dpsg.${serviceUser}.orders.parked`;
/** The message type (AMQP `type` property) a shop may set: the Falcon event that triggers an update. */
export const ORDER_UPDATE_TYPE = 'ORDER_STATUS_UPDATED';
