import { ServiceError, type Client } from '@temporalio/client';
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../config/logger';
import { bearerAuthFailure } from '../http/callerAuth';
import { bearerGate, throttledResponse } from '../http/throttle';
import {
  KB,
  errorBodySchema,
  invalidInputSchema,
  route,
  type ResponseSpec,
  type RouteSet,
  httpAuth,
} from '../http/contract';
import {
  OperatorError,
  listPayments,
  recheckPayment,
  resolvePayment,
  retryNotification,
  showPayment,
} from './paymentOperations';
import {
  paymentDetailsSchema,
  paymentListFilterSchema,
  paymentListSchema,
  paymentStatusSchema,
  resolutionSchema,
  signalAcceptedSchema,
} from './paymentSchemas';

/**
 * `/payments`: the operator's API (see api/paymentOperations.ts), behind its own credential,
 * `Authorization: Bearer <ADMIN_TOKEN>`. Without ADMIN_TOKEN configured it is switched off (503), so that a
 * deployment never exposes it by accident.
 */
export interface PaymentsApiDependencies {
  readonly temporal: Client;
  readonly logger: Logger;
  readonly adminToken?: string;
}

export const RESOLUTION_BODY_LIMIT = 16 * KB;

const STATUS_OF: Record<OperatorError['kind'], number> = { not_found: 404, refused: 409 };

const adminBearer = httpAuth(
  'adminBearer',
  'bearer',
  '`Authorization: Bearer <ADMIN_TOKEN>` (`operator.token`): the operator API.',
);

const paymentId = z.object({
  id: z
    .string()
    .describe('The payment workflow id, `payment:<reference>:<command>:<fingerprint>`, URL-encoded.'),
});

const OPERATOR_ERRORS = {
  401: {
    description: 'No or a wrong admin bearer token.',
    body: errorBodySchema,
    headers: {
      'WWW-Authenticate': {
        description: 'The scheme to authenticate with.',
        schema: z.literal('Bearer realm="settle-operator"'),
      },
    },
  },
  429: throttledResponse(errorBodySchema),
  503: {
    description: 'The operator API is disabled (no ADMIN_TOKEN), or Temporal is unreachable.',
    body: errorBodySchema,
  },
} satisfies Record<number, ResponseSpec>;
const NOT_FOUND = { description: 'No payment workflow of that id.', body: errorBodySchema };

