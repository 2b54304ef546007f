import type { CheckoutMode, CheckoutReturn, CheckoutSession } from './checkout';
import type { PaymentCommand } from './commands';
import type { FinalOutcome } from './outcome';
import type { PaymentCommandInput } from './paymentCommand';

/**
 * An order's payment, for front doors whose commands name the order rather than the authorization (Spryker,
 * Deity): the provider, the authorization made at checkout, and the money authorized, captured and
 * refunded, kept as long as the order lives — months, beyond any namespace's retention of closed workflows.
 * One long-lived workflow per order holds it (workflows/orderPayment.ts); this module is its pure logic.
 */

export interface OrderKey {
  /** The front door, e.g. `spryker`. */
  readonly door: string;
  /** The shop the order belongs to at that door (Spryker's tenant, Deity's profile). */
  readonly tenant: string;
  readonly orderReference: string;
}

/** What checkout tells Settle about the order's payment. */
export interface OrderPaymentOpening {
  readonly key: OrderKey;
  readonly provider: string;
  readonly amountMinor: number;
  /** ISO 4217. */
  readonly currency: string;
  /** A provider-specific payment method token, where the provider needs one. */
  readonly paymentMethod?: string;
  /** Where the customer comes back to after authenticating at the provider (3-D Secure). */
  readonly returnUrl?: string;
  /** How the customer pays: Settle's payment page, or server-side with `paymentMethod` (domain/checkout.ts). */
  readonly mode?: CheckoutMode;
  /** Where the payment page sends the customer once the payment is decided. */
  readonly returnTo?: CheckoutReturn;
  /** What the door keeps of the order for its later commands (its items, say); opaque to the core. */
  readonly context?: unknown;
}

/** The authorization made at checkout, as the provider answered. */
export interface OrderAuthorization {
  readonly outcome: 'settled' | 'declined' | 'pending';
  readonly transactionId?: string;
  readonly status: string;
  readonly reason?: string;
  readonly expiresAt?: string;
  readonly redirectUrl?: string;
}

export type MoneyCommand = Extract<PaymentCommand, 'capture' | 'refund' | 'cancel'>;
/** The commands an order runs: its authorization at checkout, then the money commands on it. */
export type OrderCommandKind = MoneyCommand | 'authorize';

/** One command on the order, as the order's payment keeps it. */
export interface OrderCommand {
  readonly workflowId: string;
  readonly command: OrderCommandKind;
  readonly amountMinor: number;
  readonly state: 'running' | FinalOutcome;
}

/** The order's checkout: its authorize command and, on a payment page, when the page expires. */
export interface OrderCheckout {
  readonly workflowId: string;
  readonly mode: CheckoutMode;
  readonly expiresAt?: string;
  /** The provider's session the customer's page pays in, once the command's act opened it. */
  readonly session?: CheckoutSession;
}

export interface OrderPaymentState {
  readonly opening: OrderPaymentOpening;
  readonly checkout?: OrderCheckout;
  /** The authorization: the authorize command's answer, then its outcome. */
  readonly authorization?: OrderAuthorization;
  readonly capturedMinor: number;
  readonly refundedMinor: number;
  readonly canceled: boolean;
  /** Every command on the order, by workflow id, oldest first. */
  readonly commands: Readonly<Record<string, OrderCommand>>;
}

/** A door's request to carry out a command on the order: the command's whole input, and its workflow. */
export interface OrderCommandRequest {
  readonly workflowId: string;
  readonly input: PaymentCommandInput & { readonly command: MoneyCommand };
}

export function openOrderPayment(opening: OrderPaymentOpening): OrderPaymentState {
  return { opening, capturedMinor: 0, refundedMinor: 0, canceled: false, commands: {} };
}

/** The minor units of the commands of `kind` still running. */
function runningMinor(state: OrderPaymentState, kind: MoneyCommand): number {
  return Object.values(state.commands)
    .filter((command) => command.command === kind && command.state === 'running')
    .reduce((sum, command) => sum + command.amountMinor, 0);
}

/** What can still be captured: authorized, less captured and being captured; nothing once cancelled. */
export function capturableMinor(state: OrderPaymentState): number {
  if (state.canceled || state.authorization?.outcome !== 'settled') return 0;
  return state.opening.amountMinor - state.capturedMinor - runningMinor(state, 'capture');
}

/**
 * A cancel with nothing to do at the provider: the checkout's authorization ended declined (refused, failed,
 * or its page expired unpaid), so no money is held. A shop cancels such an order (its customer came back
 * through the cancel URL) and expects the cancellation confirmed, as a payment app confirms one from `new`.
 */
export function nothingToCancel(state: OrderPaymentState): boolean {
  return state.authorization?.outcome === 'declined' && !state.canceled;
}

