import { randomBytes } from 'node:crypto';
import express, { type Response } from 'express';
import { cardFormPage, challengePage, messagePage, type FormView } from './hostedForm';

/**
 * The gateway's checkout sessions (docs/providers.md, "The gateway simulator"): Settle opens one for an order
 * (`POST /v1/checkout_sessions`), the customer's browser pays on the hosted card form at its `form_url`, and
 * only then does the gateway authorize — or decline — and tell Settle by webhook, before it sends the browser
 * back to the session's `return_url`. The test cards decide, as at real gateways.
 */

/** open: awaiting the customer; complete: the customer paid (authorized) or the card was declined. */
export type SessionStatus = 'open' | 'complete' | 'expired';

export interface CheckoutSession {
  id: string;
  object: 'checkout_session';
  status: 'open' | 'complete';
  amount: number;
  currency: string;
  return_url?: string;
  expires_at: string;
  form_url: string;
  metadata: Record<string, string>;
  /** Once complete: authorized or declined, and the authorization's id when authorized. */
  outcome?: 'authorized' | 'declined';
  authorization?: string;
  decline_reason?: string;
  /** While the 3-D Secure challenge is shown. */
  challenge?: true;
}

/** The test cards: what each does on the hosted form. */
export const TEST_CARDS = {
  '4242424242424242': 'authorize',
  '4000000000003220': 'challenge',
  '4000000000000002': 'decline',
} as const;

/** How long a session lasts when Settle names no expiry (as Stripe's Checkout: 24 hours). */
const DEFAULT_SESSION_MS = 24 * 3600_000;

export interface CheckoutSessionsOptions {
  /** Creates the authorization that holds the money once the customer paid; answers its id. */
  authorize(session: CheckoutSession): string;
  /** Tells the caller the session's outcome (the webhook). */
  notify(session: CheckoutSession): void;
}

