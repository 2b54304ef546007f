import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  allHandlersFinished,
  ChildWorkflowCancellationType,
  condition,
  continueAsNew,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { parseDuration } from '../domain/duration';
import type { OrderAuthorization, OrderPaymentOpening, OrderPaymentState } from '../domain/orderPayment';
import type { ReplyContext } from '../domain/paymentCommand';
import { now } from './commandState';
import { commandVisibility } from './commandVisibility';
import { continueAsNewDue, continueAsNewWhenDue } from './continueAsNew';
import {
  admitCommandUpdate,
  authorizeOrderUpdate,
  orderPaymentQuery,
  recordOutcomeUpdate,
} from './orderPaymentMessages';
import { paymentCommandWorkflow } from './paymentCommand';
import { PROVIDER_OPTIONS } from './providerCalls';
import { OrderState } from './orderState';
import { OMS_RETRY } from './retryPolicies';

// An authorization is a provider call like any other: the same retries, the same idempotency.
const { authorizePayment } = proxyActivities<Activities>(PROVIDER_OPTIONS);

// The shop must hear of the authorization however long its door's channel is down.
const { reportAuthorization } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: OMS_RETRY,
});

/** An order with no command for this long, and none running, is closed: its workflow ends. */
const KEPT_IDLE_MS = parseDuration('400d');

export interface OrderPaymentInput {
  readonly opening: OrderPaymentOpening;
  /** How the door tells its shop about the authorization (the door's reporter). */
  readonly reply: ReplyContext;
  /** The state a continued run takes over. */
  readonly carried?: OrderPaymentState;
}

/**
 * One order's payment for as long as the order lives: the authorization made at checkout, then every
 * capture, refund and cancel on it, admitted against the money still capturable or refundable and each run
 * as its own payment command workflow (started here as an abandoned child, so that admitting and starting
 * are one step). The commands report their outcome back (recordOutcome), and the amounts follow. Queried
 * for its state; continues as new when its history grows; ends after KEPT_IDLE_MS with nothing running.
 */
export async function orderPaymentWorkflow(input: OrderPaymentInput): Promise<OrderPaymentState> {
  const { opening, reply } = input;
  const order = new OrderState(opening, input.carried);
  const { workflowId } = workflowInfo();

  const authorize = async (): Promise<OrderAuthorization> => {
    const result = await authorizePayment({
      provider: opening.provider,
      amountMinor: opening.amountMinor,
      currency: opening.currency,
      idempotencyKey: `${workflowId}:authorize`,
      workflowId,
      orderReference: opening.key.orderReference,
      ...(opening.paymentMethod ? { paymentMethod: opening.paymentMethod } : {}),
      ...(opening.returnUrl ? { returnUrl: opening.returnUrl } : {}),
    });
    order.authorized(result);
    // Checkout hears the answer now; the shop's event follows as soon as its channel takes it.
    if (result.outcome !== 'pending') {
      order.reportingAuthorization();
      void reportAuthorization({
        reportId: `${workflowId}:authorize`,
        reply,
        opening,
        authorization: result,
      })
        // Only a refusal by the door ends the retries (OMS_RETRY): it shows in the history and the log.
        .catch((error: unknown) =>
          log.error("the shop could not be told of the order's authorization", { error: String(error) }),
        )
        .finally(() => order.authorizationReported());
    }
    return result;
  };

  setHandler(authorizeOrderUpdate, async () => order.authorization(authorize), {
    validator: (asked) => order.refuseOtherOpening(asked),
  });

  setHandler(
    admitCommandUpdate,
    async (request) => {
      if (order.knows(request.workflowId)) return { workflowId: request.workflowId, redelivered: true };
      const command = order.admitted(request);
      try {
        await startChild(paymentCommandWorkflow, {
          workflowId: command.workflowId,
          args: [command.input],
          // The command goes on, and reports back, whatever becomes of this run (continue-as-new included).
          parentClosePolicy: ParentClosePolicy.ABANDON,
          cancellationType: ChildWorkflowCancellationType.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          ...commandVisibility(
            command.input,
            { orderId: opening.key.orderReference, tenant: opening.key.tenant },
            now(),
          ),
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        return { workflowId: command.workflowId, redelivered: true };
      }
      return { workflowId: command.workflowId, redelivered: false };
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
    // A busy order continues as new, carrying its state, once its reports are out.
    await continueAsNewWhenDue(
      () => continueAsNew<typeof orderPaymentWorkflow>({ opening, reply, carried: order.facts }),
      { settled: () => order.settled() },
    );
    if (!moved && !order.running()) break;
  }
  await condition(() => allHandlersFinished() && order.settled());
  return order.facts;
}
