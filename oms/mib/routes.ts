import { z } from 'zod';
import { throttledResponse } from '../../http/throttle';
import { KB, route, type Refusals, type RouteSet, type SecurityScheme, httpAuth } from '../../http/contract';
import { MIB_BATCH_LIMIT, mibIntakeGate, receiveMibRequest, type MibIntakeDependencies } from './intake';
import {
  JSON_RPC_ERRORS as E,
  jsonRpcError,
  jsonRpcErrorResponseSchema,
  jsonRpcRequestSchema,
  jsonRpcResultResponseSchema,
} from './jsonRpc';
import { COMMAND_METHODS, mibMethod } from './methods';
import { MAX_MINOR_UNITS } from '../../domain/money';
import { MAX_NESTING } from '../startCommand';
import { commandParamsSchema, gatewayInformationSchema, paymentSchema, transactionSchema } from './payment';

/**
 * MIB's front door as the HTTP contract declares it (http/contract.ts): `OPTIONS /mib`, MIB's probe, and
 * `POST /mib`, the payment commands (oms/mib/intake.ts answers them).
 */

/** A payment command as MIB sends it to `POST /mib`: the JSON-RPC envelope, one of the five methods, params.payment. */
export const paymentCommandRequestSchema = jsonRpcRequestSchema.extend({
  method: z.literal(COMMAND_METHODS.map((name) => mibMethod(name))),
  params: commandParamsSchema,
});
const paymentCommandBatchSchema = z.array(paymentCommandRequestSchema).min(1).max(MIB_BATCH_LIMIT);

/** What `POST /mib` answers a command it accepted (or had already accepted). */
export const commandAcceptedSchema = z.object({
  accepted: z.literal(true),
  /** `payment:<reference>:<command>:<fingerprint>`, the Temporal workflow that carries the command out. */
  workflow_id: z.string(),
});
export const commandAcceptedResponseSchema = jsonRpcResultResponseSchema(commandAcceptedSchema);

const anyJsonRpcError = jsonRpcErrorResponseSchema();
const commandAnswersSchema = z.array(z.union([commandAcceptedResponseSchema, anyJsonRpcError])).min(1);
const badRequestSchema = jsonRpcErrorResponseSchema(E.parseError, E.invalidRequest, E.invalidParams);
const methodNotFoundSchema = jsonRpcErrorResponseSchema(E.methodNotFound);
const tooLargeSchema = jsonRpcErrorResponseSchema(E.invalidRequest);
const unauthorizedSchema = jsonRpcErrorResponseSchema(E.unauthorized);
const retrySchema = jsonRpcErrorResponseSchema(E.internalError);

/** The caller's HMAC covers the raw bytes, so the body is read raw, whatever its content type. */
export const MIB_BODY_LIMIT = 256 * KB;

const mibBearer = httpAuth(
  'mibBearer',
  'bearer',
  '`Authorization: Bearer <MIB_INTAKE_SECRET>` (`service_bus.intake_secret`).',
);
const mibSignature: SecurityScheme = {
  name: 'mibSignature',
  scheme: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Settle-Signature',
    description:
      '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with MIB_INTAKE_SECRET>`, the ' +
      'format of the gateway webhooks; t must be within 300 s of the server clock.',
  },
};

/** What MIB is answered when the contract refuses a request: JSON-RPC errors, with id null. */
const jsonRpcRefusals: Refusals = {
  invalid: (issues) => jsonRpcError(null, E.invalidRequest, 'Invalid Request', { issues }),
  notJson: () => jsonRpcError(null, E.parseError, 'Parse error: the body is not valid JSON'),
  tooLarge: () => jsonRpcError(null, E.invalidRequest, 'Invalid Request: body too large'),
  tooLargeSchema,
  failed: () => jsonRpcError(null, E.internalError, 'Internal error'),
};

