import type { Request, Response } from 'express';
import { z } from 'zod';
import { issuesOf } from '../../domain/issues';
import { MAX_MINOR_UNITS } from '../../domain/money';
import { orderPaymentWorkflowId, type OrderAuthorization } from '../../domain/orderPayment';
import { openCheckout, type Checkout } from '../orderPayments';
import { SPRYKER_DOOR, type SprykerDependencies } from './door';
import { parseDeepForm } from './formBody';
import type { SprykerReplyContext } from './events';
import type { SprykerGate } from './gate';
import { answerRefusal, OrderRefusal } from '../orderRefusal';
import { sprykerRefusals } from './intake';
import { isConnected } from './connections';
import { refuse } from './onboarding';

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
    /**
     * A shop that collects the payment method itself (its own provider component) sends its token here: the
     * order is then authorized server-side with it. Without one the customer pays on Settle's payment page.
     */
    additionalPaymentData: z
      .looseObject({ paymentMethodToken: z.string().min(1).max(255).optional() })
      .optional(),
  }),
  redirectSuccessUrl: z.url().max(2000).optional(),
  redirectCancelUrl: z.url().max(2000).optional(),
  checkoutSummaryPageUrl: z.url().max(2000).optional(),
});

export const initializePaymentAnswerSchema = z.object({
  isSuccessful: z.boolean(),
  redirectUrl: z.string().optional(),
  message: z.string().optional(),
});
type Answer = z.infer<typeof initializePaymentAnswerSchema>;

/**
 * `POST /private/initialize-payment`: Spryker's synchronous call when an order is placed. Opens the order's
 * payment (one workflow per tenant and order) and its checkout at the provider of the order's payment method,
 * once: the same order sent again is answered what the first call was. Without a payment method token the
 * answer is Settle's payment page at once (`redirectUrl`), where the customer pays; with one, the order is
 * authorized server-side with it. `PaymentAuthorized` or `PaymentAuthorizationFailed` follows on the tenant's
 * payment-events once the authorize command has its outcome.
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
  try {
    res.json(await checkout(deps, tenant, req.body as Buffer));
  } catch (error) {
    if (error instanceof TenantNotConnected) {
      deps.logger.warn('refused a Spryker checkout: the tenant is not connected', { tenant });
      return refuse(res, 403, 403, 'Tenant is disconnected.');
    }
    answerRefusal(res, error, sprykerRefusals(deps, 'refused a Spryker checkout', { tenant }));
  }
}

/** A well-formed checkout of a tenant not connected (or disconnected): app-kernel refuses it with 403. */
class TenantNotConnected extends Error {}

/** The error of a checkout refused for its input, with its issues. */
const INVALID = 'invalid checkout';

/** Reads the checkout and authorizes its order; throws an OrderRefusal for what it refuses. */
async function checkout(deps: SprykerDependencies, tenant: string, raw: Buffer): Promise<Answer> {
  const text = raw.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = parseDeepForm(text);
  }
  const parsed = initializePaymentSchema.safeParse(json);
  if (!parsed.success) throw new OrderRefusal(400, INVALID, issuesOf(parsed.error, 'body'));
  const { orderData } = parsed.data;
  const methods = deps.spryker?.methods ?? new Map<string, string>();
  const methodName = orderData.paymentMethodName ?? orderData.paymentMethod;
  const provider = methodName
    ? methods.get(methodName)
    : methods.size === 1
      ? [...methods.values()][0]
      : undefined;
  if (!provider)
    throw new OrderRefusal(400, INVALID, [
      {
        path: 'body.orderData.paymentMethodName',
        message: `"${(methodName ?? '').slice(0, 80)}" is not a payment method Settle offers`,
      },
    ]);

  const unpayable = deps.providers.amountProblem(provider, {
    minor: orderData.grandTotal,
    currency: orderData.currencyCode,
  });
  if (unpayable)
    throw new OrderRefusal(400, INVALID, [{ path: 'body.orderData.grandTotal', message: unpayable }]);

  const { redirectSuccessUrl, redirectCancelUrl, checkoutSummaryPageUrl } = parsed.data;
  const token = orderData.additionalPaymentData?.paymentMethodToken;
  const cancelUrl = redirectCancelUrl ?? checkoutSummaryPageUrl;
  // As app-kernel refuses a disconnected (or never connected) tenant's calls: nothing is opened.
  if (!(await isConnected(deps.temporal, deps.spryker, tenant))) throw new TenantNotConnected();
  const opening: Checkout = {
    key: { door: SPRYKER_DOOR, tenant, orderReference: orderData.orderReference },
    provider,
    amountMinor: orderData.grandTotal,
    currency: orderData.currencyCode,
    mode: token ? 'direct' : 'page',
    ...(token ? { paymentMethod: token } : {}),
    ...(redirectSuccessUrl ? { returnUrl: redirectSuccessUrl } : {}),
    returnTo: {
      ...(redirectSuccessUrl ? { successUrl: redirectSuccessUrl } : {}),
      ...(cancelUrl ? { cancelUrl } : {}),
    },
  };
  const context: SprykerReplyContext = {
    tenant,
    orderReference: orderData.orderReference,
    orderItemIds: orderData.items.map((item) => item.idSalesOrderItem),
    amount: orderData.grandTotal,
    currencyIsoCode: orderData.currencyCode,
  };
  const authorized = await openCheckout(
    deps,
    opening,
    { door: SPRYKER_DOOR, context },
    deps.spryker?.checkoutWaitMs ?? 0,
  );
  const workflowId = orderPaymentWorkflowId(opening.key);
  // Not an HTTP refusal: checkout's caller reads a declined or refused payment from the answer.
  if ('refused' in authorized) {
    deps.logger.warn('refused a Spryker checkout', { tenant, error: authorized.refused });
    return { isSuccessful: false, message: authorized.refused };
  }
  if ('waiting' in authorized) {
    deps.logger.warn('checkout stopped waiting for the authorization', { workflowId });
    return {
      isSuccessful: false,
      message: 'the payment provider has not answered yet; the shop hears the outcome as an event',
    };
  }
  if ('page' in authorized) {
    deps.logger.info('Spryker checkout on the payment page', { workflowId });
    return { isSuccessful: true, redirectUrl: authorized.page.url };
  }
  const { authorization } = authorized;
  deps.logger.info('Spryker checkout authorized', { workflowId, outcome: authorization.outcome });
  return answerOf(authorization);
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
