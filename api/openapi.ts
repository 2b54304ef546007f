import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../config/projectRoot';
import { PAYMENT_COMMANDS } from '../domain/commands';
import { mibMethod } from '../oms/mib/methods';
import { JSON_RPC_ERRORS as E, jsonRpcErrorResponseSchema } from '../oms/mib/jsonRpc';
import {
  commandParamsSchema,
  gatewayInformationSchema,
  paymentSchema,
  transactionSchema,
} from '../oms/mib/payment';
import {
  invalidInputSchema,
  paymentDetailsSchema,
  paymentListFilterSchema,
  paymentListSchema,
  paymentStatusSchema,
  resolutionSchema,
  signalAcceptedSchema,
} from './paymentSchemas';
import {
  commandAcceptedResponseSchema,
  errorBodySchema,
  healthSchema,
  paymentCommandRequestSchema,
  webhookAnswerSchema,
} from './schemas';

/**
 * The OpenAPI 3.1 document of Settle's HTTP API, served at `GET /openapi.json`. Its schemas are converted
 * from the zod schemas the API validates with (z.toJSONSchema; OpenAPI 3.1 schemas are JSON Schema
 * 2020-12), so the document cannot drift from the checks; only the prose and the paths are written here.
 */

const anyJsonRpcError = jsonRpcErrorResponseSchema();

/** components/schemas: each zod schema with its name and description; the paths refer to them by name. */
const COMPONENTS = {
  PaymentCommand: [paymentCommandRequestSchema, 'A payment command: a JSON-RPC 2.0 request from MIB.'],
  PaymentCommandBatch: [
    z.array(paymentCommandRequestSchema).min(1),
    'A JSON-RPC batch of payment commands; each gets its own answer.',
  ],
  CommandParams: [commandParamsSchema, 'params of a payment command.'],
  Payment: [
    paymentSchema,
    'The MIB payment model. Every object keeps unknown fields and passes them back in the notification. ' +
      'Beyond this schema, Settle checks that each amount has no more decimals than the ISO 4217 currency ' +
      'allows and is not negative, and that the first transaction (the one the command acts on) has a ' +
      'gateway_information.transaction_id, names a configured provider in gateway_id (or none), and ' +
      'moves more than nothing unless the command is cancel. A failed check is a -32602 error.',
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
    z.array(z.union([commandAcceptedResponseSchema, anyJsonRpcError])).min(1),
    'The answers to a batch, one per request that has an id (and one per command that must be retried).',
  ],
  JsonRpcError: [anyJsonRpcError, 'A JSON-RPC 2.0 error response.'],
  BadRequest: [
    jsonRpcErrorResponseSchema(E.parseError, E.invalidRequest, E.invalidParams),
    '-32700: the body is not JSON (id null). -32600: not a JSON-RPC 2.0 request, or an empty batch. ' +
      '-32602: invalid params; error.data.issues lists {path, message}, e.g. params.payment.currency.',
  ],
  MethodNotFound: [jsonRpcErrorResponseSchema(E.methodNotFound), '-32601: not one of the payment commands.'],
  TooLarge: [jsonRpcErrorResponseSchema(E.invalidRequest), '-32600: the body is over 256 kB.'],
  Unauthorized: [
    jsonRpcErrorResponseSchema(E.unauthorized),
    '-32001: the caller did not prove it holds the intake secret; the message says why.',
  ],
  Retry: [
    jsonRpcErrorResponseSchema(E.internalError),
    '-32603: the command could not be accepted (Temporal unreachable). Deliver it again.',
  ],
  WebhookAnswer: [
    webhookAnswerSchema,
    'delivered: false for an authentic webhook with nothing to deliver (no running workflow, no outcome).',
  ],
  Error: [errorBodySchema, 'An error outside JSON-RPC.'],
  PaymentList: [paymentListSchema, 'Payments that match the filter, from Temporal visibility.'],
  PaymentDetails: [paymentDetailsSchema, 'Where a payment command stands, and its workflow run.'],
  PaymentStatus: [paymentStatusSchema, "The payment command workflow's status query."],
  Resolution: [resolutionSchema, 'An operator decides the outcome the provider never reported.'],
  SignalAccepted: [
    signalAcceptedSchema,
    'The workflow received the request; its timeline shows what follows.',
  ],
  InvalidInput: [invalidInputSchema, 'The request is invalid; issues name each field and what is wrong.'],
  Health: [healthSchema, 'The process serves HTTP.'],
} as const satisfies Record<string, readonly [z.ZodType, string]>;

