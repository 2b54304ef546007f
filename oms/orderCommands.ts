import { fingerprint } from '../domain/fingerprint';
import {
  orderReferenceKey,
  type MoneyCommand,
  type OrderCommand,
  type OrderKey,
  type OrderPaymentOpening,
  type OrderPaymentState,
} from '../domain/orderPayment';
import { settlementAt } from '../domain/settlement';
import { paymentWorkflowId } from '../domain/workflowId';
import { countAdmitted } from '../http/metrics';
import type { CoreServices } from './door';
import { admitOrderCommand, orderPaymentOf } from './orderPayments';
import { OrderRefusal } from './orderRefusal';
import { UnstartableCommandError } from './startCommand';

/**
 * How an order door (one whose shop authorizes at checkout and then sends captures, refunds and cancels that
 * name the order) takes a money command: find the order's payment, derive the command's id from what decides
 * the money, admit it on the order's payment, which starts its workflow. Every refusal is an OrderRefusal
 * (oms/orderRefusal.ts); anything else thrown means the order's payment could not be reached.
 */

/** What an order door's routes and the order machinery need: the core's services it starts commands with. */
export type OrderDoorDependencies = CoreServices;

/** An order's payment, with what the door kept of the order at checkout typed as the door wrote it. */
export type OrderOf<OrderContext> = OrderPaymentState & {
  readonly opening: OrderPaymentOpening & { readonly context: OrderContext };
};

/**
 * The order's payment; a 404 when no checkout opened it. `OrderContext` is what the door put in its opening's
 * context (the core keeps it opaque): the door names it here, once.
 */
export async function findOrder<OrderContext = unknown>(
  { temporal }: Pick<OrderDoorDependencies, 'temporal'>,
  key: OrderKey,
): Promise<OrderOf<OrderContext>> {
  const order = await orderPaymentOf(temporal, key);
  if (!order) throw new OrderRefusal(404, `no payment is known for order ${key.orderReference}`);
  return order as OrderOf<OrderContext>;
}

/** A money command as the door read it from its message. */
export interface MoneyCommandRequest<Context> {
  readonly order: OrderPaymentState;
  readonly command: MoneyCommand;
  readonly amountMinor: number;
  readonly currency: string;
  /** Where the door's message gives the amount: named when the provider cannot take it. */
  readonly amountPath: string;
  /** What decides the money besides the order and the command: a redelivery gives the same, so the same id. */
  readonly decidedBy: Readonly<Record<string, unknown>>;
  /** The door's word for a refused input, the 400's `error` ('invalid message'). */
  readonly invalid: string;
  /** What the door's reporter will need of the command, given its workflow id. */
  readonly reply: (workflowId: string) => Context;
}

export interface AdmittedCommand<Context> {
  readonly workflowId: string;
  /** The reply context the command was admitted with. */
  readonly reply: Context;
  /** The command as the order's payment knew it before this delivery: set for a redelivery. */
  readonly known?: OrderCommand;
}

/**
 * Admits a money command on the order's payment, which starts its workflow; a redelivery (the same id) starts
 * nothing and is answered as the first. Refuses (400) an amount the order's provider cannot take before
 * anything starts (a cancel sends none), (409) what the order's money does not allow, and (400) an input
 * Temporal cannot take.
 */
export async function admitMoneyCommand<Context>(
  deps: OrderDoorDependencies,
  request: MoneyCommandRequest<Context>,
): Promise<AdmittedCommand<Context>> {
  const { order, command, amountMinor, currency, invalid } = request;
  const { key, provider } = order.opening;
  const unpayable =
    command === 'cancel'
      ? undefined
      : deps.providers.amountProblem(provider, { minor: amountMinor, currency });
  if (unpayable) throw new OrderRefusal(400, invalid, [{ path: request.amountPath, message: unpayable }]);
  const reference = orderReferenceKey(key);
  const workflowId = paymentWorkflowId({
    reference,
    command,
    fingerprint: fingerprint({ command, ...request.decidedBy }),
  });
  const reply = request.reply(workflowId);
  try {
    const admitted = await admitOrderCommand(deps.temporal, key, {
      workflowId,
      input: {
        command,
        reference,
        provider,
        transactionId: order.authorization?.transactionId ?? '',
        amountMinor,
        currency,
        settlement: settlementAt(deps.settlement, deps.providers, command, provider),
        reply: { door: key.door, context: reply },
      },
    });
    if ('refused' in admitted) throw new OrderRefusal(409, admitted.refused);
    countAdmitted(key.door, command);
    const known = order.commands[admitted.workflowId];
    return { workflowId: admitted.workflowId, reply, ...(known ? { known } : {}) };
  } catch (error) {
    if (error instanceof UnstartableCommandError) {
      throw new OrderRefusal(400, invalid, [{ path: error.path, message: error.message }]);
    }
    throw error;
  }
}