/** What can still be refunded: captured, less refunded and being refunded. */
export function refundableMinor(state: OrderPaymentState): number {
  return state.capturedMinor - state.refundedMinor - runningMinor(state, 'refund');
}

/**
 * Why the order's payment cannot take the command, or undefined when it can. A command already known (a
 * redelivery) is always taken: it starts nothing new.
 */
export function refusalOf(
  state: OrderPaymentState,
  { workflowId, input }: OrderCommandRequest,
): string | undefined {
  if (state.commands[workflowId]) return undefined;
  const { opening, authorization } = state;
  if (authorization?.outcome !== 'settled') {
    return `the payment of order ${opening.key.orderReference} is not authorized`;
  }
  if (input.currency !== opening.currency) {
    return `the order's payment is in ${opening.currency}, not ${input.currency}`;
  }
  const amount = input.amountMinor;
  switch (input.command) {
    case 'capture': {
      const capturable = capturableMinor(state);
      if (state.canceled) return "the order's payment is cancelled";
      if (amount > capturable) return `${amount} exceeds the ${capturable} still capturable (minor units)`;
      return undefined;
    }
    case 'refund': {
      const refundable = refundableMinor(state);
      if (refundable <= 0) return 'nothing is captured that could be refunded';
      if (amount > refundable) return `${amount} exceeds the ${refundable} still refundable (minor units)`;
      return undefined;
    }
    case 'cancel':
      if (state.canceled) return "the order's payment is cancelled already";
      if (capturableMinor(state) <= 0)
        return 'nothing is left to cancel: the authorization is captured in full';
      return undefined;
  }
}

/** The order's payment with the command taken on. */
export function withCommand(
  state: OrderPaymentState,
  {
    workflowId,
    input,
  }: {
    readonly workflowId: string;
    readonly input: { readonly command: OrderCommandKind; readonly amountMinor: number };
  },
): OrderPaymentState {
  if (state.commands[workflowId]) return state;
  const command: OrderCommand = {
    workflowId,
    command: input.command,
    amountMinor: input.amountMinor,
    state: 'running',
  };
  return { ...state, commands: { ...state.commands, [workflowId]: command } };
}

/**
 * The order's payment once a command's outcome is known; a second report of it changes nothing. An authorize's
 * outcome is the order's authorization (`authorization`, from its report).
 */
export function withOutcome(
  state: OrderPaymentState,
  workflowId: string,
  outcome: FinalOutcome,
  authorization?: OrderAuthorization,
): OrderPaymentState {
  const command = state.commands[workflowId];
  if (!command || command.state !== 'running') return state;
  const commands = { ...state.commands, [workflowId]: { ...command, state: outcome } };
  if (command.command === 'authorize') {
    return {
      ...state,
      commands,
      authorization: authorization ?? { outcome, status: outcome === 'settled' ? 'authorized' : 'declined' },
    };
  }
  if (outcome === 'declined') return { ...state, commands };
  switch (command.command) {
    case 'capture':
      return { ...state, commands, capturedMinor: state.capturedMinor + command.amountMinor };
    case 'refund':
      return { ...state, commands, refundedMinor: state.refundedMinor + command.amountMinor };
    case 'cancel':
      return { ...state, commands, canceled: true };
  }
}

/** `order:<door>:<tenant>:<orderReference>`: the workflow that keeps the order's payment. */
export function orderPaymentWorkflowId({ door, tenant, orderReference }: OrderKey): string {
  return ['order', door, tenant, orderReference].join(':');
}

/** `<order workflow id>:authorize`: the order's authorize command, started at checkout. */
export function authorizeWorkflowId(orderWorkflowId: string): string {
  return `${orderWorkflowId}:authorize`;
}

/** The door of an order's payment workflow id (its twin above), or undefined for any other id. */
export function orderDoorOf(workflowId: string): string | undefined {
  const [prefix, door, ...rest] = workflowId.split(':');
  return prefix === 'order' && door && rest.length >= 2 ? door : undefined;
}

/**
 * The order's payment workflow of a command's reference (orderReferenceKey's), when the reference names an order
 * (of `door`, when given).
 */
export function orderPaymentWorkflowIdOf(reference: string, door?: string): string | undefined {
  const workflowId = `order:${reference}`;
  const named = orderDoorOf(workflowId);
  return named !== undefined && (door === undefined || named === door) ? workflowId : undefined;
}

/** The key of a command's payment at the provider: one command of an order acts at a time. */
export function orderReferenceKey({ door, tenant, orderReference }: OrderKey): string {
  return [door, tenant, orderReference].join(':');
}

/** The workflow type, by name: the API needs not import workflow code. */
export const ORDER_PAYMENT_WORKFLOW = 'orderPaymentWorkflow';