type ComponentName = keyof typeof COMPONENTS;

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
const json = (...names: ComponentName[]) => ({
  'application/json': { schema: names.length === 1 ? ref(names[0]!) : { oneOf: names.map(ref) } },
});

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string; description: string }>();
  for (const [id, [schema, description]] of Object.entries(COMPONENTS))
    registry.add(schema, { id, description });
  // io: 'input' describes what a client sends and what the schemas accept (unknown fields included).
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    metadata: registry,
    uri: (id) => `#/components/schemas/${id}`,
  });
  // Inside an OpenAPI document a schema takes the document's dialect and is named by its place.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]),
  );
}

const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

export interface OpenApiOptions {
  /** The providers configured for webhooks, the values of `{provider}`. */
  readonly providers: readonly string[];
}

/** The query parameters of `GET /payments`, one per field of the filter schema. */
function listParameters() {
  return Object.entries(paymentListFilterSchema.shape).map(([name, field]) => {
    const { $schema: _dialect, description, ...schema } = z.toJSONSchema(field, { io: 'input' });
    return { name, in: 'query', required: false, description, schema };
  });
}

const ADMIN = [{ adminBearer: [] }];
const PAYMENT_ID = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The payment workflow id, `payment:<reference>:<command>:<fingerprint>`, URL-encoded.',
  schema: { type: 'string', pattern: '^payment:.+:.+:.+$' },
};
const OPERATOR_ERRORS = {
  '401': { description: 'No or a wrong admin bearer token.', content: json('Error') },
  '503': {
    description: 'The operator API is disabled (no ADMIN_TOKEN), or Temporal is unreachable.',
    content: json('Error'),
  },
};
const NOT_FOUND = { description: 'No payment workflow of that id.', content: json('Error') };
const signalOperation = (operationId: string, summary: string, description: string, refused: string) => ({
  post: {
    operationId,
    summary,
    description,
    security: ADMIN,
    parameters: [PAYMENT_ID],
    responses: {
      '202': { description: 'The workflow received the request.', content: json('SignalAccepted') },
      '404': NOT_FOUND,
      '409': { description: refused, content: json('Error') },
      ...OPERATOR_ERRORS,
    },
  },
});

