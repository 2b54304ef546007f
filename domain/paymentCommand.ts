import type { CheckoutRequest } from './checkout';
import type { PaymentCommand } from './commands';
import type { SettlementPolicy } from './settlement';

/**
 * A payment command as the core carries it out, whichever front door it came through: what to do, with
 * which money, at which provider, on which authorization — and, opaque to the core, what the door needs to
 * report the outcome back in its own contract.
 */
export interface PaymentCommandInput {
  readonly command: PaymentCommand;
  /** The payment's key at its front door: one command of a payment acts at the provider at a time. */
  readonly reference: string;
  readonly provider: string;
  /** The authorization at the provider the command acts on; empty for an `authorize`, which makes it. */
  readonly transactionId: string;
  readonly amountMinor: number;
  /** ISO 4217. */
  readonly currency: string;
  readonly settlement: SettlementPolicy;
  readonly reply: ReplyContext;
  /** An `authorize`'s: how the provider is to take the payment. */
  readonly checkout?: CheckoutRequest;
  /**
   * The order's payment workflow that admitted the command (set by the order, not by a door): the order acts at
   * the provider for it, one command of the order at a time, and is asked again for a second act.
   */
  readonly orderWorkflowId?: string;
}

/** Which front door reports the outcome, and what it keeps of the command to do so. */
export interface ReplyContext {
  readonly door: string;
  /** JSON the door's reporter reads back; the core never looks inside. */
  readonly context: unknown;
}

/** The workflow type every front door starts, by name: the API and the CLI need not import workflow code. */
export const PAYMENT_COMMAND_WORKFLOW = 'paymentCommandWorkflow';

/** The payment's turn: the child workflow in which a command acts at the provider. */
export const PAYMENT_TURN_WORKFLOW = 'paymentTurnWorkflow';