export function paymentRoutes({ temporal, logger, adminToken }: PaymentsApiDependencies): RouteSet {
  const gate = bearerGate('/payments', 'settle-operator', logger);
  /** Before the body is read: only the operator is answered anything but 401 or 429 (503 while switched off). */
  const operatorOnly: RequestHandler = (req, res, next) => {
    if (!adminToken) {
      res.status(503).json({ error: 'operator API disabled: set ADMIN_TOKEN' });
      return;
    }
    if (gate.admit(req, res, () => bearerAuthFailure(req.headers, adminToken))) next();
  };
  const operator = { security: [adminBearer], guard: operatorOnly, validate: 'contract' } as const;

  /** Runs an operation and answers its result, or the error an operator can act on. */
  async function answer(res: Response, work: () => Promise<[number, unknown]>): Promise<void> {
    try {
      const [status, body] = await work();
      res.status(status).json(body);
    } catch (error) {
      if (error instanceof OperatorError) {
        res.status(STATUS_OF[error.kind]).json({ error: error.message });
      } else if (error instanceof ServiceError) {
        logger.error('operator request: Temporal unavailable', { error: error.message });
        res.status(503).json({ error: `Temporal unavailable: ${error.message}` });
      } else {
        throw error;
      }
    }
  }

  const signalRoute = (
    action: string,
    operationId: string,
    send: typeof recheckPayment,
    what: string,
    texts: { summary: string; description: string; refused: string },
  ) =>
    route({
      ...operator,
      method: 'post',
      path: `/payments/:id/${action}`,
      operationId,
      summary: texts.summary,
      description: texts.description,
      request: { params: paymentId },
      responses: {
        202: { description: 'The workflow received the request.', body: signalAcceptedSchema },
        404: NOT_FOUND,
        409: { description: texts.refused, body: errorBodySchema },
        ...OPERATOR_ERRORS,
      },
      handle: (_req, res, { params: { id: workflowId } }) =>
        answer(res, async () => {
          await send(temporal, workflowId);
          logger.info(`operator asked to ${what}`, { workflowId });
          return [202, { accepted: true, workflowId }];
        }),
    });

  return {
    schemas: {
      PaymentList: [paymentListSchema, 'Payments that match the filter, from Temporal visibility.'],
      PaymentDetails: [paymentDetailsSchema, 'Where a payment command stands, and its workflow run.'],
      PaymentStatus: [paymentStatusSchema, "The payment command workflow's status query."],
      Resolution: [resolutionSchema, 'An operator decides the outcome the provider never reported.'],
      SignalAccepted: [
        signalAcceptedSchema,
        'The workflow received the request; its timeline shows what follows.',
      ],
    },
    routes: [
      route({
        ...operator,
        method: 'get',
        path: '/payments',
        operationId: 'listPayments',
        summary: 'Payments by phase, command, provider, outcome, reference or order',
        description:
          "From Temporal visibility (the workflows' search attributes, which lag their state by a moment). " +
          '`?phase=stuck` lists the payments that need a person, with the command workflows that ended ' +
          '(terminated, cancelled, failed, timed out) without reporting an outcome and were not run again.',
        request: { query: paymentListFilterSchema },
        responses: {
          200: { description: 'The matching payments.', body: paymentListSchema },
          400: { description: 'A filter is invalid.', body: invalidInputSchema },
          ...OPERATOR_ERRORS,
        },
        handle: (_req, res, { query }) => answer(res, async () => [200, await listPayments(temporal, query)]),
      }),
      route({
        ...operator,
        method: 'get',
        path: '/payments/:id',
        operationId: 'showPayment',
        summary: 'One payment: phase, outcome, attempts, last error, provider references, timeline',
        description:
          "The workflow's status query, with its run and the activities in progress (e.g. a provider call " +
          'retried through an outage: its attempt and last failure).',
        request: { params: paymentId },
        responses: {
          200: { description: 'The payment.', body: paymentDetailsSchema },
          404: NOT_FOUND,
          ...OPERATOR_ERRORS,
        },
        handle: (_req, res, { params }) =>
          answer(res, async () => [200, await showPayment(temporal, params.id)]),
      }),
      route({
        ...operator,
        method: 'post',
        path: '/payments/:id/resolve',
        operationId: 'resolvePayment',
        summary: 'Decide the outcome the provider never reported',
        description:
          "The workflow's resolve update: its validator refuses a payment whose outcome is known, one " +
          'already resolved, or one whose provider call is still in flight. Declining asks a provider with a ' +
          'status API first: refused when it says the command settled (the payment then reports that), and ' +
          'while it is pending or cannot be asked unless `force` is set. Once accepted, the workflow sends ' +
          'the OMS the matching report. A command workflow that ended without reporting (terminated, ' +
          'cancelled) is run again under its id to take the resolution.',
        request: {
          params: paymentId,
          body: {
            schema: resolutionSchema,
            contentType: 'application/json',
            read: 'json',
            limit: RESOLUTION_BODY_LIMIT,
          },
        },
        responses: {
          200: {
            description: 'Resolved; the status at that moment (the notification follows).',
            body: paymentStatusSchema,
          },
          400: { description: 'The body is invalid or not JSON.', body: invalidInputSchema },
          404: NOT_FOUND,
          409: {
            description: "Refused: the validator's reason, or the workflow has ended.",
            body: errorBodySchema,
          },
          ...OPERATOR_ERRORS,
        },
        handle: (_req, res, { params: { id: workflowId }, body: resolution }) =>
          answer(res, async () => {
            const status = await resolvePayment(temporal, workflowId, resolution);
            logger.info('payment resolved by an operator', {
              workflowId,
              outcome: resolution.outcome,
              operator: resolution.operator,
            });
            return [200, status];
          }),
      }),
      signalRoute('recheck', 'recheckPayment', recheckPayment, 'recheck the provider', {
        summary: 'Ask the provider now',
        description:
          'Instead of at the next scheduled check; the timeline shows the answer. A payment stuck on a ' +
          'failed act acts again with the same idempotency key; so does a command workflow that ended ' +
          'without reporting an outcome, run again under its id with its input.',
        refused: 'The outcome is already known, or the workflow has ended after reporting.',
      }),
      signalRoute(
        'retry-notification',
        'retryNotification',
        retryNotification,
        'deliver the notification again',
        {
          summary: 'Deliver a refused notification again',
          description:
            'For a payment stuck because the OMS refused its report (or the report failed), once the cause is fixed.',
          refused: 'The payment has no refused notification, or the workflow has ended.',
        },
      ),
    ],
  };
}
