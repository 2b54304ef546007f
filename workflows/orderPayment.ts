import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  allHandlersFinished,
  ChildWorkflowCancellationType,
  condition,
  continueAsNew,
  ParentClosePolicy,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { parseDuration } from '../domain/duration';
import {
  authorizeWorkflowId,
  type OrderPaymentOpening,
  type OrderPaymentState,
} from '../domain/orderPayment';
import type { PaymentCommandInput, ReplyContext } from '../domain/paymentCommand';
import { now } from './commandState';
import { commandVisibility } from './commandVisibility';
import { continueAsNewDue, continueAsNewWhenDue } from './continueAsNew';
import {
  admitCommandUpdate,
  checkoutAnsweredSignal,
  checkoutPageQuery,
  openCheckoutUpdate,
  orderPaymentQuery,
  recordOutcomeUpdate,
} from './orderPaymentMessages';
import { paymentCommandWorkflow } from './paymentCommand';
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
 * payment command workflow (started here as an abandoned child, so that admitting and starting are one step).
 * The authorize tells the order its act's answer (the payment page's session); every command reports its
 * outcome back through its door (recordOutcome), and the authorization and the amounts follow. Queried for
 * its state and its payment page; continues as new when its history grows; ends after KEPT_IDLE_MS with
 * nothing running.
 */
export async function orderPaymentWorkflow(input: OrderPaymentInput): Promise<OrderPaymentState> {
  const { opening, reply } = input;
  const order = new OrderState(opening, input.carried);
  const { workflowId } = workflowInfo();

  /**
   * Starts a command of the order as its own payment command workflow, an abandoned child: it goes on, and
   * reports back, whatever becomes of this run (continue-as-new included). Answers whether it was running
   * already (a redelivery).
   */
  const start = async (commandId: string, command: PaymentCommandInput): Promise<boolean> => {
    try {
      await startChild(paymentCommandWorkflow, {
        workflowId: commandId,
        args: [command],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        ...commandVisibility(
          command,
          { orderId: opening.key.orderReference, tenant: opening.key.tenant },
          now(),
        ),
      });
      return false;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      return true;
    }
  };

  // The checkout admits the order's authorize command, once; a page answers at once, direct its act's answer.
  setHandler(
    openCheckoutUpdate,
    async (request) => {
      if (!order.checkoutOpen()) {
        const commandId = authorizeWorkflowId(workflowId);
        order.checkoutOpened(request, commandId);
        await start(commandId, request.authorize);
      }
      await condition(() => order.opened() !== undefined);
      return order.opened()!;
    },
    { validator: (request) => order.refuseOtherOpening(request.opening) },
  );

  setHandler(checkoutAnsweredSignal, (answer) => order.checkoutAnswered(answer));
  setHandler(checkoutPageQuery, () => order.pageView());

  setHandler(
    admitCommandUpdate,
    async (request) => {
      if (order.knows(request.workflowId)) return { workflowId: request.workflowId, redelivered: true };
      const command = order.admitted(request);
      const redelivered = await start(command.workflowId, command.input);
      return { workflowId: command.workflowId, redelivered };
    },
    { validator: (request) => order.refuseCommand(request) },
  );

  setHandler(recordOutcomeUpdate, (outcome) => order.outcomeRecorded(outcome), {
    validator: (outcome) => order.refuseUnknownCommand(outcome),
  });

  setHandler(orderPaymentQuery, () => order.facts);

  for (;;) {
    const seen = order.changeCount;
    const moved = await condition(() => order.changeCount !== seen || continueAsNewDue(), KEPT_IDLE_MS);
    // A busy order continues as new, carrying its state, once its handlers are done.
    await continueAsNewWhenDue(() =>
      continueAsNew<typeof orderPaymentWorkflow>({ opening, reply, carried: order.facts }),
    );
    if (!moved && !order.running()) break;
  }
  await condition(allHandlersFinished);
  return order.facts;
}
