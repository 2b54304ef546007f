import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CheckoutPageView } from '../domain/checkout';
import type { FinalOutcome } from '../domain/outcome';
import type {
  OrderAuthorization,
  OrderCommandRequest,
  OrderPaymentOpening,
  OrderPaymentState,
} from '../domain/orderPayment';

/**
 * The messages of an order's payment workflow (workflows/orderPayment.ts), defined once for the workflow, the
 * doors and the tests.
 */

/**
 * Authorizes the order's payment at checkout, once: asked again (the shop retrying its checkout call), it
 * answers what the first authorization answered. Sent with start; refused when the order was opened with
 * another amount, currency or provider.
 */
export const authorizeOrderUpdate = defineUpdate<OrderAuthorization, [OrderPaymentOpening]>('authorizeOrder');

export interface AdmittedCommand {
  readonly workflowId: string;
  /** The command was known already: nothing new started. */
  readonly redelivered: boolean;
}

/**
 * Takes a capture, refund or cancel on the order and starts its payment command workflow; refused (the
 * update fails with the reason) when the order's money does not allow it: nothing is started then.
 */
export const admitCommandUpdate = defineUpdate<AdmittedCommand, [OrderCommandRequest]>('admitCommand');

export interface CommandOutcome {
  readonly workflowId: string;
  readonly outcome: FinalOutcome;
}

/** A command's final outcome, from its report: the order's amounts follow it. Refused for an unknown command. */
export const recordOutcomeUpdate = defineUpdate<OrderPaymentState, [CommandOutcome]>('recordOutcome');

export const orderPaymentQuery = defineQuery<OrderPaymentState>('orderPayment');

/** What the customer's payment page shows; undefined for an order without a checkout. */
export const checkoutPageQuery = defineQuery<CheckoutPageView | undefined>('checkoutPage');
