import type { PaymentCommand } from './commands';
import { PAYMENT_COMMANDS } from './commands';
import type { Money } from './money';

/**
 * Payment workflow ids: `payment:<reference>:<command>:<fingerprint>`, built from what decides the movement
 * of money — the command, the payment, the authorization, the amount in minor units and the provider —
 * and nothing else. A redelivered command therefore maps to the same workflow and starts nothing new, also
 * when MIB re-sends it with other pass-through fields or writes 49.9 for "49.90"; a partial capture of
 * another amount gets its own workflow.
 *
 * Assumption (MIB documents no command id): two partial captures (or refunds) of the same amount on the same
 * authorization are indistinguishable from a redelivery, so the second is answered as already accepted and
 * the log says so. Moving money twice on a redelivery would be the worse mistake.
 */
export interface PaymentCommandIdentity {
  readonly command: PaymentCommand;
  readonly reference: string;
  readonly transactionId: string;
  readonly amount: Money;
  readonly provider: string;
}

export interface PaymentWorkflowIdParts {
  readonly reference: string;
  readonly command: PaymentCommand;
  readonly fingerprint: string;
}

const PREFIX = 'payment';
const ORDER_PREFIX = 'order';

/** Temporal refuses a longer workflow id (its default limit.maxIDLength): no longer id names a workflow. */
export const WORKFLOW_ID_MAX_LENGTH = 1000;

export function paymentWorkflowId({ reference, command, fingerprint }: PaymentWorkflowIdParts): string {
  return [PREFIX, reference, command, fingerprint].join(':');
}

/**
 * The twin of paymentWorkflowId; the reference may itself contain ':'. An order's authorize command,
 * `order:<door>:<tenant>:<orderReference>:authorize` (domain/orderPayment.ts), is a payment command too: its
 * reference is the order's payment key, and it has no fingerprint (one per order).
 */
export function parsePaymentWorkflowId(workflowId: string): PaymentWorkflowIdParts | undefined {
  const parts = workflowId.split(':');
  if (parts[0] === ORDER_PREFIX && parts.length >= 5 && parts.at(-1) === 'authorize') {
    return { reference: parts.slice(1, -1).join(':'), command: 'authorize', fingerprint: '' };
  }
  if (parts.length < 4 || parts[0] !== PREFIX) return undefined;
  const fingerprint = parts.at(-1)!;
  const command = parts.at(-2)! as PaymentCommand;
  const reference = parts.slice(1, -2).join(':');
  if (!reference || !fingerprint || !PAYMENT_COMMANDS.includes(command)) return undefined;
  return { reference, command, fingerprint };
}

/**
 * The id of the payment's turn (workflows/paymentTurn.ts), in which a command acts at the provider: Temporal
 * runs one workflow per id at a time, so only one command of the payment has it.
 */
export function paymentTurnId(reference: string): string {
  return `payment-turn:${reference}`;
}
