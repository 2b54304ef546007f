import { randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { Agent, request } from 'undici';
import { canonicalJson } from '../../domain/fingerprint';
import { signPayload } from '../../domain/signature';
import { createCheckoutSessions, isStringRecord, type CheckoutSession } from './checkout';

/**
 * The gateway simulator: a small card gateway with the shape of real ones (docs/providers.md, "The gateway
 * simulator").
 * Authorizations, and captures, refunds and cancellations on them; every POST needs an Idempotency-Key (the
 * same key with the same body replays the first answer, with another body it is refused with 409; while the
 * first request is still being answered, the same key is refused with 409 `idempotency_key_in_use`), but for
 * an authorization a test or a demo sets up. Like Stripe it forgets a key after `idempotencyKeyTtlMs` (24
 * hours), and then takes it as a new request; the operations themselves stay, found by their authorization
 * and metadata. Answers `succeeded` at once or `pending` with a signed webhook after a delay. It can be told
 * to fail, decline or go down (`POST /_control`).
 */

export type SettlementMode = 'immediate' | 'pending';

export interface GatewayControl {
  /** `immediate`: operations succeed in the answer; `pending`: the outcome comes by webhook. */
  mode: SettlementMode;
  webhookDelayMs: number;
  webhookUrl?: string;
  /** Answer the next N keyed POSTs (operations, checkout authorizations) with failStatus without acting. */
  failNext: number;
  failStatus: number;
  /** Answer every API request (lookups too) with failStatus, without acting, until set back to false. */
  failing: boolean;
  /** How long an Idempotency-Key is remembered (Stripe: 24 hours); past it the key makes a new request. */
  idempotencyKeyTtlMs: number;
  /** Decline the next N operations and checkout authorizations (HTTP 402, status `declined`). */
  declineNext: number;
  /** Settle pending operations as `failed` instead of `succeeded`. */
  failSettlement: boolean;
  /** How long a new authorization (or one first seen) stays valid; card authorizations last about 7 days. */
  authorizationTtlMs: number;
  /** Drop every connection without an answer, as a gateway that is down. */
  down: boolean;
  /** Carry out the next N operation requests but cut the connection instead of answering (answer lost). */
  loseAnswerNext: number;
  /** Carry out an operation request at once but answer only this much later (a slow gateway). */
  answerDelayMs: number;
  /**
   * How long a webhook delivery waits for the answer before it counts as failed and is redelivered, as real
   * gateways give up after seconds (Adyen after 10 s); 0: as long as the HTTP client waits (minutes).
   */
  webhookTimeoutMs: number;
  /**
   * Keep pending operations unsettled, with no timer, until this is set back to false; then all of them
   * settle and their webhooks go out at once. The benchmark parks thousands of payments this way.
   */
  holdWebhooks: boolean;
}

export interface GatewaySimulatorOptions {
  readonly apiKey: string;
  readonly webhookSecret: string;
  readonly control?: Partial<GatewayControl>;
}

type OperationKind = 'capture' | 'refund' | 'cancellation';
type OperationStatus = 'pending' | 'succeeded' | 'failed' | 'declined';

interface Operation {
  id: string;
  object: OperationKind;
  authorization: string;
  amount: number;
  currency: string;
  status: OperationStatus;
  decline_reason?: string;
  metadata: Record<string, string>;
}

/** A replacement of an expired authorization (POST …/reauthorizations). */
interface Reauthorization {
  id: string;
  object: 'reauthorization';
  status: 'succeeded' | 'declined';
  authorization: string;
  decline_reason?: string;
  new_authorization?: unknown;
  metadata: Record<string, string>;
}

interface Authorization {
  id: string;
  amount: number;
  /** Unknown (null) for an authorization first seen by a status request, until an operation names it. */
  currency: string | null;
  status: 'authorized' | 'cancelled';
  expires_at: string;
  /** Whether the card may be charged again without the customer (a new authorization on revalidate). */
  reauthorizable: boolean;
  /** The expired authorization this one replaces. */
  replaces?: string;
  /** How operations on it settle, whatever the control's mode (a gateway's test cards behave this way). */
  settlement?: SettlementMode;
  /** The caller's, e.g. the workflow id and the order's reference. */
  metadata?: Record<string, string>;
  captured: number;
  refunded: number;
  /** Amounts of operations accepted but not settled yet, held against the authorization like real ones. */
  pending: Record<OperationKind, number>;
}

/** A valid `POST /v1/authorizations` body. */
interface AuthorizationFields {
  readonly id?: string;
  readonly amount: number;
  readonly currency: string;
  readonly expires_at?: string;
  readonly reauthorizable?: boolean;
  readonly settlement?: SettlementMode;
  readonly captured?: number;
  readonly metadata?: Record<string, string>;
}

interface NewAuthorization {
  readonly id?: string;
  readonly amount: number;
  readonly currency: string | null;
  readonly expiresAt: number;
  readonly reauthorizable?: boolean;
  readonly replaces?: string;
  readonly settlement?: SettlementMode;
  readonly metadata?: Record<string, string>;
}

/** The amount of an authorization first seen by an operation, which the gateway never learned. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

function newAuthorization(options: NewAuthorization): Authorization {
  return {
    id: options.id ?? newId('auth'),
    amount: options.amount,
    currency: options.currency,
    status: 'authorized',
    expires_at: new Date(options.expiresAt).toISOString(),
    reauthorizable: options.reauthorizable ?? true,
    ...(options.replaces ? { replaces: options.replaces } : {}),
    ...(options.settlement ? { settlement: options.settlement } : {}),
    ...(options.metadata ? { metadata: options.metadata } : {}),
    captured: 0,
    refunded: 0,
    pending: { capture: 0, refund: 0, cancellation: 0 },
  };
}

const isExpired = (authorization: Authorization) => Date.parse(authorization.expires_at) <= Date.now();

/** The authorization as the API shows it: `expired` once past its expiry, unless cancelled. */
function present(authorization: Authorization) {
  const expired = authorization.status === 'authorized' && isExpired(authorization);
  return { ...authorization, status: expired ? 'expired' : authorization.status };
}

/** What a webhook carries of something other than an operation: a checkout session's authorization. */
interface WebhookOperation {
  readonly id: string;
  readonly object: 'authorization';
  readonly status: 'succeeded' | 'declined';
  readonly decline_reason?: string;
  readonly checkout_session: string;
  readonly amount: number;
  readonly currency: string;
  readonly metadata: Record<string, string>;
}

export interface WebhookDelivery {
  readonly eventId: string;
  readonly operationId: string;
  readonly status: number | 'network-error';
  readonly at: string;
}

const KIND_BY_PATH: Record<string, OperationKind> = {
  captures: 'capture',
  refunds: 'refund',
  cancellations: 'cancellation',
};

const newId = (prefix: string) => `${prefix}_${randomBytes(9).toString('hex')}`;

const SETTLEMENT_MODES: readonly unknown[] = ['immediate', 'pending'] satisfies SettlementMode[];

export function createGatewaySimulator({ apiKey, webhookSecret, control: initial }: GatewaySimulatorOptions) {
  const control: GatewayControl = {
    mode: 'pending',
    webhookDelayMs: 1000,
    failNext: 0,
    failStatus: 503,
    failing: false,
    idempotencyKeyTtlMs: 24 * 3600_000,
    declineNext: 0,
    failSettlement: false,
    authorizationTtlMs: 7 * 24 * 3600_000,
    down: false,
    loseAnswerNext: 0,
    answerDelayMs: 0,
    webhookTimeoutMs: 0,
    holdWebhooks: false,
    ...initial,
  };
  const authorizations = new Map<string, Authorization>();
  const operations = new Map<string, Operation>();
  const remembered = new Map<string, { fingerprint: string; status: number; body: unknown; at: number }>();
  /** Keys whose first request is still being answered. */
  const inFlight = new Set<string>();
  const reauthorizations = new Map<string, Reauthorization>();
  /** The first answer to a key, while the gateway still remembers it. */
  const rememberedAnswer = (key: string) => {
    const earlier = remembered.get(key);
    if (earlier && Date.now() - earlier.at >= control.idempotencyKeyTtlMs) remembered.delete(key);
    return remembered.get(key);
  };
  /**
   * Every keyed POST (operations, checkout authorizations) that reached the gateway's logic; `inUse` marks one
   * refused because the first request with its key was still being answered.
   */
  const calls: { path: string; idempotencyKey: string; replayed: boolean; inUse?: true }[] = [];
  const webhooks: WebhookDelivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  /** Pending operations held while `holdWebhooks` is on. */
  const held: { authorization: Authorization; operation: Operation }[] = [];
  // Webhooks released by the thousand queue here instead of opening a connection each, as a real gateway's
  // delivery workers would.
  const webhookAgent = new Agent({ connections: 32 });
  let stopped = false;

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '256kb' }));

  // Inspection and control, for tests and demos.
  app.get('/_calls', (_req, res) => res.json(calls));
  app.get('/_webhooks', (_req, res) => res.json(webhooks));
  app.get('/_control', (_req, res) => res.json(control));
  // Forgets every Idempotency-Key now, as their TTL would (tests run in workflow time, not the gateway's).
  app.post('/_control/expire-idempotency-keys', (_req, res) => {
    const expired = remembered.size;
    remembered.clear();
    res.json({ expired });
  });
  app.post('/_control', (req, res) => {
    const holding = control.holdWebhooks;
    Object.assign(control, pick(req.body ?? {}, Object.keys(control).concat('webhookUrl')));
    if (holding && !control.holdWebhooks) releaseHeld();
    res.json(control);
  });

  // The customer's side of checkout sessions: the hosted card form and its 3-D Secure challenge.
  const checkout = createCheckoutSessions({
    authorize: (session) => {
      const authorization = newAuthorization({
        amount: session.amount,
        currency: session.currency,
        metadata: session.metadata,
        expiresAt: Date.now() + control.authorizationTtlMs,
      });
      authorizations.set(authorization.id, authorization);
      return authorization.id;
    },
    notify: (session) => sendSessionWebhook(session),
  });
  app.use(checkout.form);

  app.use('/v1', (req, res, next) => {
    if (control.down) {
      req.socket.destroy();
    } else if (control.failing) {
      res.status(control.failStatus).json({ error: { type: 'api_error', message: 'injected failure' } });
    } else if (req.headers.authorization !== `Bearer ${apiKey}`) {
      res.status(401).json({ error: { type: 'authentication_error', message: 'invalid API key' } });
    } else {
      next();
    }
  });

  // An authorization. With an Idempotency-Key it is Settle authorizing at checkout, and behaves as every
  // other POST does (replays, 409, injected faults, declineNext). Without one it is a test's or a demo's
  // set-up, which `id`, `expires_at`, `reauthorizable`, `settlement` and `captured` shape, refused only when
  // invalid.
  app.post('/v1/authorizations', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (req.headers['idempotency-key'] === undefined) {
      const [status, answer] = authorize(body);
      return void res.status(status).json(answer);
    }
    idempotent(req, res, () => {
      if (control.declineNext <= 0 || authorizationRefusal(body)) return authorize(body);
      // Declined by the card's bank: nothing is held, so no authorization is kept.
      control.declineNext -= 1;
      return [
        402,
        { id: newId('auth'), object: 'authorization', status: 'declined', decline_reason: 'card_declined' },
      ];
    });
  });

  // A checkout session: the customer pays on the hosted form at its form_url, and only then is the money held.
  app.post('/v1/checkout_sessions', (req, res) => {
    idempotent(req, res, () => checkout.open(req.body ?? {}, `${req.protocol}://${req.get('host')}`));
  });

  app.post('/v1/checkout_sessions/:id/expire', (req, res) => {
    idempotent(req, res, () => checkout.expire(String(req.params.id)));
  });

  // The sessions opened for a caller's workflow (metadata.workflow_id), newest first.
  app.get('/v1/checkout_sessions', (req, res) => {
    const workflowId = req.query.workflow_id;
    if (typeof workflowId !== 'string' || !workflowId)
      return invalid(res, 'the workflow_id query parameter is required');
    res.json({ object: 'list', data: checkout.ofWorkflow(workflowId) });
  });

  app.get('/v1/checkout_sessions/:id', (req, res) => {
    const session = checkout.sessions.get(req.params.id);
    if (!session)
      return void res.status(404).json({ error: { type: 'not_found', message: 'no such checkout session' } });
    res.json(checkout.present(session));
  });

  // The authorizations made at checkout for a caller's workflow (metadata.workflow_id), newest first.
  app.get('/v1/authorizations', (req, res) => {
    const workflowId = req.query.workflow_id;
    if (typeof workflowId !== 'string' || !workflowId)
      return invalid(res, 'the workflow_id query parameter is required');
    const data = [...authorizations.values()]
      .filter((authorization) => authorization.metadata?.workflow_id === workflowId)
      .reverse()
      .map(present);
    res.json({ object: 'list', data });
  });

  app.get('/v1/authorizations/:id', (req, res) => {
    res.json(present(knownAuthorization(req.params.id, null)));
  });

  // Every operation and reauthorization on an authorization, newest first, for as long as the gateway lives.
  app.get('/v1/authorizations/:id/operations', (req, res) => {
    const id = req.params.id;
    const data = [
      ...[...operations.values()].filter((operation) => operation.authorization === id),
      ...[...reauthorizations.values()].filter((reauthorization) => reauthorization.authorization === id),
    ].reverse();
    res.json({ object: 'list', data });
  });

  // The status API by idempotency key, while the key is remembered: what became of a request whose answer
  // was lost.
  app.get('/v1/operations', (req, res) => {
    const earlier = rememberedAnswer(String(req.query.idempotency_key ?? ''));
    if (!earlier)
      return void res.status(404).json({ error: { type: 'not_found', message: 'no request with that key' } });
    const id = (earlier.body as { id?: unknown }).id;
    const operation = typeof id === 'string' ? operations.get(id) : undefined;
    res.json(operation ?? earlier.body);
  });

  app.get('/v1/operations/:id', (req, res) => {
    const operation = operations.get(req.params.id) ?? reauthorizations.get(req.params.id);
    if (!operation)
      return void res.status(404).json({ error: { type: 'not_found', message: 'no such operation' } });
    res.json(operation);
  });

  app.post('/v1/authorizations/:id/:kind', (req, res) => {
    const path = String(req.params.kind);
    const kind = KIND_BY_PATH[path];
    if (!kind && path !== 'reauthorizations')
      return void res.status(404).json({ error: { type: 'not_found', message: 'no such endpoint' } });
    idempotent(req, res, () =>
      kind
        ? operate(String(req.params.id), kind, req.body ?? {})
        : reauthorize(String(req.params.id), req.body ?? {}),
    );
  });

  /**
   * A POST that needs an Idempotency-Key: injected failures first, then the first answer to the same key and
   * body replayed (409 for another body), else `act`, whose answer is remembered and then delayed or lost as
   * the control says.
   */
  function idempotent(req: Request, res: Response, act: () => [number, unknown]) {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length === 0)
      return invalid(res, 'Idempotency-Key header is required');
    if (control.failNext > 0) {
      control.failNext -= 1;
      return void res
        .status(control.failStatus)
        .json({ error: { type: 'api_error', message: 'injected failure' } });
    }
    const fingerprint = canonicalJson({ path: req.path, body: req.body });
    if (inFlight.has(key)) {
      calls.push({ path: req.path, idempotencyKey: key, replayed: false, inUse: true });
      return void res.status(409).json({
        error: {
          type: 'idempotency_error',
          code: 'idempotency_key_in_use',
          message: 'another request with this Idempotency-Key is still in progress; retry later',
        },
      });
    }
    const earlier = rememberedAnswer(key);
    calls.push({ path: req.path, idempotencyKey: key, replayed: earlier !== undefined });
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        return void res.status(409).json({
          error: {
            type: 'idempotency_error',
            code: 'idempotency_key_reused',
            message: 'Idempotency-Key reused with different parameters',
          },
        });
      }
      return void res.status(earlier.status).json(earlier.body);
    }
    const [status, body] = act();
    if (status < 500) remembered.set(key, { fingerprint, status, body, at: Date.now() });
    if (control.loseAnswerNext > 0) {
      control.loseAnswerNext -= 1;
      return void req.socket.destroy();
    }
    if (control.answerDelayMs > 0) {
      // Still being answered: the same key meanwhile gets 409 idempotency_key_in_use, as at Stripe.
      inFlight.add(key);
      const timer = setTimeout(() => {
        timers.delete(timer);
        inFlight.delete(key);
        if (!res.destroyed) res.status(status).json(body);
      }, control.answerDelayMs);
      return void timers.add(timer);
    }
    res.status(status).json(body);
  }

  /** Creates an authorization from a request's body (fields as documented), or refuses it with 400. */
  function authorize(body: Record<string, unknown>): [number, unknown] {
    const refusal = authorizationRefusal(body);
    if (refusal) return invalidRequest(refusal);
    const fields = body as unknown as AuthorizationFields;
    const authorization = newAuthorization({
      id: fields.id,
      amount: fields.amount,
      currency: fields.currency,
      settlement: fields.settlement,
      metadata: fields.metadata,
      expiresAt: fields.expires_at ? Date.parse(fields.expires_at) : Date.now() + control.authorizationTtlMs,
      reauthorizable: fields.reauthorizable !== false,
    });
    authorization.captured = fields.captured ?? 0;
    authorizations.set(authorization.id, authorization);
    return [200, present(authorization)];
  }

  /** Why the body is not a valid authorization request, if it is not. */
  function authorizationRefusal(body: Record<string, unknown>): string | undefined {
    const { id, amount, currency, expires_at, settlement, captured, metadata } = body;
    if (!Number.isSafeInteger(amount) || (amount as number) <= 0 || typeof currency !== 'string')
      return 'amount (positive integer, minor units) and currency are required';
    if (settlement !== undefined && !SETTLEMENT_MODES.includes(settlement))
      return 'settlement must be "immediate" or "pending"';
    // Captured already, e.g. at checkout: such an authorization can be refunded at once.
    const capturable = Number.isSafeInteger(captured) && (captured as number) >= 0;
    if (captured !== undefined && !(capturable && (captured as number) <= (amount as number)))
      return 'captured must be an integer between 0 and amount';
    if (id !== undefined && (typeof id !== 'string' || !id || authorizations.has(id)))
      return 'id must be a new, non-empty string';
    if (expires_at !== undefined && Number.isNaN(Date.parse(String(expires_at))))
      return 'expires_at must be an ISO 8601 date';
    if (metadata !== undefined && !isStringRecord(metadata)) return 'metadata must be an object of strings';
    return undefined;
  }

  function operate(
    authorizationId: string,
    kind: OperationKind,
    body: Record<string, unknown>,
  ): [number, unknown] {
    const { amount, currency, metadata } = body as {
      amount?: unknown;
      currency?: unknown;
      metadata?: unknown;
    };
    // A cancellation releases the whole authorization; it takes any amount, 0 included.
    const minimum = kind === 'cancellation' ? 0 : 1;
    if (!Number.isSafeInteger(amount) || (amount as number) < minimum || typeof currency !== 'string') {
      return invalidRequest('amount and currency are required');
    }
    const authorization = knownAuthorization(authorizationId, currency);
    const operation: Operation = {
      id: newId(kind.slice(0, 3)),
      object: kind,
      authorization: authorization.id,
      amount: amount as number,
      currency,
      status: 'pending',
      metadata: isStringRecord(metadata) ? metadata : {},
    };
    operations.set(operation.id, operation);
    const refusal =
      control.declineNext > 0 ? 'insufficient_funds' : businessRefusal(authorization, operation);
    if (refusal) {
      control.declineNext = Math.max(0, control.declineNext - 1);
      Object.assign(operation, { status: 'declined', decline_reason: refusal });
      return [402, operation];
    }
    // At least 1, so that a pending cancellation (which may carry amount 0) still holds the authorization.
    authorization.pending[kind] += Math.max(operation.amount, 1);
    if ((authorization.settlement ?? control.mode) === 'immediate') {
      settle(authorization, operation, 'succeeded');
    } else if (control.holdWebhooks) {
      held.push({ authorization, operation });
    } else {
      settleLater(authorization, operation, control.webhookDelayMs);
    }
    return [200, { ...operation }];
  }

  function settleLater(authorization: Authorization, operation: Operation, delayMs: number) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      settle(authorization, operation, control.failSettlement ? 'failed' : 'succeeded');
      sendWebhook(operation);
    }, delayMs);
    timers.add(timer);
  }

  /** Settles every held operation after webhookDelayMs; their webhooks share the delivery connections. */
  function releaseHeld() {
    for (const { authorization, operation } of held.splice(0))
      settleLater(authorization, operation, control.webhookDelayMs);
  }

  /**
   * An authorization id the gateway has not seen is taken as one made elsewhere at checkout (any amount,
   * valid for authorizationTtlMs from now), so that any MIB payment can be demoed.
   */
  function knownAuthorization(id: string, currency: string | null): Authorization {
    let authorization = authorizations.get(id);
    if (!authorization) {
      const expiresAt = Date.now() + control.authorizationTtlMs;
      authorization = newAuthorization({ id, amount: UNBOUNDED, currency, expiresAt });
      authorizations.set(id, authorization);
    }
    authorization.currency ??= currency;
    return authorization;
  }

  /**
   * A new authorization for the same card, amount and currency, replacing an expired one: what a merchant-
   * initiated charge does at a real gateway. Only an expired, reusable, uncancelled authorization qualifies.
   */
  function reauthorize(authorizationId: string, body: Record<string, unknown>): [number, unknown] {
    const expired = authorizations.get(authorizationId);
    if (!expired) return [404, { error: { type: 'not_found', message: 'no such authorization' } }];
    const shown = present(expired);
    const refusal =
      control.declineNext > 0
        ? 'card_declined'
        : shown.status === 'cancelled'
          ? 'authorization_cancelled'
          : shown.status !== 'expired'
            ? 'authorization_still_valid'
            : !expired.reauthorizable
              ? 'card_not_reusable'
              : undefined;
    const metadata = isStringRecord(body.metadata) ? body.metadata : {};
    if (refusal) {
      control.declineNext = Math.max(0, control.declineNext - 1);
      const declined: Reauthorization = {
        id: newId('rea'),
        object: 'reauthorization',
        status: 'declined',
        authorization: expired.id,
        decline_reason: refusal,
        metadata,
      };
      reauthorizations.set(declined.id, declined);
      return [402, declined];
    }
    const replacement = newAuthorization({
      amount: expired.amount - expired.captured,
      currency: expired.currency,
      expiresAt: Date.now() + control.authorizationTtlMs,
      replaces: expired.id,
    });
    authorizations.set(replacement.id, replacement);
    const reauthorization: Reauthorization = {
      id: newId('rea'),
      object: 'reauthorization',
      status: 'succeeded',
      authorization: expired.id,
      new_authorization: present(replacement),
      metadata,
    };
    reauthorizations.set(reauthorization.id, reauthorization);
    return [200, reauthorization];
  }

  /** Sends the operation's final state as one event; a redelivery carries the same event id and body. */
  function sendWebhook(operation: Operation | WebhookOperation) {
    const event = {
      id: newId('evt'),
      type: `${operation.object}.${operation.status}`,
      created: Math.floor(Date.now() / 1000),
      data: { operation: { ...operation } },
    };
    void deliverWebhook(event.id, operation.id, JSON.stringify(event), 1);
  }

  /**
   * A completed checkout session as an operation `authorization`: `succeeded` with the new authorization's
   * id, or `declined`; its metadata carries the workflow id Settle put on the session.
   */
  function sendSessionWebhook(session: CheckoutSession) {
    const authorized = session.outcome === 'authorized';
    sendWebhook({
      id: session.authorization ?? newId('auth'),
      object: 'authorization',
      status: authorized ? 'succeeded' : 'declined',
      ...(authorized ? {} : { decline_reason: session.decline_reason ?? 'card_declined' }),
      checkout_session: session.id,
      amount: session.amount,
      currency: session.currency,
      metadata: session.metadata,
    });
  }

  async function deliverWebhook(
    eventId: string,
    operationId: string,
    body: string,
    attempt: number,
  ): Promise<void> {
    if (!control.webhookUrl || stopped) return;
    let status: number | 'network-error';
    try {
      const response = await request(control.webhookUrl, {
        method: 'POST',
        dispatcher: webhookAgent,
        headers: {
          'content-type': 'application/json',
          'gateway-signature': signPayload(webhookSecret, body, Math.floor(Date.now() / 1000)),
        },
        body,
        ...(control.webhookTimeoutMs > 0
          ? { headersTimeout: control.webhookTimeoutMs, bodyTimeout: control.webhookTimeoutMs }
          : {}),
      });
      await response.body.dump();
      status = response.statusCode;
    } catch {
      status = 'network-error';
    }
    webhooks.push({ eventId, operationId, status, at: new Date().toISOString() });
    // Like real gateways: redeliver an event that was not acknowledged with 2xx, with growing pauses.
    if ((status === 'network-error' || status >= 300) && attempt < 6) {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          void deliverWebhook(eventId, operationId, body, attempt + 1);
        },
        500 * 2 ** attempt,
      );
      timers.add(timer);
    }
  }

  return {
    app,
    control,
    calls,
    webhooks,
    authorizations,
    operations,
    reauthorizations,
    /** Checkout sessions by id. */
    checkoutSessions: checkout.sessions,
    /** Forgets every Idempotency-Key now (`POST /_control/expire-idempotency-keys`). */
    expireIdempotencyKeys: () => remembered.clear(),
    /** How many pending operations `holdWebhooks` holds right now. */
    heldCount: () => held.length,
    /** Stops pending webhook timers and delivery connections, so a test can end cleanly. */
    stop: () => {
      stopped = true;
      timers.forEach((timer) => clearTimeout(timer));
      void webhookAgent.destroy();
    },
  };
}

