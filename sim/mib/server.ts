import { randomBytes } from 'node:crypto';
import express, { type Request } from 'express';
import { issuesOf } from '../../domain/issues';
import {
  idOf,
  jsonRpcError,
  jsonRpcResult,
  JSON_RPC_ERRORS,
  NOTIFICATION_METHODS,
  REGISTER_METHOD,
  registrationSchema,
  type JsonRpcId,
  type Registration as RegistrationParams,
} from './contract';

/**
 * The Magento Integration Bus simulator: the stand-in for MIB, which reached end of support in 2024.
 * It follows the contract of shared/seeds (DOMAIN.md): an OAuth 2.0 client-credentials token endpoint, the
 * delegate endpoint `/<client_id>/delegate/<endpoint>` that accepts the ten payment notifications, and the
 * registration endpoint `/<client_id>/` for `magento.service_bus.remote.register`. It records what it
 * received for tests and operators (`GET /notifications`, `GET /registrations`).
 */

export interface MibSimulatorOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenTtlSeconds?: number;
}

export interface ReceivedNotification {
  readonly id: JsonRpcId;
  readonly endpoint: string;
  readonly method: string;
  readonly params: unknown;
  readonly receivedAt: string;
  /** A notification whose id MIB had already accepted: MIB drops it. */
  readonly duplicate: boolean;
}

export interface Registration extends RegistrationParams {
  readonly receivedAt: string;
}

/** Faults to inject: the next `failNext` authorized requests answer `failStatus`. */
export interface MibFaults {
  failNext: number;
  failStatus: number;
}

export function createMibSimulator({ clientId, clientSecret, tokenTtlSeconds = 3600 }: MibSimulatorOptions) {
  const tokens = new Map<string, number>(); // token → expiry (ms)
  const notifications: ReceivedNotification[] = [];
  const registrations: Registration[] = [];
  const faults: MibFaults = { failNext: 0, failStatus: 503 };
  const stats = { tokensIssued: 0, tokensRefused: 0 };

  const app = express();
  app.disable('x-powered-by');

  app.post('/oauth/token', express.urlencoded({ extended: false }), (req, res) => {
    const [id, secret] = clientCredentials(req);
    if (req.body?.grant_type !== 'client_credentials') {
      res.status(400).json({ error: 'unsupported_grant_type' });
    } else if (id !== clientId || secret !== clientSecret) {
      res.status(401).json({ error: 'invalid_client' });
    } else {
      const token = randomBytes(24).toString('hex');
      tokens.set(token, Date.now() + tokenTtlSeconds * 1000);
      stats.tokensIssued += 1;
      res.json({ access_token: token, token_type: 'Bearer', expires_in: tokenTtlSeconds });
    }
  });

  // Inspection and fault injection for tests and operators (registered before the `/:clientId` routes).
  app.get('/notifications', (req, res) => {
    const { method, reference } = req.query;
    res.json(
      notifications.filter(
        (n) =>
          (!method || n.method === method) &&
          (!reference || (n.params as { payment?: { reference?: string } }).payment?.reference === reference),
      ),
    );
  });
  app.get('/registrations', (_req, res) => res.json(registrations));
  app.post('/_control', express.json(), (req, res) => {
    const { failNext, failStatus, revokeTokens } = req.body ?? {};
    if (Number.isInteger(failNext)) faults.failNext = failNext;
    if (Number.isInteger(failStatus)) faults.failStatus = failStatus;
    if (revokeTokens === true) tokens.clear();
    res.json(faults);
  });

  const authorized = (req: Request) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiry = token ? tokens.get(token) : undefined;
    return expiry !== undefined && expiry > Date.now();
  };

  // Every MIB request: OAuth token, then the client id in the path, then the injected faults.
  app.use(`/:clientId`, express.json({ limit: '1mb' }), (req, res, next) => {
    if (!authorized(req)) {
      stats.tokensRefused += 1;
      res.status(401).json({ error: 'invalid_token' });
    } else if (req.params.clientId !== clientId) {
      res.status(404).json({ error: `unknown client ${req.params.clientId}` });
    } else if (faults.failNext > 0) {
      faults.failNext -= 1;
      res.status(faults.failStatus).json({ error: 'injected failure' });
    } else {
      next();
    }
  });

  app.post('/:clientId/delegate/:endpoint', (req, res) => {
    const body = req.body as {
      jsonrpc?: unknown;
      method?: unknown;
      params?: { payment?: { reference?: unknown } };
    };
    const id = idOf(body);
    if (body?.jsonrpc !== '2.0' || typeof body.method !== 'string') {
      res.status(400).json(jsonRpcError(id, JSON_RPC_ERRORS.invalidRequest, 'Invalid Request'));
    } else if (!NOTIFICATION_METHODS.has(body.method)) {
      res
        .status(404)
        .json(jsonRpcError(id, JSON_RPC_ERRORS.methodNotFound, `Method not found: ${body.method}`));
    } else if (typeof body.params?.payment?.reference !== 'string') {
      res
        .status(400)
        .json(jsonRpcError(id, JSON_RPC_ERRORS.invalidParams, 'params.payment.reference is required'));
    } else {
      const duplicate = id !== null && notifications.some((n) => n.id === id && !n.duplicate);
      notifications.push({
        id,
        endpoint: String(req.params.endpoint),
        method: body.method,
        params: body.params,
        receivedAt: new Date().toISOString(),
        duplicate,
      });
      res.json(jsonRpcResult(id, {}));
    }
  });

  // Exactly the seed's message: JSON-RPC 2.0, the register method, and params {id, url, contracts} only.
  app.post('/:clientId', (req, res) => {
    const body = req.body as { jsonrpc?: unknown; method?: unknown; params?: unknown };
    const id = idOf(body);
    const params = registrationSchema.safeParse(body?.params);
    if (body?.jsonrpc !== '2.0' || typeof body.method !== 'string') {
      res.status(400).json(jsonRpcError(id, JSON_RPC_ERRORS.invalidRequest, 'Invalid Request'));
    } else if (body.method !== REGISTER_METHOD) {
      res
        .status(404)
        .json(jsonRpcError(id, JSON_RPC_ERRORS.methodNotFound, `Method not found: ${body.method}`));
    } else if (!params.success) {
      res.status(400).json(
        jsonRpcError(id, JSON_RPC_ERRORS.invalidParams, 'Invalid params', {
          issues: issuesOf(params.error, 'params'),
        }),
      );
    } else {
      registrations.push({ ...params.data, receivedAt: new Date().toISOString() });
      res.json(jsonRpcResult(id, {}));
    }
  });

  return { app, notifications, registrations, faults, stats };
}

export type MibSimulator = ReturnType<typeof createMibSimulator>;

function clientCredentials(req: Request): [string | undefined, string | undefined] {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const at = decoded.indexOf(':');
    // RFC 6749 §2.3.1: both halves are form-urlencoded, so '+' stands for a space.
    const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
    return [formDecode(decoded.slice(0, at)), formDecode(decoded.slice(at + 1))];
  }
  return [req.body?.client_id, req.body?.client_secret];
}
