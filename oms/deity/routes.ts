import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  errorBodySchema,
  invalidInputSchema,
  jsonBody,
  KB,
  route,
  type RouteSet,
  httpAuth,
} from '../../http/contract';
import { bearerGate, gatedResponses, identifiedBy } from '../../http/throttle';
import { answerRefusal, moneyCommandResponses, OrderRefusal } from '../orderRefusal';
import { deityRefusals, paymentStatusOf, validateOrder } from './checkout';
import {
  CLIENT_BASE,
  methodListSchema,
  orderUpdateSchema,
  paymentLoadPayloadSchema,
  paymentMethodInstanceSchema,
  updateAcceptedSchema,
  validateAnswerSchema,
  validatePayloadSchema,
} from './contract';
import type { DeityDependencies } from './door';
import { receiveOrderUpdate } from './orderUpdates';
import { methodsReader } from './profileMethods';
import { fits, methodOf, profileOf } from './profiles';
import type { DeityMethod, DeityProfile } from './settings';

/**
 * The Deity door as the HTTP contract declares it (http/contract.ts): the Payment Orchestrator's four client
 * endpoints, under CLIENT_BASE (a proposal, oms/deity/contract.ts).
 */

const BODY_LIMIT = 256 * KB;

const profileAuth = httpAuth(
  'deityProfile',
  'basic',
  '`Authorization: Basic base64(<serviceUser>:<serviceToken>)` of a profile in DEITY_PROFILES (or ' +
    '`Authorization: Bearer <serviceToken>` with `X-Service-User: <serviceUser>`).',
);

const authResponses = gatedResponses('Unknown profile, no credentials, or the wrong token.');

const instanceOf = ({ provider, method, config }: DeityMethod) => ({
  provider,
  method,
  ...(config ? { config } : {}),
});

