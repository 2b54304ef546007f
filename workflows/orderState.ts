import { PAGE_EXPIRED_REASON, type CheckoutPageView } from '../domain/checkout';
import {
  capturableMinor,
  openOrderPayment,
  refusalOf,
  withCommand,
  withOutcome,
  type OrderAuthorization,
  type OrderCommandRequest,
  type OrderPaymentOpening,
  type OrderPaymentState,
} from '../domain/orderPayment';
import type { ProviderResult } from '../providers/types';
import type { CheckoutOpened, CommandOutcome, OrderCheckoutRequest } from './orderPaymentMessages';

/**
 * What an order's payment workflow knows (workflows/orderPayment.ts), and the one place that changes it: the
 * workflow's handlers call its transitions and its refusals; the money rules are domain/orderPayment.ts's.
 * Each change is counted, so that the workflow's wait for its next change, or its idle end, sees it.
 */
export class OrderState {
  private current: OrderPaymentState;
  private changes = 0;
  constructor(opening: OrderPaymentOpening, carried?: OrderPaymentState) {
    this.current = carried ?? openOrderPayment(opening);
  }

  get facts(): OrderPaymentState {
    return this.current;
  }

  /** Changes so far: the workflow waits for this to move. */
  get changeCount(): number {
    return this.changes;
  }

  /** A command of the order is still running: the order does not end while one is. */
  running(): boolean {
    return Object.values(this.current.commands).some((command) => command.state === 'running');
  }

  /** The checkout is open: its authorize command is the order's. */
  checkoutOpen(): boolean {
    return this.current.checkout !== undefined;
  }

  /**
   * Takes the checkout's authorize command on, once. A page checkout expires `expiresAt` (the first checkout's,
   * kept: the shop retrying its call gets the same page).
   */
  checkoutOpened({ authorize }: OrderCheckoutRequest, workflowId: string): void {
    const { checkout } = authorize;
    this.current = {
      ...withCommand(this.current, {
        workflowId,
        input: { command: 'authorize', amountMinor: authorize.amountMinor },
      }),
      checkout: {
        workflowId,
        mode: checkout?.mode ?? 'direct',
        ...(checkout?.expiresAt ? { expiresAt: checkout.expiresAt } : {}),
      },
    };
    this.changes += 1;
  }

  /**
   * The authorize command's act answered: its session (page) and its answer, the order's authorization until
   * the command's outcome is recorded.
   */
  checkoutAnswered(answer: ProviderResult): void {
    const { checkout } = this.current;
    const command = checkout && this.current.commands[checkout.workflowId];
    if (!checkout || command?.state !== 'running') return;
    const transactionId = answer.authorization?.transactionId ?? answer.operationId;
    const authorization: OrderAuthorization = {
      outcome: answer.outcome === 'unknown' ? 'pending' : answer.outcome,
      status: answer.status,
      ...(transactionId ? { transactionId } : {}),
      ...(answer.reason ? { reason: answer.reason } : {}),
      ...(answer.authorization?.expiresAt ? { expiresAt: answer.authorization.expiresAt } : {}),
      ...(answer.redirectUrl ? { redirectUrl: answer.redirectUrl } : {}),
    };
    this.current = {
      ...this.current,
      authorization,
      checkout: { ...checkout, ...(answer.session ? { session: answer.session } : {}) },
    };
    this.changes += 1;
  }

  /**
   * What the checkout answers the shop: a page at once, with its expiry; direct, the authorization once the act
   * has answered (undefined until then).
   */
  opened(): CheckoutOpened | undefined {
    const { checkout, authorization } = this.current;
    if (!checkout) return undefined;
    if (checkout.mode === 'page') {
      return { mode: 'page', ...(checkout.expiresAt ? { expiresAt: checkout.expiresAt } : {}) };
    }
    return authorization ? { mode: 'direct', authorization } : undefined;
  }

  /** What the customer's payment page shows. */
  pageView(): CheckoutPageView | undefined {
    const { checkout, authorization, opening } = this.current;
    if (!checkout) return undefined;
    const state: CheckoutPageView['state'] =
      authorization?.outcome === 'settled'
        ? 'authorized'
        : authorization?.outcome === 'declined'
          ? authorization.reason === PAGE_EXPIRED_REASON
            ? 'expired'
            : 'failed'
          : checkout.session
            ? 'open'
            : 'preparing';
    return {
      orderReference: opening.key.orderReference,
      amountMinor: opening.amountMinor,
      currency: opening.currency,
      provider: opening.provider,
      state,
      ...(checkout.session && state === 'open' ? { session: checkout.session } : {}),
      expiresAt: checkout.expiresAt ?? '',
      returnTo: opening.returnTo ?? {},
      ...(authorization?.outcome === 'declined' && authorization.reason
        ? { reason: authorization.reason }
        : {}),
    };
  }

  /** Refuses a checkout with another amount, currency or provider than the order opened with. */
  refuseOtherOpening(asked: OrderPaymentOpening): void {
    const opened = this.current.opening;
    const mismatch = differenceOf(opened, asked);
    if (mismatch) throw new Error(`order ${opened.key.orderReference} was opened with ${mismatch}`);
  }

  /** The command is the order's already: a redelivery, nothing to start. */
  knows(workflowId: string): boolean {
    return this.current.commands[workflowId] !== undefined;
  }

  /** Refuses a command the order's money does not allow. */
  refuseCommand(request: OrderCommandRequest): void {
    const refusal = refusalOf(this.current, request);
    if (refusal) throw new Error(refusal);
  }

  /** Takes a command on the order; it is the command to start. A cancel releases what is not captured. */
  admitted(request: OrderCommandRequest): OrderCommandRequest {
    const command =
      request.input.command === 'cancel'
        ? { ...request, input: { ...request.input, amountMinor: capturableMinor(this.current) } }
        : request;
    this.current = withCommand(this.current, command);
    this.changes += 1;
    return command;
  }

  refuseUnknownCommand({ workflowId }: CommandOutcome): void {
    if (!this.knows(workflowId)) throw new Error(`${workflowId} is not a command of this order`);
  }

  /** A command's final outcome: the order's amounts (an authorize: its authorization) follow it. */
  outcomeRecorded({ workflowId, outcome, authorization }: CommandOutcome): OrderPaymentState {
    this.current = withOutcome(this.current, workflowId, outcome, authorization);
    this.changes += 1;
    return this.current;
  }
}

/** What differs between the order's opening and another one asked for, in words; undefined when nothing. */
function differenceOf(opened: OrderPaymentOpening, asked: OrderPaymentOpening): string | undefined {
  if (opened.amountMinor !== asked.amountMinor) return `another amount (${opened.amountMinor} minor units)`;
  if (opened.currency !== asked.currency) return `another currency (${opened.currency})`;
  if (opened.provider !== asked.provider) return `another provider (${opened.provider})`;
  return undefined;
}