export function createCheckoutSessions({ authorize, notify }: CheckoutSessionsOptions) {
  const sessions = new Map<string, CheckoutSession>();

  /** The session as the API shows it: `expired` once past its expiry while still awaiting the customer. */
  const present = (session: CheckoutSession) => ({
    ...session,
    status: statusOf(session),
  });

  /** `POST /v1/checkout_sessions`: a new session, or why the body is refused. */
  function open(body: Record<string, unknown>, baseUrl: string): [number, unknown] {
    const { amount, currency, return_url, expires_at, metadata } = body;
    const refusal =
      !Number.isSafeInteger(amount) || (amount as number) <= 0 || typeof currency !== 'string'
        ? 'amount (positive integer, minor units) and currency are required'
        : return_url !== undefined && (typeof return_url !== 'string' || !URL.canParse(return_url))
          ? 'return_url must be an absolute URL'
          : expires_at !== undefined && Number.isNaN(Date.parse(String(expires_at)))
            ? 'expires_at must be an ISO 8601 date'
            : expires_at !== undefined && Date.parse(String(expires_at)) <= Date.now()
              ? 'expires_at must be in the future'
              : metadata !== undefined && !isStringRecord(metadata)
                ? 'metadata must be an object of strings'
                : undefined;
    if (refusal) return [400, { error: { type: 'invalid_request_error', message: refusal } }];
    // The id is the form's only credential: unguessable.
    const id = `cs_${randomBytes(16).toString('hex')}`;
    const session: CheckoutSession = {
      id,
      object: 'checkout_session',
      status: 'open',
      amount: amount as number,
      currency: currency as string,
      ...(typeof return_url === 'string' ? { return_url } : {}),
      expires_at: new Date(
        expires_at !== undefined ? Date.parse(String(expires_at)) : Date.now() + DEFAULT_SESSION_MS,
      ).toISOString(),
      form_url: `${baseUrl}/checkout/${id}`,
      metadata: (metadata as Record<string, string> | undefined) ?? {},
    };
    sessions.set(id, session);
    return [200, present(session)];
  }

  function complete(session: CheckoutSession, outcome: 'authorized' | 'declined', reason?: string) {
    session.status = 'complete';
    session.outcome = outcome;
    delete session.challenge;
    if (outcome === 'authorized') session.authorization = authorize(session);
    else session.decline_reason = reason;
    notify(session);
  }

  /** Back to the shop's page (Settle's), which learns the outcome from Settle, never from this redirect. */
  function sendBack(res: Response, session: CheckoutSession) {
    if (session.return_url) return void res.redirect(303, session.return_url);
    res.type('html').send(messagePage('Done', 'You may close this window.'));
  }

  const view = (session: CheckoutSession, error?: string): FormView => ({
    sessionId: session.id,
    amount: session.amount,
    currency: session.currency,
    orderReference: session.metadata.order_reference,
    ...(error ? { error } : {}),
  });

  const form = express.Router();
  form.use(express.urlencoded({ extended: false, limit: '8kb' }));
  form.use((_req, res, next) => {
    res.set({
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:",
    });
    next();
  });
  /** The session the form's path names, while the customer may still pay; otherwise answered here. */
  const payable = (id: string, res: Response): CheckoutSession | undefined => {
    const session = sessions.get(id);
    if (!session) {
      res.status(404).type('html').send(messagePage('Unknown payment', 'There is no such payment.'));
      return undefined;
    }
    if (session.status === 'complete') {
      sendBack(res, session);
      return undefined;
    }
    if (statusOf(session) === 'expired') {
      res
        .status(410)
        .type('html')
        .send(messagePage('Payment expired', 'This payment can no longer be made.'));
      return undefined;
    }
    return session;
  };

  form.get('/checkout/:id', (req, res) => {
    const session = payable(req.params.id, res);
    if (!session) return;
    if (session.challenge) return void res.redirect(303, `/checkout/${session.id}/challenge`);
    res.type('html').send(cardFormPage(view(session)));
  });

  form.post('/checkout/:id', (req, res) => {
    const session = payable(req.params.id, res);
    if (!session) return;
    const { number, expiry, cvc } = (req.body ?? {}) as Record<string, unknown>;
    const digits = typeof number === 'string' ? number.replace(/[\s-]/g, '') : '';
    const problem = cardProblem(digits, expiry, cvc);
    if (problem)
      return void res
        .status(400)
        .type('html')
        .send(cardFormPage(view(session, problem)));
    const card = TEST_CARDS[digits as keyof typeof TEST_CARDS];
    if (card === 'challenge') {
      session.challenge = true;
      return void res.redirect(303, `/checkout/${session.id}/challenge`);
    }
    complete(session, card === 'authorize' ? 'authorized' : 'declined', 'card_declined');
    sendBack(res, session);
  });

  form.get('/checkout/:id/challenge', (req, res) => {
    const session = payable(req.params.id, res);
    if (!session) return;
    if (!session.challenge) return void res.redirect(303, `/checkout/${session.id}`);
    res.type('html').send(challengePage(view(session)));
  });

  form.post('/checkout/:id/challenge', (req, res) => {
    const session = payable(req.params.id, res);
    if (!session) return;
    const result = (req.body as Record<string, unknown> | undefined)?.result;
    if (!session.challenge || (result !== 'pass' && result !== 'fail'))
      return void res.redirect(303, `/checkout/${session.id}`);
    if (result === 'pass') complete(session, 'authorized');
    else complete(session, 'declined', 'authentication_failed');
    sendBack(res, session);
  });

  // The customer leaves the challenge: nothing happens at the gateway, the session stays open until it expires.
  form.post('/checkout/:id/abandon', (req, res) => {
    const session = payable(req.params.id, res);
    if (!session) return;
    sendBack(res, session);
  });

  /**
   * `POST /v1/checkout_sessions/:id/expire`: the caller ends an open session (its form answers 410 from then
   * on); a completed or expired one is answered as it is.
   */
  function expire(id: string): [number, unknown] {
    const session = sessions.get(id);
    if (!session) return [404, { error: { type: 'not_found', message: 'no such checkout session' } }];
    if (statusOf(session) === 'open') {
      session.expires_at = new Date().toISOString();
      delete session.challenge;
    }
    return [200, present(session)];
  }

  return {
    sessions,
    open,
    expire,
    present,
    /** Sessions opened for a caller's workflow (metadata.workflow_id), newest first. */
    ofWorkflow: (workflowId: string) =>
      [...sessions.values()]
        .filter((session) => session.metadata.workflow_id === workflowId)
        .reverse()
        .map(present),
    /** The routes the customer's browser uses (no API key: the session id is the credential). */
    form,
  };
}

export type CheckoutSessions = ReturnType<typeof createCheckoutSessions>;

function statusOf(session: CheckoutSession): SessionStatus {
  if (session.status === 'complete') return 'complete';
  return Date.parse(session.expires_at) <= Date.now() ? 'expired' : 'open';
}

/** What is wrong with the card the customer typed, as a form would say it. */
function cardProblem(digits: string, expiry: unknown, cvc: unknown): string | undefined {
  if (!/^\d{12,19}$/.test(digits) || !luhn(digits)) return 'The card number is not valid.';
  if (!(digits in TEST_CARDS)) return 'This is a test gateway: use one of the test cards below.';
  const match = typeof expiry === 'string' ? /^\s*(\d{2})\s*\/\s*(\d{2})\s*$/.exec(expiry) : null;
  const month = Number(match?.[1]);
  if (!match || month < 1 || month > 12) return 'The expiry date must be MM/YY.';
  const now = new Date();
  const year = 2000 + Number(match[2]);
  if (year < now.getUTCFullYear() || (year === now.getUTCFullYear() && month < now.getUTCMonth() + 1))
    return 'The card has expired.';
  if (typeof cvc !== 'string' || !/^\d{3,4}$/.test(cvc)) return 'The CVC must be 3 or 4 digits.';
  return undefined;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

export function isStringRecord(value: unknown): value is Record<string, string> {
  return !!value && typeof value === 'object' && Object.values(value).every((v) => typeof v === 'string');
}
