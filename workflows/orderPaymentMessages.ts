import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CheckoutMode, CheckoutPageView } from '../domain/checkout';
import type { FinalOutcome } from '../domain/outcome';
import type {
  OrderAuthorization,
  OrderCommandRequest,
  OrderPaymentOpening,
  OrderPaymentState,
} from '../domain/orderPayment';
import type { PaymentCommandInput } from '../domain/paymentCommand';
import type { ProviderEvent, ProviderResult } from '../providers/types';

/**
 * The messages of an order's payment workflow (workflows/orderPayment.ts), defined once for the workflow, the
 * doors and the tests.
 */

/** A checkout: the order as the shop opens it, and its authorize command (its whole input). */
export interface OrderCheckoutRequest {
  readonly opening: OrderPaymentOpening;
  readonly authorize: PaymentCommandInput;
}

/** What the checkout answers: on a page, when it expires; direct, the act's answer (the authorization). */
export interface CheckoutOpened {
  readonly mode: CheckoutMode;
  readonly expiresAt?: string;
  readonly authorization?: OrderAuthorization;
}

/**
 * Opens the order's checkout, once: admits its authorize command (`<order id>:authorize`). A page checkout is
 * answered as soon as the command is admitted; a direct one once the provider answered its act. Asked again
 * (the shop retrying its checkout call), it answers what the first checkout answers. Sent with start; refused
 * when the order was opened with another amount, currency or provider.
 */
export const openCheckoutUpdate = defineUpdate<CheckoutOpened, [OrderCheckoutRequest]>('openCheckout');

/** What the customer's payment page shows; undefined for an order without a checkout. */
export const checkoutPageQuery = defineQuery<CheckoutPageView | undefined>('checkoutPage');

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
  /** An authorize's: the authorization its outcome makes the order's. */
  readonly authorization?: OrderAuthorization;
}

/** A command's final outcome, from its report: the order's amounts follow it. Refused for an unknown command. */
export const recordOutcomeUpdate = defineUpdate<OrderPaymentState, [CommandOutcome]>('recordOutcome');

export const orderPaymentQuery = defineQuery<OrderPaymentState>('orderPayment');

/** A command's act at the provider, as its order carries it out: its `act`-th call (1: the admission's). */
export interface ActRequest {
  /** The command's workflow id: the idempotency key of the call. */
  readonly workflowId: string;
  readonly input: PaymentCommandInput;
  readonly act: number;
  /** When the command may first have reached the provider. */
  readonly since: number;
}

/** How an act ended: the provider's answer, or the failure the command is stuck with. */
export interface ActAnswer {
  readonly act: number;
  readonly result?: ProviderResult;
  readonly failure?: { readonly message: string; readonly type: string };
}

/** From a command to its order: act again (an unknown outcome, an operator's recheck), in the order's turn. */
export const actAgainSignal = defineSignal<[ActRequest]>('actAgain');

/** From the order to its command: the act's answer. */
export const actAnsweredSignal = defineSignal<[ActAnswer]>('actAnswered');

/** The command whose act the order is carrying out now, if any: the operator sees its activity's attempts. */
export const actInFlightQuery = defineQuery<string | undefined>('actInFlight');

/**
 * A provider's event for a command of the order that was not running when it came: the order acts before it
 * starts the command, so a quick webhook can come first. The order hands it to the command as it starts it, or
 * passes it on once the command is there.
 */
export const commandEventSignal = defineSignal<[ProviderEvent]>('commandEvent');
