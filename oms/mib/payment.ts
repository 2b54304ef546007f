import { z } from 'zod';
import { InvalidAmountError, toMinorUnits, type Money } from '../../domain/money';
import type { ProviderHints } from '../../providers/registry';

/**
 * The MIB payment model (an assumption assembled from public MOM test data, see DOMAIN.md). MIB uses the
 * same model for every payment message and fills only some fields, so every object accepts unknown fields
 * and Settle passes them back untouched.
 */

const amount = z.union([z.string(), z.number()]);

export const gatewayInformationSchema = z.looseObject({
  gateway_id: z.string().optional(),
  account: z.string().optional(),
  transaction_id: z.string().optional(),
  authorization_status: z.string().optional(),
  original_auth_request_id: z.string().optional(),
  payment_account_unique_id: z.string().optional(),
  payment_service_response: z.unknown().optional(),
  custom_attributes: z.array(z.unknown()).optional(),
});

export const transactionSchema = z.looseObject({
  payment_method: z.string().optional(),
  payment_submethod: z.string().optional(),
  amount,
  gateway_information: gatewayInformationSchema.optional(),
});

export const paymentSchema = z
  .looseObject({
    reference: z.string().min(1).max(200),
    /** The order the payment belongs to, where MIB sends it (assumption); else the reference stands in. */
    order_id: z.string().min(1).max(200).optional(),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "EUR"'),
    transactions: z.array(transactionSchema).min(1),
    lines: z.array(z.looseObject({})).optional(),
  })
  .superRefine((payment, ctx) => {
    payment.transactions.forEach((transaction, index) => {
      try {
        toMinorUnits(transaction.amount, payment.currency);
      } catch (error) {
        if (!(error instanceof InvalidAmountError)) throw error;
        const path = error.message.startsWith('unknown ISO')
          ? ['currency']
          : ['transactions', index, 'amount'];
        ctx.addIssue({ code: 'custom', path, message: error.message });
      }
    });
  });

export type Payment = z.infer<typeof paymentSchema>;
export type PaymentTransaction = z.infer<typeof transactionSchema>;

/** params of a payment command. */
export const commandParamsSchema = z.looseObject({ payment: paymentSchema });

/**
 * The transaction a command acts on: the first one of the payment (assumption: MIB sends the authorization
 * being captured, refunded or cancelled first, with the command's amount).
 */
export function commandTransaction(payment: Payment): PaymentTransaction {
  return payment.transactions[0]!;
}

export function commandAmount(payment: Payment): Money {
  return toMinorUnits(commandTransaction(payment).amount, payment.currency);
}

/** What the acted-on transaction tells of the provider that serves it (providers/registry.ts). */
export function providerHints(payment: Payment): ProviderHints {
  const transaction = commandTransaction(payment);
  return {
    gatewayId: transaction.gateway_information?.gateway_id,
    paymentMethod: transaction.payment_method,
  };
}

/** What the MIB door keeps of a command to report its outcome: the payment model, as received. */
export interface MibReplyContext {
  readonly payment: Payment;
}
