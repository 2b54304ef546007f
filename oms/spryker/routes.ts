import { z } from 'zod';
import { KB, invalidInputSchema, jsonBody, route, type RouteSet, httpAuth } from '../../http/contract';
import { gatedResponses } from '../../http/throttle';
import { moneyCommandResponses } from '../orderRefusal';
import { acknowledge, acknowledgeBodySchema, fetchMessages, fetchQuerySchema } from './bus';
import { initializePayment, initializePaymentAnswerSchema, initializePaymentSchema } from './checkout';
import type { SprykerDependencies } from './door';
import { receiveSprykerCommand } from './intake';
import {
  capturePaymentSchema,
  cancelPaymentSchema,
  refundPaymentSchema,
  OUTBOUND_CHANNELS,
} from './messages';
import { sprykerGate } from './gate';

/**
 * The Spryker door as the HTTP contract declares it (http/contract.ts): Settle as the shop's message bus
 * (Spryker's HTTP channel) under `/spryker/`, and as the payment app's checkout endpoint.
 */

/** A message is small: Spryker's payloads are a few hundred bytes. */
const BODY_LIMIT = 64 * KB;

const tenantBearer = httpAuth(
  'sprykerTenant',
  'bearer',
  "`Authorization: Bearer <token>`: an RS256 access token of the shop's token provider for the call's " +
    "audience (SPRYKER_BUS_AUDIENCE on the bus, SPRYKER_APP_AUDIENCE at checkout), or the tenant's static " +
    'token (SPRYKER_TENANTS).',
);

const messageIdSchema = z.object({ MessageId: z.string() });
const busMessageSchema = z.object({
  MessageId: z.string(),
  MessageBody: z.string().describe('The message fields as a JSON string.'),
  MessageAttributes: z.object({
    name: z.string(),
    transferName: z.string(),
    event: z.string(),
    tenantIdentifier: z.string(),
    storeReference: z.string(),
    actorId: z.string(),
    emitter: z.string(),
    correlationId: z.string(),
    timestamp: z.string().describe('`Y-m-d\\TH:i:s.u` in UTC.'),
  }),
});
const authResponses = gatedResponses(
  'Unknown tenant, no token, or the wrong one; an access token expired, for another audience or tenant, or not ' +
    'signed by a trusted key. The reason is in `error`.',
);

export function sprykerRoutes(deps: SprykerDependencies): RouteSet {
  const gates = {
    commands: sprykerGate(deps, '/spryker/payment-commands', deps.logger, 'bus'),
    bus: sprykerGate(deps, '/spryker/<channel>', deps.logger, 'bus'),
    checkout: sprykerGate(deps, '/spryker/private/initialize-payment', deps.logger, 'checkout'),
  };
  return {
    schemas: {
      SprykerCapturePayment: [capturePaymentSchema, 'CapturePayment as a Spryker shop sends it.'],
      SprykerRefundPayment: [refundPaymentSchema, 'RefundPayment: its amount is negative.'],
      SprykerCancelPayment: [cancelPaymentSchema, 'CancelPayment: its amount is 0.'],
      SprykerBusMessage: [busMessageSchema, 'A message as the bus hands it out.'],
    },
    routes: [
      route({
        method: 'post',
        path: '/spryker/payment-commands',
        operationId: 'sprykerPaymentCommand',
        summary: 'Spryker: a payment command (message bus)',
        description:
          'CapturePayment, RefundPayment or CancelPayment (old names accepted), named by the `Name` header ' +
          '(or `Transfer-Name`/`Event`), the tenant by `Tenant-Identifier` (or `Store-Reference`). The body is ' +
          'JSON whatever the Content-Type. A redelivery is answered the same MessageId and starts nothing.',
        security: [tenantBearer],
        request: {
          body: jsonBody(
            z.union([capturePaymentSchema, refundPaymentSchema, cancelPaymentSchema]),
            BODY_LIMIT,
            'raw',
          ),
        },
        validate: 'handler',
        responses: {
          200: {
            description:
              "Taken (or taken before). What the order's money does not allow (a refund before any capture) is " +
              'taken too, and answered with its failure event on payment-events (PaymentCaptureFailed, ' +
              'PaymentRefundFailed, PaymentCancellationFailed).',
            body: messageIdSchema,
          },
          400: { description: 'Not a payment command, or malformed.', body: invalidInputSchema },
          404: moneyCommandResponses('')[404],
          ...authResponses,
        },
        handle: gates.commands.verified((req, res) => receiveSprykerCommand(deps, gates.commands, req, res)),
      }),
      ...OUTBOUND_CHANNELS.flatMap((channel) => [
        route({
          method: 'get',
          path: `/spryker/${channel}`,
          operationId: `sprykerFetch_${channel.replaceAll('-', '_')}`,
          summary: `Spryker: fetch ${channel} (message bus)`,
          description:
            'The oldest messages waiting for the tenant named by `Consumer-Id`, the same again until acknowledged.',
          security: [tenantBearer],
          request: { query: fetchQuerySchema },
          validate: 'contract',
          responses: {
            200: { description: 'Waiting messages, oldest first.', body: z.array(busMessageSchema) },
            400: { description: 'Invalid limit.', body: invalidInputSchema },
            ...authResponses,
          },
          handle: gates.bus.verified((req, res, { query }: { query: { limit: number } }) =>
            fetchMessages(deps, gates.bus, channel, req, res, query.limit),
          ),
        }),
        route({
          method: 'delete',
          path: `/spryker/${channel}`,
          operationId: `sprykerAcknowledge_${channel.replaceAll('-', '_')}`,
          summary: `Spryker: acknowledge ${channel} (message bus)`,
          security: [tenantBearer],
          request: {
            body: jsonBody(acknowledgeBodySchema, BODY_LIMIT),
          },
          validate: 'contract',
          responses: {
            200: {
              description: 'How many of them were waiting.',
              body: z.object({ acknowledged: z.number().int() }),
            },
            400: { description: 'Malformed.', body: invalidInputSchema },
            ...authResponses,
          },
          handle: gates.bus.verified((req, res, { body }: { body: { messageIds: string[] } }) =>
            acknowledge(deps, gates.bus, channel, req, res, body.messageIds),
          ),
        }),
      ]),
      route({
        method: 'post',
        path: '/spryker/private/initialize-payment',
        operationId: 'sprykerInitializePayment',
        summary: "Spryker: authorize an order's payment at checkout",
        description:
          'JSON or form-encoded (deepObject). Authorizes once per tenant and order; PaymentAuthorized or ' +
          'PaymentAuthorizationFailed follows on payment-events.',
        security: [tenantBearer],
        request: {
          body: jsonBody(initializePaymentSchema, BODY_LIMIT, 'raw'),
        },
        validate: 'handler',
        responses: {
          200: {
            description: 'Authorized, declined, or still waiting for the provider.',
            body: initializePaymentAnswerSchema,
          },
          400: { description: 'Malformed, or not a payment method Settle offers.', body: invalidInputSchema },
          ...authResponses,
        },
        handle: gates.checkout.verified((req, res) => initializePayment(deps, gates.checkout, req, res)),
      }),
    ],
  };
}
