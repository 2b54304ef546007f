import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import { ReportRefusedError } from '../domain/failures';
import { formatMoney } from '../domain/money';
import { countAdmitted } from '../http/metrics';
import {
  ORDER_PAYMENT_WORKFLOW,
  orderPaymentWorkflowId,
  type OrderAuthorization,
  type OrderCommandRequest,
  type OrderKey,
  type OrderPaymentOpening,
  type OrderPaymentState,
} from '../domain/orderPayment';
import type { FinalOutcome } from '../domain/outcome';
import type { ReplyContext } from '../domain/paymentCommand';
import {
  admitCommandUpdate,
  authorizeOrderUpdate,
  orderPaymentQuery,
  recordOutcomeUpdate,
} from '../workflows/orderPaymentMessages';
import { facetEntries, SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';
import { checkStartable } from './startCommand';

/**
 * The order's payment (workflows/orderPayment.ts) as the doors whose commands name an order reach it: open
 * and authorize it at checkout, read it, admit a command on it. Refusals come back as values, in words a door
 * can pass on; anything else (Temporal unreachable) is thrown.
 */

export interface OrderAccess {
  readonly temporal: Client;
  readonly taskQueue: string;
}

export type Authorized =
  | { readonly authorization: OrderAuthorization }
  /** The order was opened before with another amount, currency or provider. */
  | { readonly refused: string }
  /** The provider had not answered by the deadline; the authorization goes on. */
  | { readonly waiting: true };

/**
 * Opens the order's payment (its workflow, with its search attributes) and authorizes it once; the same
 * order again answers what the first authorization answered. Waits at most `waitMs` for the provider.
 */
export async function authorizeOrder(
  { temporal, taskQueue }: OrderAccess,
  opening: OrderPaymentOpening,
  reply: ReplyContext,
  waitMs: number,
): Promise<Authorized> {
  const { key, provider, amountMinor, currency } = opening;
  const deadline = Date.now() + waitMs;
  try {
    const authorization = await temporal.connection.withDeadline(deadline, () =>
      temporal.workflow.executeUpdateWithStart(authorizeOrderUpdate, {
        args: [opening],
        startWorkflowOperation: new WithStartWorkflowOperation(ORDER_PAYMENT_WORKFLOW, {
          workflowId: orderPaymentWorkflowId(key),
          taskQueue,
          args: [{ opening, reply }],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          staticSummary: `order ${key.orderReference} · ${formatMoney({ minor: amountMinor, currency })} · ${provider}`,
          typedSearchAttributes: [
            { key: SEARCH_ATTRIBUTES.orderId, value: key.orderReference },
            {
              key: SEARCH_ATTRIBUTES.facets,
              value: facetEntries({ door: key.door, tenant: key.tenant, provider, currency }),
            },
          ],
        }),
      }),
    );
    countAdmitted(key.door, 'authorize');
    return { authorization };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return { refused: causeOf(error) };
    // Out of time, or the order's workflow already busy with as many calls as Temporal takes at once (the same
    // checkout sent many times together): either way its authorization goes on, and its event follows.
    if (timedOut(error) || busy(error) || cancelledAt(error, deadline)) {
      countAdmitted(key.door, 'authorize');
      return { waiting: true };
    }
    throw error;
  }
}

/** The order's payment, or undefined when no checkout opened it. */
export async function orderPaymentOf(
  temporal: Client,
  key: OrderKey,
): Promise<OrderPaymentState | undefined> {
  try {
    return await temporal.workflow.getHandle(orderPaymentWorkflowId(key)).query(orderPaymentQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

export type Admitted =
  | { readonly workflowId: string }
  /** The order's money does not allow it; nothing started. */
  | { readonly refused: string };

/**
 * Admits a command on the order's payment, which starts its workflow; a redelivery (the same workflow id)
 * starts nothing. Throws UnstartableCommandError (oms/startCommand.ts) for an input Temporal cannot take.
 */
export async function admitOrderCommand(
  temporal: Client,
  key: OrderKey,
  request: OrderCommandRequest,
): Promise<Admitted> {
  checkStartable(request.input);
  try {
    const admitted = await temporal.workflow
      .getHandle(orderPaymentWorkflowId(key))
      .executeUpdate(admitCommandUpdate, { args: [request], updateId: request.workflowId });
    return { workflowId: admitted.workflowId };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return { refused: causeOf(error) };
    throw error;
  }
}

/**
 * Records a command's outcome in the order's payment, from the door's reporter, and answers the order's payment
 * as it is then; once per report (`reportId`). The order refusing it (not its command) is a refusal of the report.
 */
export async function recordOrderOutcome(
  temporal: Client,
  key: OrderKey,
  commandWorkflowId: string,
  outcome: FinalOutcome,
  reportId: string,
): Promise<OrderPaymentState> {
  try {
    return await temporal.workflow.getHandle(orderPaymentWorkflowId(key)).executeUpdate(recordOutcomeUpdate, {
      args: [{ workflowId: commandWorkflowId, outcome }],
      updateId: `${reportId}:outcome`,
    });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw new ReportRefusedError(error.message);
    throw error;
  }
}

const causeOf = (error: WorkflowUpdateFailedError) =>
  (error.cause as Error | undefined)?.message ?? error.message;

/** Whether gRPC status `code` is anywhere in the error's causes. */
function hasGrpcCode(error: unknown, code: number): boolean {
  for (
    let cause = error as { code?: unknown; cause?: unknown } | undefined;
    cause;
    cause = cause.cause as typeof cause
  ) {
    if (cause.code === code) return true;
  }
  return false;
}

/** The call ran out of time (DEADLINE_EXCEEDED), rather than failing. */
const timedOut = (error: unknown) => hasGrpcCode(error, 4);
/**
 * The call was cancelled (CANCELLED) once its deadline had passed: the client's own deadline ended a call that
 * was being retried, which gRPC reports as cancelled rather than DEADLINE_EXCEEDED.
 */
const cancelledAt = (error: unknown, deadline: number) => hasGrpcCode(error, 1) && Date.now() >= deadline;
/** Temporal refused the call for the workflow's limit on calls in flight (RESOURCE_EXHAUSTED). */
const busy = (error: unknown) => hasGrpcCode(error, 8);