export function deityRoutes(deps: DeityDependencies): RouteSet {
  const gate = bearerGate(CLIENT_BASE, 'settle-deity', deps.logger, 'Basic');
  /** The calling profile, or undefined once answered 401 or 429. */
  const profile = (req: Request, res: Response): DeityProfile | undefined =>
    identifiedBy(gate, req, res, () => profileOf(req.headers, deps.deity));
  const withMethods = methodsReader(deps.temporal);
  /** Answers the calling profile with what `work` returns, or with what it refused. */
  const answer = async (
    req: Request,
    res: Response,
    what: string,
    work: (caller: DeityProfile) => Promise<unknown>,
    status = 200,
  ) => {
    const caller = profile(req, res);
    if (!caller) return;
    try {
      res.status(status).json(await work(caller));
    } catch (error) {
      answerRefusal(res, error, deityRefusals(deps, what));
    }
  };

  return {
    schemas: {
      DeityPaymentLoadPayload: [paymentLoadPayloadSchema, "Falcon's PaymentLoadPayload (major units)."],
      DeityPaymentMethodInstance: [paymentMethodInstanceSchema, "Falcon's PaymentMethodInstance."],
      DeityValidatePayload: [
        validatePayloadSchema,
        "Falcon's PaymentValidationPayload with the chosen method.",
      ],
      DeityValidateAnswer: [
        validateAnswerSchema,
        "Falcon's PaymentValidationResult with the order's status.",
      ],
      DeityOrderUpdate: [
        orderUpdateSchema,
        "Falcon's OrderWebhookResult: a shipment, refund or cancellation.",
      ],
    },
    routes: [
      route({
        method: 'post',
        path: `${CLIENT_BASE}/methods`,
        operationId: 'deityLoadMethodList',
        summary: 'Deity: loadMethodList',
        description: "The profile's payment methods that fit the order: its currency and country.",
        security: [profileAuth],
        request: {
          body: jsonBody(paymentLoadPayloadSchema, BODY_LIMIT),
        },
        validate: 'contract',
        responses: {
          200: { description: 'The methods that fit.', body: methodListSchema },
          400: { description: 'Malformed.', body: invalidInputSchema },
          ...authResponses,
        },
        handle: (req, res, { body }) =>
          answer(req, res, 'method list', async (caller) => ({
            items: (await withMethods(caller)).methods.filter((method) => fits(method, body)).map(instanceOf),
          })),
      }),
      route({
        method: 'post',
        path: `${CLIENT_BASE}/methods/:provider/:method`,
        operationId: 'deityLoadMethod',
        summary: 'Deity: loadMethod',
        description: 'One method with the configuration its client-side component needs.',
        security: [profileAuth],
        request: {
          params: z.object({ provider: z.string().max(40), method: z.string().max(40) }),
          body: jsonBody(paymentLoadPayloadSchema, BODY_LIMIT),
        },
        validate: 'contract',
        responses: {
          200: { description: 'The method.', body: paymentMethodInstanceSchema },
          400: { description: 'Malformed.', body: invalidInputSchema },
          404: {
            description: 'The profile has no such method, or it does not fit the order.',
            body: errorBodySchema,
          },
          ...authResponses,
        },
        handle: (req, res, { params, body }) =>
          answer(req, res, 'loadMethod', async (caller) => {
            const method = methodOf(await withMethods(caller), params.provider, params.method);
            if (!method || !fits(method, body)) {
              throw new OrderRefusal(404, `no method ${params.provider}/${params.method} fits the order`);
            }
            return instanceOf(method);
          }),
      }),
      route({
        method: 'post',
        path: `${CLIENT_BASE}/validate`,
        operationId: 'deityValidate',
        summary: 'Deity: validate (place the order)',
        description:
          "Opens the order's checkout at the chosen method's provider, once per order id; the same order again " +
          'answers the same. A method configured with a paymentMethod is authorized server-side with it; any other is ' +
          "paid on Settle's payment page (redirect). A total that minor units cannot hold exactly is refused.",
        security: [profileAuth],
        request: {
          body: jsonBody(validatePayloadSchema, BODY_LIMIT),
        },
        validate: 'contract',
        responses: {
          200: {
            description:
              'complete (authorized), redirect (the payment page, or a 3-D Secure step: intermediateStep), ' +
              'incomplete (the provider decides; the status event follows) or failed.',
            body: validateAnswerSchema,
          },
          400: { description: 'Malformed, or an amount minor units cannot hold.', body: invalidInputSchema },
          404: { description: 'The profile offers no such method.', body: errorBodySchema },
          409: {
            description: 'The order was placed before with another total, or the method does not take it.',
            body: errorBodySchema,
          },
          ...authResponses,
        },
        handle: (req, res, { body }) =>
          answer(req, res, 'validate', async (caller) =>
            validateOrder(deps, await withMethods(caller), body),
          ),
      }),
      route({
        method: 'post',
        path: `${CLIENT_BASE}/payment/:shopOrderId`,
        operationId: 'deityUpdatePayment',
        summary: 'Deity: update the payment after the redirect',
        description:
          "The order's status once the customer is back from the payment page or a 3-D Secure step, as the " +
          "provider's word recorded it: what the browser brings (any body) decides nothing. redirect while the " +
          'customer may still pay on the page.',
        security: [profileAuth],
        request: {
          params: z.object({ shopOrderId: z.string().min(1).max(120) }),
        },
        validate: 'contract',
        responses: {
          200: { description: "The order's status.", body: validateAnswerSchema },
          400: { description: 'Malformed.', body: invalidInputSchema },
          404: { description: 'The profile placed no such order.', body: errorBodySchema },
          ...authResponses,
        },
        handle: (req, res, { params }) =>
          answer(req, res, 'payment update', (caller) => paymentStatusOf(deps, caller, params.shopOrderId)),
      }),
      route({
        method: 'post',
        path: `${CLIENT_BASE}/order-updates`,
        operationId: 'deitySendOrderUpdate',
        summary: 'Deity: sendOrderUpdate',
        description:
          'A shipment (capture of the shipped items), a refund (its amount or items) or a cancellation, answered at ' +
          'once; the outcome follows as a PAYMENT_STATUS_UPDATED event. The same update again is answered the same.',
        security: [profileAuth],
        request: {
          body: jsonBody(orderUpdateSchema, BODY_LIMIT),
        },
        validate: 'contract',
        responses: {
          202: { description: 'Accepted (or accepted before).', body: updateAcceptedSchema },
          400: {
            description: 'Malformed, or an item or amount the order does not have.',
            body: invalidInputSchema,
          },
          ...moneyCommandResponses("The order's money does not allow it."),
          ...authResponses,
        },
        handle: (req, res, { body }) =>
          answer(req, res, 'order update', (caller) => receiveOrderUpdate(deps, caller, body), 202),
      }),
    ],
  };
}
