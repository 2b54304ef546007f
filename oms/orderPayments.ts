import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { CheckoutMode, CheckoutPageSettings } from '../domain/checkout';
import { checkoutPageUrl } from '../domain/checkoutToken';
import { ReportRefusedError } from '../domain/failures';
import { formatMoney } from '../domain/money';
import { countAdmitted } from '../http/metrics';
import {
  authorizeWorkflowId,
  ORDER_PAYMENT_WORKFLOW,
  orderPaymentWorkflowId,
  orderReferenceKey,
  type OrderAuthorization,
  type OrderCommandRequest,
  type OrderKey,
  type OrderPaymentOpening,
  type OrderPaymentState,
} from '../domain/orderPayment';
import type { FinalOutcome } from '../domain/outcome';
import type { PaymentCommandInput, ReplyContext } from '../domain/paymentCommand';
import type { SettlementPolicies } from '../domain/settlement';
import type { ProviderRegistry } from '../providers/registry';
import {
  admitCommandUpdate,
  openCheckoutUpdate,
  orderPaymentQuery,
  recordOutcomeUpdate,
} from '../workflows/orderPaymentMessages';
import { facetEntries, SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';
import { checkStartable } from './startCommand';

/**
 * The order's payment (workflows/orderPayment.ts) as the doors whose commands name an order reach it: open
 * its checkout, read it, admit a command on it. Refusals come back as values, in words a door
 * can pass on; anything else (Temporal unreachable) is thrown.
 */

export interface OrderAccess {
  readonly temporal: Client;
  readonly taskQueue: string;
}

/** What a checkout needs beyond the order's workflow: the providers, the settlement policies, the page's settings. */
export interface CheckoutAccess extends OrderAccess {
  readonly providers: ProviderRegistry;
  readonly settlement: SettlementPolicies;
  /** Absent: Settle serves no payment page, and a page checkout is refused. */
  readonly checkoutPage?: CheckoutPageSettings;
}

/** A checkout: the order's payment as the shop opens it, and how the customer pays. */
export interface Checkout extends OrderPaymentOpening {
  readonly mode: CheckoutMode;
}

export type CheckoutAnswer =
  /** Page: where the shop sends the customer, at once. */
  | { readonly page: { readonly url: string; readonly expiresAt: string } }
  /** Direct: the provider's answer to the authorization (pending with a redirect for 3-D Secure). */
  | { readonly authorization: OrderAuthorization }
  /** The order was opened before with another amount, currency or provider. */
  | { readonly refused: string }
  /** Direct: the provider had not answered by the deadline; the authorization goes on, its event follows. */
  | { readonly waiting: true };

/** A page checkout is answered once its command is started: this long at least, whatever the door waits. */
const PAGE_START_WAIT_MS = 10_000;

/**
 * Opens the order's payment (its workflow, with its search attributes) and its checkout, once: the order's
 * authorize command (`<order id>:authorize`), which reports its outcome through the door like any command
 * (`reply`, to which the command's workflow id is added: order doors' contexts name their command). A page
 * checkout answers the page's address at once; a direct one waits at most `waitMs` for the provider's answer.
 * The same order again answers what the first checkout answers (the same page).
 */
export async function openCheckout(
  deps: CheckoutAccess,
  checkout: Checkout,
  reply: ReplyContext,
  waitMs: number,
): Promise<CheckoutAnswer> {
  const { temporal, taskQueue } = deps;
  const { key, provider, amountMinor, currency, mode } = checkout;
  const page = deps.checkoutPage;
  if (mode === 'page' && !page) {
    return { refused: 'Settle serves no payment page: PUBLIC_URL is not set' };
  }
  const orderWorkflowId = orderPaymentWorkflowId(key);
  const authorize = authorizeCommand(deps, checkout, reply, orderWorkflowId);
  const deadline = Date.now() + (mode === 'page' ? Math.max(waitMs, PAGE_START_WAIT_MS) : waitMs);
  try {
    const opened = await temporal.connection.withDeadline(deadline, () =>
      temporal.workflow.executeUpdateWithStart(openCheckoutUpdate, {
        args: [{ opening: checkout, authorize }],
        startWorkflowOperation: new WithStartWorkflowOperation(ORDER_PAYMENT_WORKFLOW, {
          workflowId: orderWorkflowId,
          taskQueue,
          args: [{ opening: checkout, reply }],
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
    if (opened.mode === 'page' && page && opened.expiresAt) {
      const url = checkoutPageUrl(page.publicUrl, orderWorkflowId, opened.expiresAt, page.key);
      return { page: { url, expiresAt: opened.expiresAt } };
    }
    if (opened.authorization) return { authorization: opened.authorization };
    // Opened first as a page, now asked without one configured: the page stays the order's.
    return { refused: "the order's checkout is on a payment page, which Settle no longer serves" };
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

/** The checkout's authorize command, as the order starts it. */
function authorizeCommand(
  { providers, settlement, checkoutPage }: CheckoutAccess,
  checkout: Checkout,
  reply: ReplyContext,
  orderWorkflowId: string,
): PaymentCommandInput {
  const { key, provider, amountMinor, currency, mode, paymentMethod, returnUrl } = checkout;
  const workflowId = authorizeWorkflowId(orderWorkflowId);
  const expiresAt =
    mode === 'page' && checkoutPage ? new Date(Date.now() + checkoutPage.ttlMs).toISOString() : undefined;
  // On the page the provider sends the customer back to the page's return, which waits for the provider's word.
  const back =
    expiresAt && checkoutPage
      ? `${checkoutPageUrl(checkoutPage.publicUrl, orderWorkflowId, expiresAt, checkoutPage.key)}/return`
      : returnUrl;
  const input: PaymentCommandInput = {
    command: 'authorize',
    reference: orderReferenceKey(key),
    provider,
    transactionId: '',
    amountMinor,
    currency,
    // An authorization is asked about by what Settle put on it (findAuthorization), not by an operation.
    settlement: settlement('authorize', providers.get(provider)?.findAuthorization !== undefined),
    reply: { door: reply.door, context: { ...(reply.context as object), workflowId } },
    checkout: {
      orderWorkflowId,
      orderReference: key.orderReference,
      mode,
      ...(expiresAt ? { expiresAt } : {}),
      ...(mode === 'direct' && paymentMethod ? { paymentMethod } : {}),
      ...(back ? { returnUrl: back } : {}),
    },
  };
  checkStartable(input);
  return input;
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
  authorization?: OrderAuthorization,
): Promise<OrderPaymentState> {
  try {
    return await temporal.workflow.getHandle(orderPaymentWorkflowId(key)).executeUpdate(recordOutcomeUpdate, {
      args: [{ workflowId: commandWorkflowId, outcome, ...(authorization ? { authorization } : {}) }],
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
