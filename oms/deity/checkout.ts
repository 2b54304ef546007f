import type { z } from 'zod';
import { InvalidAmountError, toMinorUnits } from '../../domain/money';
import type { CheckoutReturn } from '../../domain/checkout';
import { checkoutPageUrl } from '../../domain/checkoutToken';
import {
  orderPaymentWorkflowId,
  type OrderAuthorization,
  type OrderKey,
  type OrderPaymentState,
} from '../../domain/orderPayment';
import { openCheckout, orderPaymentOf, type Checkout } from '../orderPayments';
import { OrderRefusal, type RefusalAnswer } from '../orderRefusal';
import type { validateAnswerSchema, validatePayloadSchema } from './contract';
import { DEITY_DOOR, type DeityDependencies, type DeityOrderContext, type DeityReplyContext } from './door';
import { misfit } from './methodRules';
import { methodOf } from './profiles';
import type { DeityProfile } from './settings';

type ValidateAnswer = z.infer<typeof validateAnswerSchema>;

/** The error of a call refused for its input, with its issues. */
export const INVALID = 'invalid request';

/** A major-unit amount at the door, in minor units, or a 400 naming the field. */
export function minorOf(amount: number | string, currency: string, path: string): number {
  try {
    return toMinorUnits(amount, currency).minor;
  } catch (error) {
    if (!(error instanceof InvalidAmountError)) throw error;
    throw new OrderRefusal(400, INVALID, [{ path, message: error.message }]);
  }
}

/**
 * `validate` ("Place Order", `<base>/payment`): opens the order's payment and its checkout at the chosen method's provider, once
 * per profile and order id: the same order again answers what the first call did, without a second
 * authorization. A method whose configuration names a `paymentMethod` is authorized server-side with it
 * (`complete`, `incomplete` while the provider decides, `failed`, or `redirect` to its 3-D Secure step); any
 * other is paid on Settle's payment page (`redirect`). The shop hears the outcome as a PAYMENT_STATUS_UPDATED
 * event.
 */
export async function validateOrder(
  deps: DeityDependencies,
  profile: DeityProfile,
  payload: z.infer<typeof validatePayloadSchema>,
): Promise<ValidateAnswer> {
  const method = methodOf(profile, payload.provider, payload.method);
  if (!method)
    throw new OrderRefusal(404, `the profile offers no method ${payload.provider}/${payload.method}`);
  if (!deps.providers.get(method.provider)) {
    throw new OrderRefusal(
      409,
      `${method.provider}, the provider of ${payload.method}, is not configured on Settle`,
    );
  }
  const { currency } = payload;
  const amountMinor = minorOf(payload.total.grandTotal, currency, 'body.total.grandTotal');
  if (amountMinor <= 0)
    throw new OrderRefusal(400, INVALID, [{ path: 'body.total.grandTotal', message: 'must be more than 0' }]);
  // The method list's filters again: the shop's client cannot place an order with a method the list left out.
  // minMaxAmounts bound the total before the payment surcharge, which the grand total includes.
  const surchargeMinor =
    payload.total.surcharge === undefined
      ? 0
      : minorOf(payload.total.surcharge, currency, 'body.total.surcharge');
  const unfit = misfit(method, {
    currency,
    ...(payload.billingAddress?.country ? { country: payload.billingAddress.country } : {}),
    totalMinor: Math.max(0, amountMinor - surchargeMinor),
  });
  if (unfit) throw new OrderRefusal(409, unfit);
  const unpayable = deps.providers.amountProblem(method.provider, { minor: amountMinor, currency });
  if (unpayable) {
    throw new OrderRefusal(400, INVALID, [{ path: 'body.total.grandTotal', message: unpayable }]);
  }
  const items = payload.items.map((item, index) => ({
    id: String(item.id),
    unitMinor: minorOf(item.price, currency, `body.items.${index}.price`),
    quantity: item.quantity,
  }));
  const orderContext: DeityOrderContext = {
    serviceUser: profile.serviceUser,
    orderId: payload.id,
    provider: payload.provider,
    method: payload.method,
    items,
    shippingMinor:
      payload.total.shipping === undefined
        ? 0
        : minorOf(payload.total.shipping, currency, 'body.total.shipping'),
  };
  const opening: Checkout = {
    key: { door: DEITY_DOOR, tenant: profile.serviceUser, orderReference: payload.id },
    provider: payload.provider,
    amountMinor,
    currency,
    mode: method.paymentMethod ? 'direct' : 'page',
    ...(method.paymentMethod ? { paymentMethod: method.paymentMethod } : {}),
    // Direct, the provider's 3-D Secure step comes back to the shop; on the page, the page does once decided.
    ...(payload.returnUrl ? { returnUrl: payload.returnUrl } : {}),
    returnTo: returnToOf(payload),
    context: orderContext,
  };
  const reply: DeityReplyContext = {
    serviceUser: profile.serviceUser,
    orderId: payload.id,
    provider: payload.provider,
    method: payload.method,
    amountMinor,
    currency,
  };
  const authorized = await openCheckout(
    deps,
    opening,
    { door: DEITY_DOOR, context: reply },
    deps.deity?.validateWaitMs ?? 0,
  );
  if ('refused' in authorized) throw new OrderRefusal(409, authorized.refused);
  if ('waiting' in authorized) return { orderId: payload.id, status: 'incomplete' };
  if ('page' in authorized) return redirect(payload.id, authorized.page.url);
  return answerOf(payload.id, authorized.authorization);
}

