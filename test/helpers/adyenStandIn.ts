import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hmacValidator as HmacValidator } from '@adyen/api-library';
import type { NotificationRequestItem } from '@adyen/api-library/lib/src/typings/notification/models';
import { readBody } from './httpBodies';

/**
 * Adyen's Checkout modifications API for the tests, following Adyen's documented shapes: HTTPS (the library
 * speaks nothing else; a throw-away self-signed certificate, trusted through ADYEN_CA_FILE), `X-API-Key`,
 * POST /v72/payments/{paymentPspReference}/captures|refunds|cancels answering 201 `status: "received"` with
 * the modification's own pspReference, 422 validation errors `{status, errorCode, message, errorType}`,
 * Idempotency-Key replay. The outcome follows as a standard webhook, `{live, notificationItems:
 * [{NotificationRequestItem}]}`, signed with the library's HmacValidator, redelivered until answered 2xx.
 */

export interface AdyenModification {
  readonly kind: 'captures' | 'refunds' | 'cancels';
  readonly paymentPspReference: string;
  readonly pspReference: string;
  readonly body: Record<string, unknown>;
  readonly idempotencyKey?: string;
  readonly replayed: boolean;
}

export interface AdyenControl {
  webhookUrl?: string;
  webhookDelayMs: number;
  /** The next N modification calls answer failStatus without acting. */
  failNext: number;
  failStatus: number;
}

export interface AdyenSession {
  readonly id: string;
  readonly sessionData: string;
  readonly request: Record<string, unknown>;
  readonly expiresAt: string;
}

/** The fields of `POST /sessions` Settle may send, of Adyen's many (CreateCheckoutSessionRequest). */
const SESSION_FIELDS = [
  'merchantAccount',
  'amount',
  'reference',
  'returnUrl',
  'expiresAt',
  'countryCode',
  'merchantOrderReference',
  'additionalData',
  'captureDelayHours',
  'metadata',
  'shopperLocale',
  'applicationInfo',
];
/** Adyen: a session lasts at most 24 hours. */
const MAX_SESSION_MS = 24 * 3600_000;

interface Payment {
  readonly amount: number;
  readonly currency: string;
  captured: number;
  refunded: number;
  cancelled: boolean;
}

export interface AdyenStandIn {
  /** For ADYEN_CHECKOUT_URL. */
  readonly url: string;
  /** For ADYEN_CA_FILE: the certificate the stand-in serves. */
  readonly caFile: string;
  readonly control: AdyenControl;
  readonly modifications: AdyenModification[];
  readonly notifications: { item: NotificationRequestItem; status: number }[];
  /** An authorisation made at checkout; answers its pspReference. */
  authorise(amount?: number, currency?: string): string;
  /** Checkout sessions (`POST /sessions`) by id, with the request that opened each. */
  readonly sessions: Map<string, AdyenSession>;
  /**
   * The shopper completes a session's payment in Drop-in: Adyen authorises it (or refuses it) and sends the
   * AUTHORISATION notification; answers the payment's pspReference.
   */
  completeSession(sessionId: string, success: boolean): string;
  /** A notification item as Adyen signs it, for tests that send their own. */
  signedItem(fields: Omit<NotificationRequestItem, 'additionalData' | 'eventDate'>): NotificationRequestItem;
  stop(): Promise<void>;
}

const EVENT_CODES = { captures: 'CAPTURE', refunds: 'REFUND', cancels: 'CANCELLATION' } as const;
const ALLOWED_FIELDS = {
  captures: [
    'merchantAccount',
    'amount',
    'reference',
    'lineItems',
    'splits',
    'subMerchants',
    'applicationInfo',
  ],
  refunds: ['merchantAccount', 'amount', 'reference', 'lineItems', 'splits', 'merchantRefundReason', 'store'],
  cancels: ['merchantAccount', 'reference', 'applicationInfo'],
} as const;

