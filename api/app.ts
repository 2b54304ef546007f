import type { Client } from '@temporalio/client';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Logger } from '../config/logger';
import { JSON_RPC_ERRORS, jsonRpcError } from '../oms/mib/jsonRpc';
import type { ProviderRegistry } from '../providers/registry';
import { mibIntakeRouter, type MibIntakeDependencies } from '../oms/mib/intake';
import { openApiDocument } from './openapi';
import { paymentsRouter } from './payments';
import type { Health } from './schemas';
import { webhookRouter } from './webhooks';

export interface ApiDependencies {
  readonly temporal: Client;
  readonly taskQueue: string;
  readonly providers: ProviderRegistry;
  readonly logger: Logger;
  readonly mibIntakeSecret: string;
  readonly settlement: MibIntakeDependencies['settlement'];
  /** The operator's bearer token for `/payments`; without it the operator API answers 503. */
  readonly adminToken?: string;
}

/** The HTTP edge: MIB intake, provider webhooks, the operator API, health, and the OpenAPI document of them all. */
export function createApi(deps: ApiDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' } satisfies Health);
  });
  const openapi = openApiDocument({ providers: deps.providers.names });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(mibIntakeRouter(deps));
  app.use(webhookRouter(deps));
  app.use(paymentsRouter(deps));
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  app.use(errorHandler(deps.logger));
  return app;
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: { type?: string; status?: number; message?: string }, req, res, _next) => {
    const tooLarge = error.type === 'entity.too.large';
    if (!tooLarge) logger.error('request failed', { path: req.path, error: error.message });
    const status = tooLarge ? 413 : (error.status ?? 500);
    const message = tooLarge ? 'Invalid Request: body too large' : 'Internal error';
    if (req.path === '/mib') {
      res
        .status(status)
        .json(
          jsonRpcError(
            null,
            tooLarge ? JSON_RPC_ERRORS.invalidRequest : JSON_RPC_ERRORS.internalError,
            message,
          ),
        );
    } else {
      res.status(status).json({ error: message });
    }
  };
}
