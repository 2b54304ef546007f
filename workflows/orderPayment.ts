import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { parseDuration } from '../domain/duration';
import {
  authorizeWorkflowId,
  type OrderPaymentOpening,
  type OrderPaymentState,
} from '../domain/orderPayment';
import type { ReplyContext } from '../domain/paymentCommand';
import { continueAsNewDue } from './continueAsNew';
import { OrderActs } from './orderActs';
import {
  actAgainSignal,
  actInFlightQuery,
  admitCommandUpdate,
  commandEventSignal,
  checkoutPageQuery,
  openCheckoutUpdate,
  orderPaymentQuery,
  recordOutcomeUpdate,
} from './orderPaymentMessages';
import { OrderState } from './orderState';

/** An order with no command for this long, and none running, is closed: its workflow ends. */
const KEPT_IDLE_MS = parseDuration('400d');

export interface OrderPaymentInput {
  readonly opening: OrderPaymentOpening;
  /** How the door tells its shop about the order (the door's reporter); each command carries its own. */
  readonly reply: ReplyContext;
  /** The state a continued run takes over. */
  readonly carried?: OrderPaymentState;
}

/**
 * One order's payment for as long as the order lives: its checkout's authorize command, then every capture,
 * refund and cancel on it, admitted against the money still capturable or refundable, each run as its own
 * payment command workflow, started here (by a local activity, not as a child): what the order admits, it starts.
 * The order acts at the provider for its commands, one at a time in the order they came (a second act of a
 * command, asked by the command, queues like the first), and hands each command its act's answer, the first
 * usually in the command's start; the authorize's answer is also the checkout's (the payment page's session, a
 * direct checkout's answer). Every command reports its outcome back through its door (recordOutcome), and the
 * authorization and the amounts follow. Queried for its state and its payment page; continues as new when its
 * history grows, between acts; ends after KEPT_IDLE_MS with nothing running.
 */
export async function orderPaymentWorkflow(input: OrderPaymentInput): Promise<OrderPaymentState> {
  const { opening, reply } = input;
  const order = new OrderState(opening, input.carried);
  const { workflowId } = workflowInfo();
  const acts = new OrderActs(order, workflowId);

  // The checkout admits the order's authorize command, once; a page answers at once, direct its act's answer.
  setHandler(
    openCheckoutUpdate,
    async (request) => {
      if (!order.checkoutOpen()) {
        const commandId = authorizeWorkflowId(workflowId);
        order.checkoutOpened(request, commandId);
        acts.admit(commandId, request.authorize);
      }
      await condition(() => order.opened() !== undefined);
      return order.opened()!;
    },
    { validator: (request) => order.refuseOtherOpening(request.opening) },
  );

  setHandler(checkoutPageQuery, () => order.pageView());

  // Answered with the admission's workflow task, which also acts for the command when no other act is queued.
  setHandler(
    admitCommandUpdate,
    (request) => {
      if (order.knows(request.workflowId)) return { workflowId: request.workflowId, redelivered: true };
      const command = order.admitted(request);
      acts.admit(command.workflowId, command.input);
      return { workflowId: command.workflowId, redelivered: false };
    },
    { validator: (request) => order.refuseCommand(request) },
  );

  setHandler(actAgainSignal, (request) => {
    if (order.knows(request.workflowId)) acts.ask(request);
    else log.warn('an act was asked for a command not of this order', { workflowId: request.workflowId });
  });

  // A webhook that found its command not running (OrderActs.eventCame).
  setHandler(commandEventSignal, (event) => acts.eventCame(event));

  setHandler(recordOutcomeUpdate, (outcome) => order.outcomeRecorded(outcome), {
    validator: (outcome) => order.refuseUnknownCommand(outcome),
  });

  setHandler(orderPaymentQuery, () => order.facts);
  setHandler(actInFlightQuery, () => acts.inFlight());

  for (;;) {
    await acts.runQueued();
    // A busy order continues as new, carrying its state, once its handlers are done and its acts are: no act is
    // queued, in flight, or on its way to its command; they are never carried.
    const settled = () => allHandlersFinished() && acts.done();
    const seen = order.changeCount;
    const moved = await condition(
      () => order.changeCount !== seen || acts.queued() || (continueAsNewDue() && settled()),
      KEPT_IDLE_MS,
    );
    if (continueAsNewDue() && settled()) {
      await continueAsNew<typeof orderPaymentWorkflow>({ opening, reply, carried: order.facts });
    }
    if (!moved && !order.running()) break;
  }
  await condition(allHandlersFinished);
  return order.facts;
}
