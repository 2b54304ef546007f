import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  errorBodySchema,
  httpAuth,
  invalidInputSchema,
  jsonBody,
  KB,
  route,
  type Route,
  type RouteSet,
} from '../../http/contract';
import { bearerGate, gatedResponses, identifyingGuard } from '../../http/throttle';
import { answerRefusal, moneyCommandResponses, OrderRefusal } from '../orderRefusal';
import { deityRefusals, minorOf, paymentStatusOf, validateOrder } from './checkout';
import {
  CLIENT_PATHS,
  DEFAULT_BASE_PATH,
  clientPath,
  methodListSchema,
  orderUpdateSchema,
  paymentLoadPayloadSchema,
  paymentLoadQuerySchema,
  paymentMethodInstanceSchema,
  updateAcceptedSchema,
  validateAnswerSchema,
  validatePayloadSchema,
} from './contract';
import type { DeityDependencies } from './door';
import { methodList, misfit, surchargeOf, type OrderFacts } from './methodRules';
import { receiveOrderUpdate } from './orderUpdates';
import { methodsReader } from './profileMethods';
import { methodOf, profileOf } from './profiles';
import type { DeityMethod, DeityProfile } from './settings';

/**
 * The Deity door as the HTTP contract declares it (http/contract.ts): the Payment Orchestrator's client
 * endpoints on Deity's paths (oms/deity/contract.ts) under DEITY_BASE_PATH. Every route authenticates the
 * profile from the headers first (its guard), then reads and checks the body: a caller without the profile's
 * token is answered 401, and counted by the throttle, whatever it sent.
 */

const BODY_LIMIT = 256 * KB;

const profileToken = httpAuth(
  'deityToken',
  'bearer',
  "Deity's token: `Authorization: Bearer <serviceUser>:<serviceToken>` of a profile in DEITY_PROFILES, e.g. " +
    '`Bearer acme:web:prod:<token>` (split at the last colon).',
);
const profileBasic = httpAuth(
  'deityBasic',
  'basic',
  'The same pair as `Authorization: Basic base64(<serviceUser>:<serviceToken>)`.',
);
const security = [profileToken, profileBasic];

const authResponses = gatedResponses(
  'Unknown profile, no token, or the wrong one (checked before the body).',
);

type LoadPayload = z.infer<typeof paymentLoadPayloadSchema>;