export function mibRoutes(deps: MibIntakeDependencies): RouteSet {
  const gate = mibIntakeGate(deps.logger);
  const methods = COMMAND_METHODS.map((name) => `\`${mibMethod(name)}\``).join(', ');
  return {
    schemas: {
      PaymentCommand: [paymentCommandRequestSchema, 'A payment command: a JSON-RPC 2.0 request from MIB.'],
      PaymentCommandBatch: [
        paymentCommandBatchSchema,
        `A JSON-RPC batch of at most ${MIB_BATCH_LIMIT} payment commands; each gets its own answer. A ` +
          'longer batch is refused whole (-32600) and starts nothing.',
      ],
      CommandParams: [commandParamsSchema, 'params of a payment command.'],
      Payment: [
        paymentSchema,
        'The MIB payment model. Every object keeps unknown fields and passes them back in the notification. ' +
          'Beyond this schema, Settle checks that each amount has no more decimals than the ISO 4217 currency ' +
          `allows, is not negative and is at most ${MAX_MINOR_UNITS} minor units (999999999.99 EUR), that the ` +
          'first transaction (the one the command acts on) has a gateway_information.transaction_id, names ' +
          'a configured provider in gateway_id (or none), and moves more than nothing unless the command ' +
          `is cancel, and that the payment nests at most ${MAX_NESTING} levels deep. A failed check is a ` +
          '-32602 error.',
      ],
      PaymentTransaction: [
        transactionSchema,
        'A transaction; amount is a decimal string (or number) in major units.',
      ],
      GatewayInformation: [gatewayInformationSchema, 'What the gateway knows of a transaction.'],
      CommandAccepted: [
        commandAcceptedResponseSchema,
        'The command is accepted, or was already: a redelivery gets the same workflow_id.',
      ],
      CommandAnswers: [
        commandAnswersSchema,
        'The answers to a batch, one per request that has an id (and one per command that must be retried).',
      ],
      JsonRpcError: [anyJsonRpcError, 'A JSON-RPC 2.0 error response.'],
      BadRequest: [
        badRequestSchema,
        '-32700: the body is not JSON (id null). -32600: not a JSON-RPC 2.0 request, or an empty batch. ' +
          '-32602: invalid params; error.data.issues lists {path, message}, e.g. params.payment.currency.',
      ],
      MethodNotFound: [methodNotFoundSchema, '-32601: not one of the payment commands.'],
      TooLarge: [tooLargeSchema, '-32600: the body is over the limit.'],
      Unauthorized: [
        unauthorizedSchema,
        '-32001: the caller did not prove it holds the intake secret; the message says why.',
      ],
      Retry: [
        retrySchema,
        '-32603: the command could not be accepted (Temporal unreachable). Deliver it again.',
      ],
    },
    routes: [
      route({
        method: 'options',
        path: '/mib',
        operationId: 'probeMib',
        summary: "MIB's probe of a registered endpoint",
        validate: 'contract',
        responses: {
          204: {
            description: 'Settle serves MIB here.',
            headers: {
              'X-Magento-Service-Bus': { description: 'What MIB expects.', schema: z.literal('*') },
            },
          },
        },
        // MIB probes a registered endpoint with OPTIONS and expects this header.
        handle: (_req, res) => void res.set('X-Magento-Service-Bus', '*').status(204).end(),
      }),
      route({
        method: 'post',
        path: '/mib',
        operationId: 'receivePaymentCommand',
        summary: 'A payment command, or a batch of them, from MIB',
        description:
          `JSON-RPC 2.0. The methods are ${methods}. A valid command starts one workflow, whose id is ` +
          'derived from the command, and is answered at once; its outcome reaches MIB later as a ' +
          'notification. A request without id is a JSON-RPC notification: it is carried out and answered ' +
          'with 204, except a command that could not be accepted, which gets 503. A command on an ' +
          "authorization a Spryker or Deity checkout made is refused (invalid params): that door's order owns " +
          'it; so is a revalidate larger than the authorization. None of the errors starts anything.',
        security: [mibBearer, mibSignature],
        request: {
          body: {
            schema: z.union([paymentCommandRequestSchema, paymentCommandBatchSchema]),
            contentType: 'application/json',
            read: 'raw',
            limit: MIB_BODY_LIMIT,
          },
        },
        // JSON-RPC has an error for each way a request is wrong; the intake answers them (oms/mib/intake.ts).
        validate: 'handler',
        refusals: jsonRpcRefusals,
        responses: {
          200: {
            description: 'Accepted (a batch: the answers, some of which may be errors).',
            body: z.union([commandAcceptedResponseSchema, commandAnswersSchema]),
          },
          204: { description: 'Only requests without id: nothing to answer.' },
          400: { description: 'Parse error, invalid request or invalid params.', body: badRequestSchema },
          401: {
            description:
              'Neither a valid bearer token nor a valid X-Settle-Signature (at most 300 s old): nothing is read or started.',
            body: unauthorizedSchema,
            headers: {
              'WWW-Authenticate': {
                description: 'The scheme to authenticate with.',
                schema: z.literal('Bearer realm="settle-mib-intake"'),
              },
            },
          },
          404: { description: 'Method not found.', body: methodNotFoundSchema },
          429: throttledResponse(unauthorizedSchema),
          503: {
            description: 'A command could not be accepted; MIB should deliver the request again.',
            body: z.union([retrySchema, commandAnswersSchema]),
          },
        },
        handle: (req, res) => receiveMibRequest(deps, gate, req, res),
      }),
    ],
  };
}