/**
 * The post-redirect update (`<base>/payment/:shopOrderId`): the order's status now, as the provider's word recorded it
 * (its webhook, a status request, the page's expiry); the browser's return decides nothing. 404 for an order
 * the profile never placed.
 */
export async function paymentStatusOf(
  deps: DeityDependencies,
  profile: DeityProfile,
  shopOrderId: string,
): Promise<ValidateAnswer> {
  const key: OrderKey = { door: DEITY_DOOR, tenant: profile.serviceUser, orderReference: shopOrderId };
  const order = await orderPaymentOf(deps.temporal, key);
  if (!order?.checkout) throw new OrderRefusal(404, `the profile placed no order ${shopOrderId}`);
  const { authorization } = order;
  if (authorization && authorization.outcome !== 'pending') return answerOf(shopOrderId, authorization);
  const page = pageUrlOf(deps, key, order);
  if (page) return redirect(shopOrderId, page);
  return authorization
    ? answerOf(shopOrderId, authorization)
    : { orderId: shopOrderId, status: 'incomplete' };
}

/** The order's payment page while the customer may still pay on it. */
function pageUrlOf(
  deps: DeityDependencies,
  key: OrderKey,
  { checkout }: OrderPaymentState,
): string | undefined {
  const page = deps.checkoutPage;
  if (checkout?.mode !== 'page' || !checkout.expiresAt || !page) return undefined;
  if (Date.parse(checkout.expiresAt) <= Date.now()) return undefined;
  return checkoutPageUrl(page.publicUrl, orderPaymentWorkflowId(key), checkout.expiresAt, page.key);
}

/** Where the page sends the customer once the payment is decided: the shop's return, or its cancel URL. */
function returnToOf({ returnUrl, cancelUrl }: z.infer<typeof validatePayloadSchema>): CheckoutReturn {
  const cancel = cancelUrl ?? returnUrl;
  return { ...(returnUrl ? { successUrl: returnUrl } : {}), ...(cancel ? { cancelUrl: cancel } : {}) };
}

const redirect = (orderId: string, url: string): ValidateAnswer => ({
  orderId,
  status: 'redirect',
  intermediateStep: { url, method: 'GET' },
});

/** Deity's place-order statuses: complete (authorized), incomplete (pending), failed, redirect (a step). */
function answerOf(orderId: string, authorization: OrderAuthorization): ValidateAnswer {
  const id = authorization.transactionId ? { id: authorization.transactionId } : {};
  switch (authorization.outcome) {
    case 'settled':
      return { ...id, orderId, status: 'complete' };
    case 'declined':
      return { ...id, orderId, status: 'failed', reason: authorization.reason ?? authorization.status };
    case 'pending':
      return authorization.redirectUrl
        ? { ...id, ...redirect(orderId, authorization.redirectUrl) }
        : { ...id, orderId, status: 'incomplete' };
  }
}

/** How the door answers what it refuses in a call (`what`), and that the order's payment cannot be reached. */
export function deityRefusals(deps: DeityDependencies, what: string): RefusalAnswer {
  return {
    logger: deps.logger,
    refused: `refused a Deity ${what}`,
    unavailable: 'Settle cannot take the request now; send it again',
  };
}
