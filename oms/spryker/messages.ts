import { stableUuid } from '../../domain/fingerprint';
import { z } from 'zod';
import { MAX_MINOR_UNITS } from '../../domain/money';
import type { MoneyCommand } from '../../domain/orderPayment';

/**
 * Spryker's ACP payment messages as they travel on its message bus: the commands a shop sends, the events
 * and payment-method commands Settle hands out, and their attributes (Spryker's MessageAttributes transfer).
 */

/** The channels Settle serves as the shop's message bus. */
export const CHANNELS = ['payment-commands', 'payment-events', 'payment-method-commands'] as const;
export type Channel = (typeof CHANNELS)[number];
/** The channels a shop fetches from. */
export const OUTBOUND_CHANNELS = ['payment-events', 'payment-method-commands'] as const;
export type OutboundChannel = (typeof OUTBOUND_CHANNELS)[number];

/** Command names a shop sends, old ones included (they still deserialize), and what each asks Settle to do. */
export const COMMAND_NAMES: Readonly<Record<string, MoneyCommand>> = {
  CapturePayment: 'capture',
  CancelPayment: 'cancel',
  RefundPayment: 'refund',
  PaymentConfirmationRequested: 'capture',
  PaymentCancelReservationRequested: 'cancel',
  PaymentRefundRequested: 'refund',
};

/** Spryker sends integers; a number written as a string is taken too. */
const integer = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^-?\d+$/, 'an integer')
      .transform(Number),
  ])
  .pipe(
    z
      .number()
      .max(MAX_MINOR_UNITS, `too large: at most ${MAX_MINOR_UNITS} minor units`)
      .min(-MAX_MINOR_UNITS, `too large: at most ${MAX_MINOR_UNITS} minor units`)
      .int('an integer'),
  );
const itemId = z.union([z.number().int().positive(), z.string().regex(/^\d+$/, 'an item id')]);

const orderReference = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[\p{L}\p{N}_.\-/#]+$/u, 'letters, digits and _ . - / # only');
const currencyIsoCode = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');

const commandFields = {
  orderReference,
  orderItemIds: z.array(itemId).max(1000).optional(),
  amount: integer,
  currencyIsoCode,
};

export const capturePaymentSchema = z.looseObject({
  ...commandFields,
  orderItemIds: z.array(itemId).min(1).max(1000),
  amount: integer.pipe(z.number().positive('a capture amount is positive (minor units)')),
});
export const cancelPaymentSchema = z.looseObject({
  ...commandFields,
  amount: integer.pipe(z.literal(0, 'a cancel amount is 0: it releases the whole authorization')),
});
/**
 * RefundPayment names its items in `orderItems` since spryker/sales-payment 1.8.0 (commit 2ca7142, "ACP-2252");
 * a shop on 1.7.0 or older sends `orderItemIds` only (`Business/MessageEmitter/MessageEmitter.php::
 * sendRefundPaymentMessage`), with the same negative amount. Either names the items refunded.
 */
export const refundPaymentSchema = z
  .looseObject({
    ...commandFields,
    orderItems: z
      .array(z.looseObject({ orderItemId: itemId, sku: z.string().max(255).optional() }))
      .max(1000)
      .optional(),
    amount: integer.pipe(
      z.number().negative("a refund's amount is negative, as Spryker sends it (minor units)"),
    ),
  })
  .refine((refund) => (refund.orderItems?.length ?? 0) > 0 || (refund.orderItemIds?.length ?? 0) > 0, {
    path: ['orderItems'],
    message:
      'missing: a refund names its items in orderItems (or orderItemIds, as sales-payment ≤ 1.7.0 sends)',
  });

export const COMMAND_SCHEMAS = {
  capture: capturePaymentSchema,
  cancel: cancelPaymentSchema,
  refund: refundPaymentSchema,
} as const;

export type SprykerCommandBody = z.output<typeof capturePaymentSchema> & {
  readonly orderItems?: readonly { orderItemId: number | string; sku?: string }[];
};

/** The events Settle sends for a command's outcome. */
export const OUTCOME_EVENTS: Readonly<Record<MoneyCommand, { settled: string; declined: string }>> = {
  capture: { settled: 'PaymentCaptured', declined: 'PaymentCaptureFailed' },
  refund: { settled: 'PaymentRefunded', declined: 'PaymentRefundFailed' },
  cancel: { settled: 'PaymentCanceled', declined: 'PaymentCancellationFailed' },
};
export const AUTHORIZATION_EVENTS = { settled: 'PaymentAuthorized', declined: 'PaymentAuthorizationFailed' };

/** A message's attributes as the message bus hands them out (camelCase keys). */
export interface MessageAttributes {
  readonly name: string;
  readonly transferName: string;
  readonly event: string;
  readonly tenantIdentifier: string;
  readonly storeReference: string;
  readonly actorId: string;
  readonly emitter: string;
  readonly correlationId: string;
  readonly timestamp: string;
}

/** A message as the shop fetches it: its body is a JSON string, as Spryker's receiver decodes it. */
export interface BusMessage {
  readonly MessageId: string;
  readonly MessageBody: string;
  readonly MessageAttributes: MessageAttributes;
}

/** `Y-m-d\TH:i:s.u` in UTC, microseconds and no zone: the timestamp Spryker writes and compares as a PHP date. */
export function sprykerTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 23)}000`;
}

/** The same message always gets the same MessageId. */
export const messageIdOf = stableUuid;

export interface OutgoingMessage {
  readonly name: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly tenant: string;
  readonly appIdentifier: string;
  /** The correlation id of the command it answers, kept; a new one for a message of Settle's own. */
  readonly correlationId: string;
  /** The stable seed of its MessageId. */
  readonly seed: string;
  readonly at: Date;
}

/** A message Settle hands out, with the attributes a payment app sets on what it sends. */
export function busMessage({
  name,
  body,
  tenant,
  appIdentifier,
  correlationId,
  seed,
  at,
}: OutgoingMessage): BusMessage {
  return {
    MessageId: messageIdOf(seed),
    MessageBody: JSON.stringify(body),
    MessageAttributes: {
      name,
      transferName: name,
      event: name,
      tenantIdentifier: tenant,
      storeReference: tenant,
      actorId: appIdentifier,
      emitter: appIdentifier,
      correlationId,
      timestamp: sprykerTimestamp(at),
    },
  };
}

/** The attributes of a command as its headers carry them (Spryker sends them ucfirst and hyphenated). */
export interface IncomingAttributes {
  /** `Name`, else the deprecated `Transfer-Name` or `Event`. */
  readonly name?: string;
  /** `Tenant-Identifier`, else the deprecated `Store-Reference`. */
  readonly tenant?: string;
  readonly correlationId?: string;
  readonly actorId?: string;
  readonly timestamp?: string;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export function incomingAttributes(headers: Headers): IncomingAttributes {
  const one = (name: string) => {
    const value = headers[name];
    const text = Array.isArray(value) ? value[0] : value;
    return text?.trim() ? text.trim() : undefined;
  };
  return {
    name: one('name') ?? one('transfer-name') ?? one('event'),
    tenant: one('tenant-identifier') ?? one('store-reference'),
    correlationId: one('correlation-id'),
    actorId: one('actor-id'),
    timestamp: one('timestamp'),
  };
}
