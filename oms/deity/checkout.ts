import type { Response } from 'express';
import type { z } from 'zod';
import { InvalidAmountError, toMinorUnits } from '../../domain/money';
import type { OrderAuthorization, OrderPaymentOpening } from '../../domain/orderPayment';
import { authorizeOrder } from '../orderPayments';
import type { validateAnswerSchema, validatePayloadSchema } from './contract';
import { DEITY_DOOR, type DeityDependencies, type DeityOrderContext, type DeityReplyContext } from './door';
import { methodOf } from './profiles';
import type { DeityProfile } from './settings';

type ValidateAnswer = z.infer<typeof validateAnswerSchema>;

/** A refusal a handler answers: the HTTP status and the error, logged once. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: readonly { path: string; message: string }[],
  ) {
    super(message);
  }
}

/** A major-unit amount at the door, in minor units, or a 400 naming the field. */
export function minorOf(amount: number | string, currency: string, path: string): number {
  try {
    return toMinorUnits(amount, currency).minor;
  } catch (error) {
    if (!(error instanceof InvalidAmountError)) throw error;
    throw new Refusal(400, 'invalid request', [{ path, message: error.message }]);
  }
}

/**
 * `validate` ("Place Order"): opens the order's payment and authorizes it at the chosen method's provider,
 * once per profile and order id: the same order again answers what the first call did, without a second
 * authorization. The shop hears the authorization again as a PAYMENT_STATUS_UPDATED event.
 */
export async function validateOrder(
  deps: DeityDependencies,
  profile: DeityProfile,
  payload: z.infer<typeof validatePayloadSchema>,
): Promise<ValidateAnswer> {
  const method = methodOf(profile, payload.provider, payload.method);
  if (!method) throw new Refusal(404, `the profile offers no method ${payload.provider}/${payload.method}`);
  if (!deps.providers.get(method.provider)) {
    throw new Refusal(
      409,
      `${method.provider}, the provider of ${payload.method}, is not configured on Settle`,
    );
  }
  if (method.currencies && !method.currencies.includes(payload.currency)) {
    throw new Refusal(409, `${payload.provider}/${payload.method} does not take ${payload.currency}`);
  }
  const { currency } = payload;
  const amountMinor = minorOf(payload.total.grandTotal, currency, 'body.total.grandTotal');
  if (amountMinor <= 0)
    throw new Refusal(400, 'invalid request', [
      { path: 'body.total.grandTotal', message: 'must be more than 0' },
    ]);
  const unpayable = deps.providers.amountProblem(method.provider, { minor: amountMinor, currency });
  if (unpayable) {
    throw new Refusal(400, 'invalid request', [{ path: 'body.total.grandTotal', message: unpayable }]);
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
  const opening: OrderPaymentOpening = {
    key: { door: DEITY_DOOR, tenant: profile.serviceUser, orderReference: payload.id },
    provider: payload.provider,
    amountMinor,
    currency,
    ...(method.paymentMethod ? { paymentMethod: method.paymentMethod } : {}),
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
  const authorized = await authorizeOrder(
    deps,
    opening,
    { door: DEITY_DOOR, context: reply },
    deps.deity?.validateWaitMs ?? 0,
  );
  if ('refused' in authorized) throw new Refusal(409, authorized.refused);
  if ('waiting' in authorized) return { orderId: payload.id, status: 'pending' };
  return answerOf(payload.id, authorized.authorization);
}

function answerOf(orderId: string, authorization: OrderAuthorization): ValidateAnswer {
  const id = authorization.transactionId ? { id: authorization.transactionId } : {};
  switch (authorization.outcome) {
    case 'settled':
      return { ...id, orderId, status: 'authorized' };
    case 'declined':
      return { ...id, orderId, status: 'failed', reason: authorization.reason ?? authorization.status };
    case 'pending':
      return {
        ...id,
        orderId,
        status: 'pending',
        ...(authorization.redirectUrl
          ? { intermediateStep: { url: authorization.redirectUrl, method: 'GET' } }
          : {}),
      };
  }
}

/** Answers a handler's refusal as its status and error, logging it once. */
export function refused(deps: DeityDependencies, res: Response, error: unknown, what: string): void {
  if (!(error instanceof Refusal)) {
    deps.logger.error('could not reach the order payment', { error: (error as Error).message });
    return void res.status(503).json({ error: 'Settle cannot take the request now; send it again' });
  }
  deps.logger.warn(`refused a Deity ${what}`, { status: error.status, error: error.message });
  res
    .status(error.status)
    .json(error.issues ? { error: error.message, issues: error.issues } : { error: error.message });
}
