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
import type { CommandOutcome } from './orderPaymentMessages';

/**
 * What an order's payment workflow knows (workflows/orderPayment.ts), and the one place that changes it: the
 * workflow's handlers call its transitions and its refusals; the money rules are domain/orderPayment.ts's.
 * Each change is counted, so that the workflow's wait for its next change, or its idle end, sees it.
 */
export class OrderState {
  private current: OrderPaymentState;
  private changes = 0;
  /** The authorization under way, which the shop retrying its checkout call waits for. */
  private authorizing?: Promise<OrderAuthorization>;
  /** Reports of the authorization still on their way: the run neither ends nor continues before they are out. */
  private reporting = 0;

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

  /** Every report of the authorization is out: the run may end or continue as new. */
  settled(): boolean {
    return this.reporting === 0;
  }

  /** The order's authorization: the one made, the one under way, else the one `authorize` makes, once. */
  async authorization(authorize: () => Promise<OrderAuthorization>): Promise<OrderAuthorization> {
    return this.current.authorization ?? (this.authorizing ??= authorize());
  }

  authorized(result: OrderAuthorization): void {
    this.current = { ...this.current, authorization: result };
    this.changes += 1;
  }

  /** A report of the authorization goes out to the shop, until `authorizationReported`. */
  reportingAuthorization(): void {
    this.reporting += 1;
  }

  authorizationReported(): void {
    this.reporting -= 1;
    this.changes += 1;
  }

  /** Refuses an authorization asked for with another amount, currency or provider than the order opened with. */
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

  /** A command's final outcome: the order's amounts follow it. */
  outcomeRecorded({ workflowId, outcome }: CommandOutcome): OrderPaymentState {
    this.current = withOutcome(this.current, workflowId, outcome);
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