export type GatewaySimulator = ReturnType<typeof createGatewaySimulator>;

/** Why the gateway refuses an operation, counting what is still pending as if it would succeed. */
function businessRefusal(authorization: Authorization, operation: Operation): string | undefined {
  const { pending } = authorization;
  // A cancellation releases what is not captured; the captured funds stay refundable.
  const cancelled = authorization.status === 'cancelled' || pending.cancellation > 0;
  if (cancelled && operation.object !== 'refund') return 'authorization_cancelled';
  if (operation.currency !== authorization.currency) return 'currency_mismatch';
  // An expired authorization can no longer be captured; refunds act on funds already captured.
  if (operation.object === 'capture' && isExpired(authorization)) return 'authorization_expired';
  const captured = authorization.captured + pending.capture;
  if (operation.object === 'capture' && captured + operation.amount > authorization.amount) {
    return 'amount_exceeds_authorization';
  }
  const refunded = authorization.refunded + pending.refund;
  if (operation.object === 'refund' && refunded + operation.amount > authorization.captured) {
    return 'amount_exceeds_captured';
  }
  // After partial captures of an authorization of a known amount, a cancellation releases the rest; one first seen
  // by an operation has no known amount (MAX_SAFE_INTEGER), and after a capture nothing is left to cancel.
  const rest = authorization.amount === UNBOUNDED ? 0 : authorization.amount - captured;
  if (operation.object === 'cancellation' && captured > 0 && rest <= 0)
    return 'authorization_already_captured';
  return undefined;
}

function settle(authorization: Authorization, operation: Operation, status: 'succeeded' | 'failed') {
  operation.status = status;
  authorization.pending[operation.object] -= Math.max(operation.amount, 1);
  if (status !== 'succeeded') return;
  if (operation.object === 'capture') authorization.captured += operation.amount;
  if (operation.object === 'refund') authorization.refunded += operation.amount;
  if (operation.object === 'cancellation') authorization.status = 'cancelled';
}

function invalidRequest(message: string): [number, unknown] {
  return [400, { error: { type: 'invalid_request_error', message } }];
}

function invalid(res: Response, message: string) {
  const [status, body] = invalidRequest(message);
  res.status(status).json(body);
}

function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(source).filter(([key]) => keys.includes(key)));
}