/** A pspReference as Adyen writes them: 16 characters. */
const pspReference = () =>
  randomBytes(12)
    .toString('base64url')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, 'X')
    .slice(0, 16);

export async function startAdyenStandIn(options: {
  apiKey: string;
  merchantAccount: string;
  hmacKey: string;
  control?: Partial<AdyenControl>;
}): Promise<AdyenStandIn> {
  const dir = mkdtempSync(join(tmpdir(), 'adyen-stand-in-'));
  const key = join(dir, 'key.pem');
  const caFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
    ].concat([
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      caFile,
    ]),
    { stdio: 'ignore' },
  );
  const payments = new Map<string, Payment>();
  const remembered = new Map<string, { status: number; body: unknown }>();
  const timers = new Set<NodeJS.Timeout>();
  const hmac = new HmacValidator();

  const signedItem: AdyenStandIn['signedItem'] = (fields) => {
    const item = {
      ...fields,
      eventDate: new Date().toISOString(),
      additionalData: {},
    } as NotificationRequestItem;
    item.additionalData = { hmacSignature: hmac.calculateHmac(item, options.hmacKey) };
    return item;
  };

  const standIn: AdyenStandIn = {
    url: '',
    caFile,
    control: { webhookDelayMs: 100, failNext: 0, failStatus: 500, ...options.control },
    modifications: [],
    notifications: [],
    authorise: (amount = 10_000, currency = 'EUR') => {
      const psp = pspReference();
      payments.set(psp, { amount, currency, captured: 0, refunded: 0, cancelled: false });
      return psp;
    },
    signedItem,
    sessions: new Map(),
    completeSession: (sessionId, success) => {
      const session = standIn.sessions.get(sessionId);
      if (!session) throw new Error(`no session ${sessionId}`);
      const amount = session.request.amount as { value: number; currency: string };
      const psp = success ? standIn.authorise(amount.value, amount.currency) : pspReference();
      void notify(
        signedItem({
          eventCode: 'AUTHORISATION' as NotificationRequestItem['eventCode'],
          success: String(success) as NotificationRequestItem['success'],
          pspReference: psp,
          merchantAccountCode: options.merchantAccount,
          merchantReference: session.request.reference as string,
          amount,
          ...(success ? {} : { reason: 'Refused' }),
        }),
      );
      return psp;
    },
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const server: Server = createServer({ key: readFileSync(key), cert: readFileSync(caFile) }, (req, res) => {
    void handle(req, res).catch((error: Error) =>
      answer(res, 500, apiError(500, '000', error.message, 'internal')),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    if (req.method === 'POST' && /^\/v\d+\/sessions$/.test(req.url ?? '')) return openSession(req, res, body);
    const match = /^\/v\d+\/payments\/([^/]+)\/(captures|refunds|cancels)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match)
      return answer(res, 404, apiError(404, '000', 'Not found', 'validation'));
    if (req.headers['x-api-key'] !== options.apiKey)
      return answer(res, 401, apiError(401, '000', 'HTTP Status Response - Unauthorized', 'security'));
    const { control } = standIn;
    if (control.failNext > 0) {
      control.failNext -= 1;
      return answer(
        res,
        control.failStatus,
        apiError(control.failStatus, '000', 'injected failure', 'internal'),
      );
    }
    const idempotencyKey =
      typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    const [, paymentPsp, kind] = match as unknown as [string, string, AdyenModification['kind']];
    if (idempotencyKey && idempotencyKey.length > 64)
      return answer(
        res,
        422,
        apiError(422, '702', 'Idempotency-Key longer than 64 characters', 'validation'),
      );
    const earlier = idempotencyKey ? remembered.get(idempotencyKey) : undefined;
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return answer(res, 400, apiError(400, '702', 'Unable to parse the request body', 'validation'));
    }
    if (earlier) {
      // Adyen answers a key it has seen with the first answer, and does nothing again.
      standIn.modifications.push({
        kind,
        paymentPspReference: paymentPsp,
        pspReference: (earlier.body as { pspReference: string }).pspReference,
        body: request,
        idempotencyKey,
        replayed: true,
      });
      return answer(res, earlier.status, earlier.body);
    }
    const invalid = validate(kind, request, options.merchantAccount);
    if (invalid) return answer(res, invalid.status, invalid);
    const payment = payments.get(paymentPsp);
    if (!payment)
      return answer(
        res,
        422,
        apiError(422, '167', 'Original pspReference required for this operation', 'validation'),
      );
    const psp = pspReference();
    const reference = request.reference as string | undefined;
    const amount = (request.amount as { value: number; currency: string } | undefined) ?? {
      value: payment.amount,
      currency: payment.currency,
    };
    const created = {
      merchantAccount: options.merchantAccount,
      paymentPspReference: paymentPsp,
      pspReference: psp,
      ...(reference ? { reference } : {}),
      status: 'received',
      ...(kind === 'cancels' ? {} : { amount }),
    };
    if (idempotencyKey) remembered.set(idempotencyKey, { status: 201, body: created });
    standIn.modifications.push({
      kind,
      paymentPspReference: paymentPsp,
      pspReference: psp,
      body: request,
      idempotencyKey,
      replayed: false,
    });
    answer(res, 201, created);
    const timer = setTimeout(() => {
      timers.delete(timer);
      const refusal = settle(kind, payment, amount.value);
      void notify(
        signedItem({
          eventCode: EVENT_CODES[kind] as NotificationRequestItem['eventCode'],
          success: (refusal ? 'false' : 'true') as NotificationRequestItem['success'],
          pspReference: psp,
          originalReference: paymentPsp,
          merchantAccountCode: options.merchantAccount,
          merchantReference: reference ?? '',
          amount,
          ...(refusal ? { reason: refusal } : {}),
        }),
      );
    }, control.webhookDelayMs);
    timers.add(timer);
  }

  /** `POST /sessions`: a session Drop-in takes the payment in, with Adyen's validation and key replay. */
  function openSession(req: IncomingMessage, res: ServerResponse, body: string) {
    if (req.headers['x-api-key'] !== options.apiKey)
      return answer(res, 401, apiError(401, '000', 'HTTP Status Response - Unauthorized', 'security'));
    const idempotencyKey =
      typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    const earlier = idempotencyKey ? remembered.get(idempotencyKey) : undefined;
    if (earlier) return answer(res, earlier.status, earlier.body);
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return answer(res, 400, apiError(400, '702', 'Unable to parse the request body', 'validation'));
    }
    const unknown = Object.keys(request).filter((field) => !SESSION_FIELDS.includes(field));
    const amount = request.amount as { value?: unknown; currency?: unknown } | undefined;
    const expiresAt =
      request.expiresAt === undefined ? Date.now() + 3600_000 : Date.parse(String(request.expiresAt));
    const invalid =
      unknown.length > 0
        ? apiError(
            422,
            '702',
            `Structure contains the following unknown fields: [${unknown.join(', ')}]`,
            'validation',
          )
        : request.merchantAccount !== options.merchantAccount
          ? apiError(403, '901', 'Invalid Merchant Account', 'security')
          : !amount || !Number.isInteger(amount.value) || (amount.value as number) <= 0
            ? apiError(422, '137', 'Invalid amount specified', 'validation')
            : typeof amount.currency !== 'string' || !/^[A-Z]{3}$/.test(amount.currency)
              ? apiError(422, '138', 'Invalid currency specified', 'validation')
              : typeof request.reference !== 'string' || !request.reference || request.reference.length > 80
                ? apiError(422, '130', 'Reference Missing or longer than 80 characters', 'validation')
                : typeof request.returnUrl !== 'string' || !URL.canParse(request.returnUrl)
                  ? apiError(422, '14_030', 'Return URL is missing.', 'validation')
                  : Number.isNaN(expiresAt) || expiresAt - Date.now() > MAX_SESSION_MS
                    ? apiError(
                        422,
                        '702',
                        'expiresAt: at most 24 hours after the session is created',
                        'validation',
                      )
                    : undefined;
    if (invalid) return answer(res, invalid.status, invalid);
    const session: AdyenSession = {
      id: `CS${randomBytes(8).toString('hex').toUpperCase()}`,
      sessionData: randomBytes(48).toString('base64'),
      request,
      expiresAt: new Date(expiresAt).toISOString(),
    };
    standIn.sessions.set(session.id, session);
    const created = {
      id: session.id,
      sessionData: session.sessionData,
      amount: request.amount,
      expiresAt: session.expiresAt,
      merchantAccount: request.merchantAccount,
      reference: request.reference,
      returnUrl: request.returnUrl,
      mode: 'embedded',
    };
    if (idempotencyKey) remembered.set(idempotencyKey, { status: 201, body: created });
    answer(res, 201, created);
  }

  async function notify(item: NotificationRequestItem) {
    const url = standIn.control.webhookUrl;
    if (!url) return void standIn.notifications.push({ item, status: 0 }); // made, but nowhere to send
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ live: 'false', notificationItems: [{ NotificationRequestItem: item }] }),
      }).catch(() => undefined);
      standIn.notifications.push({ item, status: response?.status ?? 0 });
      if (response && response.status < 300) return;
      await new Promise((done) => setTimeout(done, 200));
    }
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  Object.assign(standIn, { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return standIn;
}

/** The accounting rules Adyen applies when it processes a modification: a refusal reason, or none. */
function settle(kind: AdyenModification['kind'], payment: Payment, value: number): string | undefined {
  if (payment.cancelled) return 'Payment cancelled';
  if (kind === 'captures') {
    if (payment.captured + value > payment.amount) return 'Insufficient balance on payment';
    payment.captured += value;
  } else if (kind === 'refunds') {
    if (payment.refunded + value > payment.captured) return 'Insufficient in-process funds on the payment';
    payment.refunded += value;
  } else {
    if (payment.captured > 0) return 'Payment already captured';
    payment.cancelled = true;
  }
  return undefined;
}

/** Adyen's request validation, as a 422 (or 403 for another merchant account), or undefined when valid. */
function validate(kind: AdyenModification['kind'], body: Record<string, unknown>, merchantAccount: string) {
  const unknown = Object.keys(body).filter(
    (field) => !(ALLOWED_FIELDS[kind] as readonly string[]).includes(field),
  );
  if (unknown.length > 0)
    return apiError(
      422,
      '702',
      `Structure contains the following unknown fields: [${unknown.join(', ')}]`,
      'validation',
    );
  if (typeof body.merchantAccount !== 'string')
    return apiError(422, '901', 'Invalid Merchant Account', 'validation');
  if (body.merchantAccount !== merchantAccount)
    return apiError(403, '901', 'Invalid Merchant Account', 'security');
  if (body.reference !== undefined && (typeof body.reference !== 'string' || body.reference.length > 80))
    return apiError(422, '702', 'reference: maximum length is 80 characters', 'validation');
  if (kind !== 'cancels') {
    const amount = body.amount as { value?: unknown; currency?: unknown } | undefined;
    if (!amount || !Number.isInteger(amount.value) || (amount.value as number) < 0)
      return apiError(422, '137', 'Invalid amount specified', 'validation');
    if (typeof amount.currency !== 'string' || !/^[A-Z]{3}$/.test(amount.currency))
      return apiError(422, '138', 'Invalid currency specified', 'validation');
  }
  return undefined;
}

function apiError(status: number, errorCode: string, message: string, errorType: string) {
  return { status, errorCode, message, errorType, pspReference: pspReference() };
}

function answer(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
