import { z } from 'zod';
import { InvalidAmountError, toMinorUnits, type Money } from '../../domain/money';
import type { ProviderHints } from '../../providers/registry';

/**
 * The MIB payment model (an assumption assembled from public MOM test data, see DOMAIN.md). MIB uses the
 * same model for every payment message and fills only some fields, sending `null` or values of any type in
 * the others. So only what Settle reads is checked: the reference, the currency, and the acted-on (first)
 * transaction's amount, transaction_id and gateway_id. Everything else is accepted as any JSON value and
 * goes back to MIB exactly as received (see `paymentOf`).
 */

/** A field Settle does not read: any JSON value, `null` included. Declared only to document it. */
const passedBack = z
  .unknown()
  .optional()
  .describe('Not read by Settle; any JSON value, passed back as received.');

const amount = z.union([z.string(), z.number()]);

/**
 * What an id or a reference may hold: it reaches search attributes, log lines, the Web UI and provider
 * requests, so printable text only, without `"` or `\\` (which break a visibility query) and without control
 * characters (NUL, newline, …) or line separators. The control characters (\p{Cc}) and the line and paragraph
 * separators (\p{Zl}, \p{Zp}) are spelled as their code points: the OpenAPI document carries the pattern, and
 * not every client's regex engine knows Unicode property classes.
 */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const IDENTIFIER_CHARACTERS = /^[^\x00-\x1f\x7f-\x9f\u2028\u2029"\\]*$/u;
export const IDENTIFIER_MAX_LENGTH = 200;
export const TRANSACTION_ID_MAX_LENGTH = 500;

function identifier(maxLength: number) {
  return z
    .string()
    .min(1)
    .max(maxLength)
    .regex(IDENTIFIER_CHARACTERS, 'must be printable text without ", \\ or control characters');
}

/** The acted-on transaction's gateway_information: what Settle reads of it; the rest passes through. */
export const gatewayInformationSchema = z.looseObject({
  gateway_id: identifier(IDENTIFIER_MAX_LENGTH)
    .optional()
    .describe('The provider; absent: the route or the default provider.'),
  transaction_id: identifier(TRANSACTION_ID_MAX_LENGTH)
    .optional()
    .describe('The authorization the command acts on (required).'),
  account: passedBack,
  authorization_status: z
    .unknown()
    .optional()
    .describe("Not read; a validate's or revalidate's notification carries the authorization's status here."),
  original_auth_request_id: passedBack,
  payment_account_unique_id: passedBack,
  payment_service_response: z
    .unknown()
    .optional()
    .describe("Not read; the notification carries Settle's result here (JSON text) instead."),
  custom_attributes: passedBack,
});

/** The transaction a command acts on. */
export const transactionSchema = z.looseObject({
  payment_method: z
    .unknown()
    .optional()
    .describe('Read by provider routes when it is a string; any other value is passed back unread.'),
  payment_submethod: passedBack,
  amount,
  gateway_information: gatewayInformationSchema.optional(),
});
export type PaymentTransaction = z.infer<typeof transactionSchema>;

/**
 * The payment's transactions. The first is the one the command acts on, checked against transactionSchema by
 * the payment's refinement; the others are passed back unread, whatever they hold. (Not a zod tuple: an
 * open-ended tuple is no strict JSON Schema.) The type states what that refinement guarantees.
 */
const transactionsSchema = z
  .array(z.unknown())
  .min(1)
  .describe(
    'The first is the PaymentTransaction the command acts on; the others are passed back unread.',
  ) as unknown as z.ZodType<readonly [PaymentTransaction, ...unknown[]]>;

const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "EUR"');

export const paymentSchema = z
  .looseObject({
    reference: identifier(IDENTIFIER_MAX_LENGTH),
    order_id: z
      .unknown()
      .superRefine(searchableOrderId)
      .optional()
      .describe(
        'The order, where MIB sends one: a string (at most 200 characters, as a reference) or a number is ' +
          'searchable; else the reference stands in.',
      ),
    currency: currencySchema,
    transactions: transactionsSchema,
    lines: passedBack,
  })
  // Runs once the fields' types are right, even when a length or a pattern is not.
  .superRefine((payment, ctx) => {
    if (payment.transactions.length === 0) return;
    const first = transactionSchema.safeParse(payment.transactions[0]);
    if (!first.success) {
      for (const { path, message } of first.error.issues)
        ctx.addIssue({ code: 'custom', path: ['transactions', 0, ...path], message });
      return;
    }
    if (!currencySchema.safeParse(payment.currency).success) return;
    const problem = amountProblem(first.data.amount, payment.currency);
    if (problem) ctx.addIssue({ code: 'custom', ...problem });
  });

export type Payment = z.infer<typeof paymentSchema>;

/** An order_id in text is searched by (orderIdOf), so it is held to what a reference may hold. */
function searchableOrderId(value: unknown, ctx: z.RefinementCtx): void {
  if (typeof value !== 'string' || value === '') return;
  const checked = identifier(IDENTIFIER_MAX_LENGTH).safeParse(value);
  for (const { message } of checked.error?.issues ?? []) ctx.addIssue({ code: 'custom', message });
}

/** params of a payment command. */
export const commandParamsSchema = z.looseObject({ payment: paymentSchema });

/**
 * Checks a command's params; when they are valid, answers the payment as MIB sent it. Not zod's copy: that
 * one has the declared keys moved first, and the payment must go back to MIB byte for byte as it came.
 */
export function paymentOf(params: unknown): { payment: Payment } | { error: z.ZodError } {
  const parsed = commandParamsSchema.safeParse(params);
  // No transform in these schemas: what passes them is already a Payment.
  return parsed.success ? { payment: (params as { payment: Payment }).payment } : { error: parsed.error };
}

/**
 * What is wrong with the acted-on amount, without the amount itself (the message reaches logs). An unknown
 * currency is the currency's fault.
 */
function amountProblem(value: string | number, currency: string) {
  try {
    toMinorUnits(value, currency);
    return undefined;
  } catch (error) {
    if (!(error instanceof InvalidAmountError)) throw error;
    if (error.message.startsWith('unknown ISO')) return { path: ['currency'], message: error.message };
    // toMinorUnits names the amount first (`amount "12.345" has …`); the field's path names it here.
    const message = error.message.replace(/^amount (?:"[\s\S]*"|\S+) /, '');
    return { path: ['transactions', 0, 'amount'], message };
  }
}

/**
 * The transaction a command acts on: the first one of the payment (assumption: MIB sends the authorization
 * being captured, refunded or cancelled first, with the command's amount).
 */
export function commandTransaction(payment: Payment): PaymentTransaction {
  return payment.transactions[0];
}

export function commandAmount(payment: Payment): Money {
  return toMinorUnits(commandTransaction(payment).amount, payment.currency);
}

/** The order's id to search by: MIB's order_id as text when it is a string or number, else the reference. */
export function orderIdOf(payment: Payment): string {
  const { order_id: orderId } = payment;
  if (typeof orderId === 'number' && Number.isFinite(orderId)) return String(orderId);
  // A non-empty string was checked as an identifier.
  return typeof orderId === 'string' && orderId.length > 0 ? orderId : payment.reference;
}

/** What the acted-on transaction tells of the provider that serves it (providers/registry.ts). */
export function providerHints(payment: Payment): ProviderHints {
  const transaction = commandTransaction(payment);
  const paymentMethod = transaction.payment_method;
  return {
    gatewayId: transaction.gateway_information?.gateway_id,
    paymentMethod: typeof paymentMethod === 'string' ? paymentMethod : undefined,
  };
}

/** What the MIB door keeps of a command to report its outcome: the payment model, as received. */
export interface MibReplyContext {
  readonly payment: Payment;
}
