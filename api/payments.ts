import { ServiceError, type Client } from '@temporalio/client';
import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import type { Logger } from '../config/logger';
import { issuesOf } from '../oms/mib/jsonRpc';
import { bearerAuthFailure } from './callerAuth';
import {
  OperatorError,
  listPayments,
  recheckPayment,
  resolvePayment,
  retryNotification,
  showPayment,
} from './paymentOperations';
import { paymentListFilterSchema, resolutionSchema } from './paymentSchemas';

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

const STATUS_OF: Record<OperatorError['kind'], number> = { not_found: 404, refused: 409 };

export function paymentsRouter({ temporal, logger, adminToken }: PaymentsApiDependencies): Router {
  const router = express.Router();

  router.use('/payments', (req, res, next) => {
    if (!adminToken) {
      res.status(503).json({ error: 'operator API disabled: set ADMIN_TOKEN' });
      return;
    }
    const failure = bearerAuthFailure(req.headers, adminToken);
    if (failure) {
      logger.warn('refused an unauthenticated operator call', {
        path: req.path,
        reason: failure,
        ip: req.ip,
      });
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer realm="settle-operator"')
        .json({ error: `Unauthorized: ${failure}` });
      return;
    }
    next();
  });

  router.get('/payments', (req, res) =>
    answer(res, async () => {
      const filter = valid(paymentListFilterSchema, req.query, 'query');
      return [200, await listPayments(temporal, filter)];
    }),
  );

  router.get('/payments/:id', (req, res) =>
    answer(res, async () => [200, await showPayment(temporal, idOf(req))]),
  );

  router.post('/payments/:id/resolve', express.json({ limit: '16kb' }), (req, res) =>
    answer(res, async () => {
      const resolution = valid(resolutionSchema, req.body, 'body');
      const workflowId = idOf(req);
      const status = await resolvePayment(temporal, workflowId, resolution);
      logger.info('payment resolved by an operator', {
        workflowId,
        outcome: resolution.outcome,
        operator: resolution.operator,
      });
      return [200, status];
    }),
  );

  const signalRoute = (path: string, send: typeof recheckPayment, what: string) =>
    router.post(`/payments/:id/${path}`, (req, res) =>
      answer(res, async () => {
        const workflowId = idOf(req);
        await send(temporal, workflowId);
        logger.info(`operator asked to ${what}`, { workflowId });
        return [202, { accepted: true, workflowId }];
      }),
    );
  signalRoute('recheck', recheckPayment, 'recheck the provider');
  signalRoute('retry-notification', retryNotification, 'deliver the notification again');

  router.use('/payments', bodyErrors);
  return router;

  /** Runs an operation and answers its result, or the error an operator can act on. */
  async function answer(res: Response, work: () => Promise<[number, unknown]>): Promise<void> {
    try {
      const [status, body] = await work();
      res.status(status).json(body);
    } catch (error) {
      if (error instanceof InvalidInput) {
        res.status(400).json({ error: 'invalid request', issues: error.issues });
      } else if (error instanceof OperatorError) {
        res.status(STATUS_OF[error.kind]).json({ error: error.message });
      } else if (error instanceof ServiceError) {
        logger.error('operator request: Temporal unavailable', { error: error.message });
        res.status(503).json({ error: `Temporal unavailable: ${error.message}` });
      } else {
        throw error;
      }
    }
  }
}

class InvalidInput extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super('invalid request');
  }
}

/** The input as the schema parses it, or an InvalidInput naming each field (`body.outcome`, `query.phase`). */
function valid<S extends z.ZodType>(schema: S, input: unknown, root: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new InvalidInput(issuesOf(parsed.error, root));
  return parsed.data;
}

const idOf = (req: Request) => String(req.params.id);

/** A body that is not JSON, or too large, is the caller's mistake: 400 or 413, not an internal error. */
const bodyErrors: ErrorRequestHandler = (error: { type?: string }, _req, res, next) => {
  if (error.type === 'entity.parse.failed')
    res.status(400).json({ error: 'invalid request', issues: [{ path: 'body', message: 'not valid JSON' }] });
  else if (error.type === 'entity.too.large') res.status(413).json({ error: 'the body is too large' });
  else next(error);
};
