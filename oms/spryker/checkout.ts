import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { issuesOf } from '../../domain/issues';
import { formatMoney, MAX_MINOR_UNITS } from '../../domain/money';
import {
  ORDER_PAYMENT_WORKFLOW,
  orderPaymentWorkflowId,
  type OrderAuthorization,
  type OrderPaymentOpening,
} from '../../domain/orderPayment';
import { SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';
import { authorizeOrderUpdate } from '../../workflows/orderPaymentMessages';
import { SPRYKER_DOOR, type SprykerDependencies } from './door';
import { parseDeepForm } from './formBody';
import type { SprykerReplyContext } from './events';
import type { SprykerGate } from './gate';
import { unavailable } from './intake';

const minor = z
  .union([z.number(), z.string().regex(/^\d+$/, 'an integer').transform(Number)])
  .pipe(z.number().int('an integer in minor units').positive().max(MAX_MINOR_UNITS));

/** What Settle reads of checkout's call; everything else in it is the shop's and is left alone. */
export const initializePaymentSchema = z.looseObject({
  orderData: z.looseObject({
    orderReference: z
      .string()
      .min(1)
      .max(120)
      .regex(/^[\p{L}\p{N}_.\-/#]+$/u, 'letters, digits and _ . - / # only'),
    currencyCode: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
    grandTotal: minor,
    items: z
      .array(
        z.looseObject({
          idSalesOrderItem: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]),
        }),
      )
      .min(1)
      .max(1000),
    paymentMethod: z.string().max(255).optional(),
    paymentMethodName: z.string().max(255).optional(),
  }),
  redirectSuccessUrl: z.url().max(2000).optional(),
});

export const initializePaymentAnswerSchema = z.object({
  isSuccessful: z.boolean(),
  redirectUrl: z.string().optional(),
  message: z.string().optional(),
});
type Answer = z.infer<typeof initializePaymentAnswerSchema>;

/**
 * `POST /private/initialize-payment`: Spryker's synchronous call when an order is placed. Opens the order's
 * payment (one workflow per tenant and order) and authorizes at the provider of the order's payment method,
 * once: the same order sent again is answered what the first call was. `PaymentAuthorized` or
 * `PaymentAuthorizationFailed` follows on the tenant's payment-events, also when the provider answers after
 * checkout stopped waiting.
 */
export async function initializePayment(
  deps: SprykerDependencies,
  gate: SprykerGate,
  req: Request,
  res: Response,
): Promise<void> {
  const named = req.headers['x-tenant-identifier'];
  const tenant = gate.tenant(req, res, typeof named === 'string' ? named : undefined);
  if (!tenant) return;
  const refuse = (status: number, error: string, issues?: { path: string; message: string }[]) => {
    deps.logger.warn('refused a Spryker checkout', { tenant, status, error });
    res.status(status).json(issues ? { error, issues } : { error });
  };
  const text = (req.body as Buffer).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = parseDeepForm(text);
  }
  const parsed = initializePaymentSchema.safeParse(json);
  if (!parsed.success) return refuse(400, 'invalid checkout', issuesOf(parsed.error, 'body'));
  const { orderData } = parsed.data;
  const methods = deps.spryker?.methods ?? {};
  const methodName = orderData.paymentMethodName ?? orderData.paymentMethod;
  const provider = methodName
    ? methods[methodName]
    : Object.values(methods).length === 1
      ? Object.values(methods)[0]
      : undefined;
  if (!provider)
    return refuse(400, `"${(methodName ?? '').slice(0, 80)}" is not a payment method Settle offers`);

  const opening: OrderPaymentOpening = {
    key: { door: SPRYKER_DOOR, tenant, orderReference: orderData.orderReference },
    provider,
    amountMinor: orderData.grandTotal,
    currency: orderData.currencyCode,
    ...(parsed.data.redirectSuccessUrl ? { returnUrl: parsed.data.redirectSuccessUrl } : {}),
  };
  const context: SprykerReplyContext = {
    tenant,
    orderReference: orderData.orderReference,
    orderItemIds: orderData.items.map((item) => item.idSalesOrderItem),
    amount: orderData.grandTotal,
    currencyIsoCode: orderData.currencyCode,
  };
  const workflowId = orderPaymentWorkflowId(opening.key);
  let authorization: OrderAuthorization;
  try {
    authorization = await deps.temporal.connection.withDeadline(
      Date.now() + (deps.spryker?.checkoutWaitMs ?? 0),
      () =>
        deps.temporal.workflow.executeUpdateWithStart(authorizeOrderUpdate, {
          args: [opening],
          startWorkflowOperation: new WithStartWorkflowOperation(ORDER_PAYMENT_WORKFLOW, {
            workflowId,
            taskQueue: deps.taskQueue,
            args: [{ opening, reply: { door: SPRYKER_DOOR, context } }],
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
            staticSummary: `order ${orderData.orderReference} · ${formatMoney({ minor: orderData.grandTotal, currency: orderData.currencyCode })} · ${provider}`,
            typedSearchAttributes: [
              { key: SEARCH_ATTRIBUTES.door, value: SPRYKER_DOOR },
              { key: SEARCH_ATTRIBUTES.tenant, value: tenant },
              { key: SEARCH_ATTRIBUTES.orderId, value: orderData.orderReference },
              { key: SEARCH_ATTRIBUTES.provider, value: provider },
            ],
          }),
        }),
    );
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const message = (error.cause as Error | undefined)?.message ?? error.message;
      deps.logger.warn('refused a Spryker checkout', { tenant, error: message });
      return void res.json({ isSuccessful: false, message } satisfies Answer);
    }
    if (!timedOut(error)) return unavailable(deps, res, error);
    deps.logger.warn('checkout stopped waiting for the authorization', { workflowId });
    return void res.json({
      isSuccessful: false,
      message: 'the payment provider has not answered yet; the shop hears the outcome as an event',
    } satisfies Answer);
  }
  deps.logger.info('Spryker checkout authorized', { workflowId, outcome: authorization.outcome });
  res.json(answerOf(authorization));
}

function answerOf(authorization: OrderAuthorization): Answer {
  if (authorization.outcome === 'declined') {
    return { isSuccessful: false, message: authorization.reason ?? authorization.status };
  }
  return {
    isSuccessful: true,
    ...(authorization.redirectUrl ? { redirectUrl: authorization.redirectUrl } : {}),
  };
}

/** Whether the call ran out of time (gRPC DEADLINE_EXCEEDED), rather than failing. */
function timedOut(error: unknown): boolean {
  for (
    let cause = error as { code?: unknown; cause?: unknown } | undefined;
    cause;
    cause = cause.cause as typeof cause
  ) {
    if (cause.code === GRPC_DEADLINE_EXCEEDED) return true;
  }
  return false;
}

const GRPC_DEADLINE_EXCEEDED = 4;