export function openApiDocument({ providers }: OpenApiOptions) {
  const methods = PAYMENT_COMMANDS.map((command) => `\`${mibMethod(command)}\``).join(', ');
  return {
    openapi: '3.1.1',
    info: {
      title: 'Settle',
      version: VERSION,
      description:
        'Settle carries payment commands from the Magento Integration Bus (MIB, JSON-RPC 2.0) to a payment ' +
        'provider and reports each outcome back to MIB as a notification, through Temporal workflows.',
    },
    paths: {
      '/mib': {
        post: {
          operationId: 'receivePaymentCommand',
          summary: 'A payment command, or a batch of them, from MIB',
          description:
            `JSON-RPC 2.0. The methods are ${methods}. A valid command starts one workflow, whose id is ` +
            'derived from the command, and is answered at once; its outcome reaches MIB later as a ' +
            'notification. A request without id is a JSON-RPC notification: it is carried out and answered ' +
            'with 204, except a command that could not be accepted, which gets 503. None of the errors ' +
            'starts anything.',
          security: [{ mibBearer: [] }, { mibSignature: [] }],
          requestBody: { required: true, content: json('PaymentCommand', 'PaymentCommandBatch') },
          responses: {
            '200': {
              description: 'Accepted (a batch: the answers, some of which may be errors).',
              content: json('CommandAccepted', 'CommandAnswers'),
            },
            '204': { description: 'Only requests without id: nothing to answer.' },
            '400': {
              description: 'Parse error, invalid request or invalid params.',
              content: json('BadRequest'),
            },
            '401': {
              description:
                'Neither a valid bearer token nor a valid X-Settle-Signature (at most 300 s old): nothing is read or started.',
              content: json('Unauthorized'),
            },
            '404': { description: 'Method not found.', content: json('MethodNotFound') },
            '413': { description: 'The body is too large.', content: json('TooLarge') },
            '503': {
              description: 'A command could not be accepted; MIB should deliver the request again.',
              content: json('Retry', 'CommandAnswers'),
            },
          },
        },
        options: {
          operationId: 'probeMib',
          summary: "MIB's probe of a registered endpoint",
          responses: {
            '204': {
              description: 'Settle serves MIB here.',
              headers: {
                'X-Magento-Service-Bus': {
                  description: 'What MIB expects.',
                  schema: { type: 'string', const: '*' },
                },
              },
            },
          },
        },
      },
      '/webhooks/{provider}': {
        post: {
          operationId: 'receiveProviderWebhook',
          summary: "A provider's notice of an outcome",
          description:
            "The provider's adapter verifies the signature (the gateway: `Gateway-Signature: t=<unix " +
            'seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with GATEWAY_WEBHOOK_SECRET>`, at most 300 s ' +
            'old). A verified event is signalled to its payment workflow, and 200 goes out only after ' +
            'Temporal accepted the signal.',
          parameters: [
            {
              name: 'provider',
              in: 'path',
              required: true,
              description: 'A configured provider.',
              schema: { type: 'string', enum: [...providers] },
            },
          ],
          requestBody: {
            required: true,
            description: "The provider's own event, as it signed it.",
            content: { 'application/json': { schema: {} } },
          },
          responses: {
            '200': {
              description: 'Authentic; delivered or nothing to deliver.',
              content: json('WebhookAnswer'),
            },
            '401': { description: 'The signature does not verify; nothing changes.', content: json('Error') },
            '404': { description: 'No provider of that name is configured.', content: json('Error') },
            '413': { description: 'The body is over 1 MB.', content: json('Error') },
            '503': {
              description: 'Temporal is unreachable; the provider should redeliver.',
              content: json('Error'),
            },
          },
        },
      },
      '/payments': {
        get: {
          operationId: 'listPayments',
          summary: 'Payments by phase, command, provider, outcome, reference or order',
          description:
            "From Temporal visibility (the workflows' search attributes, which lag their state by a moment). " +
            '`?phase=stuck` lists the payments that need a person.',
          security: ADMIN,
          parameters: listParameters(),
          responses: {
            '200': { description: 'The matching payments.', content: json('PaymentList') },
            '400': { description: 'A filter is invalid.', content: json('InvalidInput') },
            ...OPERATOR_ERRORS,
          },
        },
      },
      '/payments/{id}': {
        get: {
          operationId: 'showPayment',
          summary: 'One payment: phase, outcome, attempts, last error, provider references, timeline',
          description:
            "The workflow's status query, with its run and the activities in progress (e.g. a provider call " +
            'retried through an outage: its attempt and last failure).',
          security: ADMIN,
          parameters: [PAYMENT_ID],
          responses: {
            '200': { description: 'The payment.', content: json('PaymentDetails') },
            '404': NOT_FOUND,
            ...OPERATOR_ERRORS,
          },
        },
      },
      '/payments/{id}/resolve': {
        post: {
          operationId: 'resolvePayment',
          summary: 'Decide the outcome the provider never reported',
          description:
            "The workflow's resolve update: its validator refuses a payment whose outcome is known, one " +
            'already resolved, or one whose provider call is still in flight. Once accepted, the workflow ' +
            'sends MIB the matching notification.',
          security: ADMIN,
          parameters: [PAYMENT_ID],
          requestBody: { required: true, content: json('Resolution') },
          responses: {
            '200': {
              description: 'Resolved; the status at that moment (the notification follows).',
              content: json('PaymentStatus'),
            },
            '400': { description: 'The body is invalid or not JSON.', content: json('InvalidInput') },
            '404': NOT_FOUND,
            '409': {
              description: "Refused: the validator's reason, or the workflow has ended.",
              content: json('Error'),
            },
            '413': { description: 'The body is over 16 kB.', content: json('Error') },
            ...OPERATOR_ERRORS,
          },
        },
      },
      '/payments/{id}/recheck': signalOperation(
        'recheckPayment',
        'Ask the provider now',
        'Instead of at the next scheduled check; the timeline shows the answer.',
        'The outcome is already known, or the workflow has ended.',
      ),
      '/payments/{id}/retry-notification': signalOperation(
        'retryNotification',
        'Deliver a refused notification again',
        'For a payment stuck because MIB refused its notification, once the cause is fixed.',
        'The payment has no refused notification, or the workflow has ended.',
      ),
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Liveness',
          responses: { '200': { description: 'Serving.', content: json('Health') } },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApiDocument',
          summary: 'This document',
          responses: {
            '200': {
              description: 'The OpenAPI 3.1 document.',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        adminBearer: {
          type: 'http',
          scheme: 'bearer',
          description: '`Authorization: Bearer <ADMIN_TOKEN>` (`operator.token`): the operator API.',
        },
        mibBearer: {
          type: 'http',
          scheme: 'bearer',
          description: '`Authorization: Bearer <MIB_INTAKE_SECRET>` (`service_bus.intake_secret`).',
        },
        mibSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Settle-Signature',
          description:
            '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with MIB_INTAKE_SECRET>`, the ' +
            'format of the gateway webhooks; t must be within 300 s of the server clock.',
        },
      },
    },
  };
}
