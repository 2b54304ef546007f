import { z } from 'zod';
import { KB, invalidInputSchema, jsonBody, route, type RouteSet, httpAuth } from '../../http/contract';
import { gatedResponses } from '../../http/throttle';
import { acknowledge, acknowledgeBodySchema, fetchMessages, fetchQuerySchema } from './bus';
import { initializePayment, initializePaymentAnswerSchema, initializePaymentSchema } from './checkout';
import type { SprykerDependencies } from './door';
import { receiveSprykerCommand } from './intake';
import { capturePaymentSchema, cancelPaymentSchema, refundPaymentSchema } from './messages';
import { FETCHED_CHANNELS } from './appEvents';
import {
  configure,
  configureBodySchema,
  configuredSchema,
  disconnect,
  onboardingErrorSchema,
} from './onboarding';
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
    onboarding: sprykerGate(deps, '/spryker/private/configure|disconnect', deps.logger, 'checkout'),
  };
  return {
    schemas: {
      SprykerCapturePayment: [capturePaymentSchema, 'CapturePayment as a Spryker shop sends it.'],
      SprykerRefundPayment: [refundPaymentSchema, 'RefundPayment: its amount is negative.'],
      SprykerCancelPayment: [cancelPaymentSchema, 'CancelPayment: its amount is 0.'],
      SprykerBusMessage: [busMessageSchema, 'A message as the bus hands it out.'],
      SprykerOnboardingError: [onboardingErrorSchema, "An onboarding error, in app-kernel's envelope."],
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
              'PaymentRefundFailed, PaymentCancellationFailed). A command for a tenant not connected, or for an ' +
              'order Settle has no payment of, is taken and dropped (docs/operations.md, Dropped Spryker messages).',
            body: messageIdSchema,
          },
          400: { description: 'Not a payment command, or malformed.', body: invalidInputSchema },
          ...authResponses,
        },
        handle: gates.commands.verified((req, res) => receiveSprykerCommand(deps, gates.commands, req, res)),
      }),
      ...FETCHED_CHANNELS.flatMap((channel) => [
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
          403: {
            description: 'The tenant is not connected (`/private/configure`), or was disconnected.',
            body: onboardingErrorSchema,
          },
          ...authResponses,
        },
        handle: gates.checkout.verified((req, res) => initializePayment(deps, gates.checkout, req, res)),
      }),
      route({
        method: 'post',
        path: '/spryker/private/configure',
        operationId: 'sprykerConfigureTenant',
        summary: 'Spryker: connect a tenant, or change its configuration (ACP registry)',
        description:
          "As spryker/app-kernel serves it to Spryker's ACP registry: the tenant named by `X-Tenant-Identifier`, " +
          'its configuration a JSON object written as a string, merged over the one saved. The tenant is ' +
          'connected; its shop hears AppConfigUpdated on `app-events` (after AddPaymentMethod on ' +
          '`payment-method-commands`).',
        security: [tenantBearer],
        request: { body: jsonBody(configureBodySchema, BODY_LIMIT, 'raw') },
        validate: 'handler',
        responses: {
          200: { description: 'Saved: the configuration as merged.', body: configuredSchema },
          400: { description: 'Settle could not save it now (code 422).', body: onboardingErrorSchema },
          422: {
            description: 'No X-Tenant-Identifier, or the wrong request format.',
            body: onboardingErrorSchema,
          },
          ...authResponses,
        },
        handle: gates.onboarding.verified((req, res) => configure(deps, gates.onboarding, req, res)),
      }),
      route({
        method: 'post',
        path: '/spryker/private/disconnect',
        operationId: 'sprykerDisconnectTenant',
        summary: 'Spryker: disconnect a tenant (ACP registry)',
        description:
          'The tenant named by `X-Tenant-Identifier` is disconnected: its shop hears AppConfigUpdated with ' +
          '`isActive: false` (after DeletePaymentMethod), and its later commands are taken and dropped. While ' +
          'it has open orders the caller confirms with `X-Confirmation-Status: true`.',
        security: [tenantBearer],
        validate: 'handler',
        responses: {
          204: { description: 'Disconnected.' },
          400: {
            description:
              'The caller cancelled (`X-Confirmation-Status: false`, code 21001), or Settle could not save it now.',
            body: onboardingErrorSchema,
          },
          409: {
            description: 'Open orders: confirm to disconnect (code 21000).',
            body: onboardingErrorSchema,
          },
          422: { description: 'No X-Tenant-Identifier.', body: onboardingErrorSchema },
          ...authResponses,
        },
        handle: gates.onboarding.verified((req, res) => disconnect(deps, gates.onboarding, req, res)),
      }),
    ],
  };
}