export function deityRoutes(deps: DeityDependencies): RouteSet {
  const base = deps.deity?.basePath ?? DEFAULT_BASE_PATH;
  const path = (of: keyof typeof CLIENT_PATHS) => clientPath(base, CLIENT_PATHS[of]);
  const { guard, callerOf } = identifyingGuard(bearerGate(base, 'settle-deity', deps.logger), (req) =>
    profileOf(req.headers, deps.deity),
  );
  const withMethods = methodsReader(deps.temporal);
  /** Answers the calling profile with what `work` returns, or with what it refused. */
  const answer = async (
    req: Request,
    res: Response,
    what: string,
    work: (caller: DeityProfile) => Promise<unknown>,
    status = 200,
  ) => {
    try {
      res.status(status).json(await work(callerOf(req)));
    } catch (error) {
      answerRefusal(res, error, deityRefusals(deps, what));
    }
  };
  /** The order as the method rules see it; `part` names where a wrong total came from. */
  const factsOf = (load: LoadPayload, part: 'body' | 'query'): Required<OrderFacts> => ({
    currency: load.currency,
    country: load.country,
    totalMinor: minorOf(load.total, load.currency, `${part}.total`),
  });
  const instanceOf = (method: DeityMethod, facts: Required<OrderFacts>) => {
    const surcharge = surchargeOf(method, facts);
    return {
      provider: method.provider,
      method: method.method,
      ...(method.title ? { title: method.title } : {}),
      ...(surcharge ? { surcharge } : {}),
      ...(method.config ? { config: method.config } : {}),
    };
  };
  const listMethods = (req: Request, res: Response, load: LoadPayload, part: 'body' | 'query') =>
    answer(req, res, 'method list', async (caller) => {
      const facts = factsOf(load, part);
      // Settle stores no payment methods for customers: none is storable.
      if (load.isStorable) return { items: [] };
      return {
        items: methodList((await withMethods(caller)).methods, facts).map((m) => instanceOf(m, facts)),
      };
    });
  const loadMethod = (
    req: Request,
    res: Response,
    params: { provider: string; method: string },
    load: LoadPayload,
    part: 'body' | 'query',
  ) =>
    answer(req, res, 'loadMethod', async (caller) => {
      const facts = factsOf(load, part);
      const method = methodOf(await withMethods(caller), params.provider, params.method);
      if (!method)
        throw new OrderRefusal(404, `the profile offers no method ${params.provider}/${params.method}`);
      // The list's filters are checked again: the shop's client cannot pick a method the list left out.
      const unfit = misfit(method, facts);
      if (unfit)
        throw new OrderRefusal(404, `no method ${params.provider}/${params.method} fits the order: ${unfit}`);
      return instanceOf(method, facts);
    });

  const listResponses = {
    200: { description: 'The methods that fit, in sort order.', body: methodListSchema },
    400: { description: 'Malformed, or a total minor units cannot hold.', body: invalidInputSchema },
    ...authResponses,
  };
  const methodParams = z.object({ provider: z.string().max(40), method: z.string().max(40) });
  const methodResponses = {
    200: { description: 'The method.', body: paymentMethodInstanceSchema },
    400: { description: 'Malformed, or a total minor units cannot hold.', body: invalidInputSchema },
    404: {
      description: 'The profile has no such method, or it does not fit the order.',
      body: errorBodySchema,
    },
    ...authResponses,
  };
  const listDescription =
    "The profile's enabled payment methods that take the order's currency, billing country and total (before the " +
    'surcharge; minMaxAmounts, both ends included), by sort order for the country, each with its title and the ' +
    'surcharge it adds. `isStorable: true` lists none: Settle stores no methods.';
  const methodDescription =
    'One method with the configuration its client-side component needs, if it fits the order as the list would ' +
    'have it.';

  const updateDescription =
    "The order's status once the customer is back from the payment page or a 3-D Secure step, as the provider's " +
    'word recorded it: what the browser brings (any body) is not read and decides nothing. redirect while the ' +
    'customer may still pay on the page. The same call again answers the status then.';
  const updateRoutes = (['post', 'put', 'patch', 'get'] as const).map((method): Route =>
    route({
      method,
      path: path('paymentUpdate'),
      operationId:
        method === 'get'
          ? 'deityPaymentStatus'
          : `deityUpdatePayment${method === 'post' ? '' : `_${method}`}`,
      summary:
        method === 'get'
          ? "Deity: the order's payment status"
          : `Deity: update the payment after the redirect (${method.toUpperCase()})`,
      description:
        method === 'get'
          ? "The order's status, as the update after the redirect answers it, without a body."
          : updateDescription,
      security,
      guard,
      request: { params: z.object({ shopOrderId: z.string().min(1).max(120) }) },
      validate: 'contract',
      responses: {
        200: { description: "The order's status.", body: validateAnswerSchema },
        400: { description: 'A shopOrderId longer than 120 characters.', body: invalidInputSchema },
        404: { description: 'The profile placed no such order.', body: errorBodySchema },
        ...authResponses,
      },
      handle: (req, res, { params }) =>
        answer(req, res, 'payment update', (caller) => paymentStatusOf(deps, caller, params.shopOrderId)),
    }),
  );

  return {
    schemas: {
      DeityPaymentLoadPayload: [paymentLoadPayloadSchema, "Falcon's PaymentLoadPayload (major units)."],
      DeityPaymentMethodInstance: [
        paymentMethodInstanceSchema,
        "Falcon's PaymentMethodInstance, with the method's title and surcharge.",
      ],
      DeityValidatePayload: [
        validatePayloadSchema,
        "Falcon's PaymentValidationPayload with the chosen method.",
      ],
      DeityValidateAnswer: [
        validateAnswerSchema,
        "Falcon's PaymentValidationResult with the order's status: complete, redirect, incomplete or failed.",
      ],
      DeityOrderUpdate: [
        orderUpdateSchema,
        "Falcon's OrderWebhookResult: a shipment, refund or cancellation.",
      ],
    },
    routes: [
      route({
        method: 'post',
        path: path('methodList'),
        operationId: 'deityLoadMethodList',
        summary: 'Deity: loadMethodList',
        description: listDescription,
        security,
        guard,
        request: { body: jsonBody(paymentLoadPayloadSchema, BODY_LIMIT) },
        validate: 'contract',
        responses: listResponses,
        handle: (req, res, { body }) => listMethods(req, res, body, 'body'),
      }),
      route({
        method: 'get',
        path: path('methodList'),
        operationId: 'deityLoadMethodListByQuery',
        summary: 'Deity: loadMethodList (query)',
        description: `${listDescription} The payload as query parameters.`,
        security,
        guard,
        request: { query: paymentLoadQuerySchema },
        validate: 'contract',
        responses: listResponses,
        handle: (req, res, { query }) => listMethods(req, res, query, 'query'),
      }),
      route({
        method: 'post',
        path: path('method'),
        operationId: 'deityLoadMethod',
        summary: 'Deity: loadMethod',
        description: methodDescription,
        security,
        guard,
        request: { params: methodParams, body: jsonBody(paymentLoadPayloadSchema, BODY_LIMIT) },
        validate: 'contract',
        responses: methodResponses,
        handle: (req, res, { params, body }) => loadMethod(req, res, params, body, 'body'),
      }),
      route({
        method: 'get',
        path: path('method'),
        operationId: 'deityLoadMethodByQuery',
        summary: 'Deity: loadMethod (query)',
        description: `${methodDescription} The payload as query parameters.`,
        security,
        guard,
        request: { params: methodParams, query: paymentLoadQuerySchema },
        validate: 'contract',
        responses: methodResponses,
        handle: (req, res, { params, query }) => loadMethod(req, res, params, query, 'query'),
      }),
      route({
        method: 'post',
        path: path('payment'),
        operationId: 'deityPlaceOrder',
        summary: 'Deity: validate (place the order)',
        description:
          "Opens the order's checkout at the chosen method's provider, once per order id; the same order again " +
          'answers the same. The method must take the order (enabled, currency, billing country, total less ' +
          '`total.surcharge` within its minMaxAmounts). A method configured with a paymentMethod is authorized ' +
          "server-side with it; any other is paid on Settle's payment page (redirect). A total that minor units " +
          'cannot hold exactly is refused.',
        security,
        guard,
        request: { body: jsonBody(validatePayloadSchema, BODY_LIMIT) },
        validate: 'contract',
        responses: {
          200: {
            description:
              'complete (authorized), redirect (the payment page, or a 3-D Secure step: intermediateStep.url), ' +
              'incomplete (the provider decides; the status event follows) or failed.',
            body: validateAnswerSchema,
          },
          400: { description: 'Malformed, or an amount minor units cannot hold.', body: invalidInputSchema },
          404: { description: 'The profile offers no such method.', body: errorBodySchema },
          409: {
            description:
              'The order was placed before with another total, or the method does not take it (currency, ' +
              'country, total, disabled).',
            body: errorBodySchema,
          },
          ...authResponses,
        },
        handle: (req, res, { body }) =>
          answer(req, res, 'place order', async (caller) =>
            validateOrder(deps, await withMethods(caller), body),
          ),
      }),
      ...updateRoutes,
      route({
        method: 'post',
        path: path('orderUpdates'),
        operationId: 'deitySendOrderUpdate',
        summary: 'Deity: sendOrderUpdate',
        description:
          'A shipment (capture of the shipped items), a refund (its amount or items) or a cancellation, answered at ' +
          'once; the outcome follows as a PAYMENT_STATUS_UPDATED event. The same update again is answered the same.',
        security,
        guard,
        request: { body: jsonBody(orderUpdateSchema, BODY_LIMIT) },
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
