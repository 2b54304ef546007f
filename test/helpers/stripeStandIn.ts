import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { readBody } from './httpBodies';

/**
 * Stripe for the tests: every request goes first to stripe-mock, Stripe's own mock server, which checks it
 * against Stripe's OpenAPI spec (an invalid request gets stripe-mock's 4xx, as Stripe would answer). stripe-mock
 * is stateless and answers fixtures, so this front keeps the state a real account would (PaymentIntents,
 * refunds, idempotency keys) and answers stripe-mock's object with that state laid over it. It also signs and
 * sends the webhooks Stripe would (with the SDK's generateTestHeaderString), injects faults, and confirms
 * Stripe's test PaymentMethods as Stripe does (pm_card_chargeDeclined…, pm_card_authenticationRequired).
 */

export interface StripeCall {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey?: string;
  readonly params: URLSearchParams;
  /** stripe-mock's verdict on the request. */
  readonly mockStatus: number;
  readonly replayed: boolean;
}

export interface StripeControl {
  /** The status a new refund starts in; `pending` ones settle after webhookDelayMs. */
  refundStatus: 'succeeded' | 'pending' | 'failed';
  /** What a pending refund turns into. */
  settleRefundsAs: 'succeeded' | 'failed';
  webhookDelayMs: number;
  /** Where webhooks go (Settle's /webhooks/stripe); none are sent without it. */
  webhookUrl?: string;
  webhookSecret: string;
  /** The next N requests answer failStatus without acting. */
  failNext: number;
  failStatus: number;
  /** The next N requests act, and their answer never comes (the client times out). */
  swallowNext: number;
  /** The next N PaymentIntent creations are declined with this card error. */
  declineNext: number;
  /**
   * The next N requests act and answer only slowMs later; meanwhile their Idempotency-Key is in use, and
   * another request with it gets Stripe's 409 `idempotency_key_in_use`.
   */
  slowNext: number;
  slowMs: number;
}

interface Intent {
  id: string;
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  status: string;
  capture_method: string;
  cancellation_reason: string | null;
  customer: string | null;
  payment_method: string | null;
  description: string | null;
  metadata: Record<string, string>;
  next_action: Record<string, unknown> | null;
  latest_charge: string;
  captureBefore: number;
  refunded: number;
  /** What Stripe.js confirms with on the customer's page. */
  client_secret: string;
  last_payment_error: Record<string, unknown> | null;
}

interface Refund {
  id: string;
  amount: number;
  currency: string;
  status: string;
  payment_intent: string;
  failure_reason?: string;
  metadata: Record<string, string>;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export interface StripeStandIn {
  readonly url: string;
  readonly control: StripeControl;
  readonly calls: StripeCall[];
  readonly intents: Map<string, Intent>;
  readonly refunds: Map<string, Refund>;
  readonly webhooks: { type: string; status: number; body: string }[];
  /** An authorization made at checkout: a manual-capture PaymentIntent awaiting capture. */
  authorize(fields?: Partial<Intent> & { expired?: boolean }): string;
  /** Forgets every idempotency key, as Stripe prunes them once 24 hours old; the objects stay. */
  forgetKeys(): void;
  stop(): Promise<void>;
}

/** Stripe's test PaymentMethods that a confirmation declines, with the card error Stripe answers. */
const TEST_CARD_DECLINES: Readonly<Record<string, { decline_code: string; message: string }>> = {
  pm_card_chargeDeclined: { decline_code: 'generic_decline', message: 'Your card was declined.' },
  pm_card_chargeDeclinedInsufficientFunds: {
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
};
/** Stripe's test PaymentMethod whose bank asks for 3-D Secure on every payment. */
const AUTHENTICATION_REQUIRED = 'pm_card_authenticationRequired';

let sequence = 0;
const nextId = (prefix: string) => `${prefix}_settle${Date.now().toString(36)}${(sequence++).toString(36)}`;
const now = () => Math.floor(Date.now() / 1000);

export async function startStripeStandIn(
  stripeMockUrl: string,
  control: Partial<StripeControl> & { webhookSecret: string },
): Promise<StripeStandIn> {
  const state: StripeStandIn = {
    url: '',
    control: {
      refundStatus: 'succeeded',
      settleRefundsAs: 'succeeded',
      webhookDelayMs: 100,
      failNext: 0,
      failStatus: 500,
      swallowNext: 0,
      declineNext: 0,
      slowNext: 0,
      slowMs: 0,
      ...control,
    },
    calls: [],
    intents: new Map(),
    refunds: new Map(),
    webhooks: [],
    authorize: (fields = {}) => {
      const { expired, ...rest } = fields;
      const amount = rest.amount ?? 10_000;
      const intent: Intent = {
        id: nextId('pi'),
        amount,
        amount_capturable: amount,
        amount_received: 0,
        currency: 'eur',
        status: 'requires_capture',
        capture_method: 'manual',
        cancellation_reason: null,
        customer: 'cus_settle',
        payment_method: 'pm_card_visa',
        description: null,
        metadata: {},
        next_action: null,
        latest_charge: nextId('ch'),
        captureBefore: expired ? now() - 3600 : now() + 7 * 86_400,
        refunded: 0,
        client_secret: '',
        last_payment_error: null,
        ...rest,
      };
      intent.client_secret ||= `${intent.id}_secret_${nextId('cs')}`;
      state.intents.set(intent.id, intent);
      return intent.id;
    },
    forgetKeys: () => remembered.clear(),
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
    },
  };
  const timers = new Set<NodeJS.Timeout>();
  const remembered = new Map<string, { fingerprint: string; answer: Answer }>();
  const swallowed = new Set<ServerResponse>();
  const inFlight = new Set<string>();

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: Error) => {
      res.statusCode = 500;
      res.end(JSON.stringify({ error: { type: 'api_error', message: error.message } }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const params = new URLSearchParams(method === 'GET' ? url.search : body);
    const idempotencyKey = header(req, 'idempotency-key');
    const { control } = state;
    if (control.failNext > 0) {
      control.failNext -= 1;
      const type =
        control.failStatus === 429
          ? 'rate_limit_error'
          : control.failStatus === 401
            ? 'authentication_error'
            : 'api_error';
      return send(res, {
        status: control.failStatus,
        body: { error: { type, message: `injected HTTP ${control.failStatus}` } },
      });
    }
    const mock = await fetch(`${stripeMockUrl}${url.pathname}${url.search}`, {
      method,
      headers: {
        authorization: header(req, 'authorization') ?? '',
        'content-type': header(req, 'content-type') ?? 'application/x-www-form-urlencoded',
        ...(header(req, 'stripe-version') ? { 'stripe-version': header(req, 'stripe-version')! } : {}),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: method === 'GET' ? undefined : body,
    });
    const mockBody = (await mock.json()) as Record<string, unknown>;
    const record = (replayed: boolean) =>
      state.calls.push({
        method,
        path: url.pathname,
        idempotencyKey,
        params,
        mockStatus: mock.status,
        replayed,
      });
    if (mock.status >= 400) {
      record(false);
      return send(res, { status: mock.status, body: mockBody });
    }

    const fingerprint = `${method} ${url.pathname} ${body}`;
    if (idempotencyKey && inFlight.has(idempotencyKey)) {
      record(false);
      return send(res, {
        status: 409,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'idempotency_key_in_use',
            message:
              'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.',
          },
        },
      });
    }
    const earlier = idempotencyKey ? remembered.get(idempotencyKey) : undefined;
    if (earlier) {
      record(true);
      if (earlier.fingerprint === fingerprint) return send(res, earlier.answer);
      return send(res, {
        status: 400,
        body: {
          error: {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          },
        },
      });
    }
    record(false);
    const answer = act(method, url.pathname, params, mockBody);
    if (idempotencyKey && method === 'POST') remembered.set(idempotencyKey, { fingerprint, answer });
    if (control.swallowNext > 0) {
      control.swallowNext -= 1;
      swallowed.add(res); // Stripe acted; the answer is lost on the way.
      return;
    }
    if (control.slowNext > 0 && idempotencyKey) {
      control.slowNext -= 1;
      inFlight.add(idempotencyKey);
      const timer = setTimeout(() => {
        timers.delete(timer);
        inFlight.delete(idempotencyKey);
        send(res, answer);
      }, control.slowMs);
      return void timers.add(timer);
    }
    send(res, answer);
  }

  /** What a Stripe account would do with the (valid) request, as its answer. */
  function act(
    method: string,
    path: string,
    params: URLSearchParams,
    fixture: Record<string, unknown>,
  ): Answer {
    const segments = path.split('/').filter(Boolean); // v1, resource, id?, action?
    const [, resource, id, action] = segments;
    const expand = [...params.entries()]
      .filter(([key]) => key.startsWith('expand['))
      .map(([, value]) => value);
    const metadata = metadataOf(params);
    if (resource === 'payment_intents') {
      if (method === 'GET' && id === 'search') {
        // Only the search Settle makes: metadata['key']:'value'.
        const match = /^metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'$/.exec(params.get('query') ?? '');
        if (!match)
          return invalid('parameter_invalid', `the stand-in cannot search for ${params.get('query')}`);
        const value = match[2]!.replace(/\\(.)/g, '$1');
        const data = [...state.intents.values()]
          .filter((intent) => intent.metadata[match[1]!] === value)
          .map((intent) => intentBody(intent, firstOf(fixture), expand.includes('data.latest_charge')));
        return ok({ object: 'search_result', data, has_more: false, next_page: null, url: path });
      }
      if (method === 'GET' && !id) {
        const customer = params.get('customer');
        const data = [...state.intents.values()]
          .filter((intent) => !customer || intent.customer === customer)
          .map((intent) => intentBody(intent, firstOf(fixture), expand.includes('data.latest_charge')));
        return ok({ object: 'list', data, has_more: false, url: '/v1/payment_intents' });
      }
      if (method === 'POST' && !id) return createIntent(params, metadata, fixture, expand);
      const intent = state.intents.get(id!);
      if (!intent) return missing('payment_intent', id!);
      if (method === 'GET') return ok(intentBody(intent, fixture, expand.includes('latest_charge')));
      if (action === 'capture') {
        if (intent.status !== 'requires_capture') return unexpectedState(intent, 'captured');
        const amount = Number(params.get('amount_to_capture') ?? intent.amount_capturable);
        const odd = amountRefusal(intent.currency, amount);
        if (odd) return odd;
        if (amount > intent.amount_capturable) {
          return invalid(
            'amount_too_large',
            `The amount to capture (${amount}) is greater than the amount capturable (${intent.amount_capturable}).`,
          );
        }
        Object.assign(intent, { status: 'succeeded', amount_received: amount, amount_capturable: 0 });
        Object.assign(intent.metadata, metadata);
        return ok(intentBody(intent, fixture, false));
      }
      if (action === 'confirm') return confirmIntent(intent, params, fixture);
      if (action === 'cancel') {
        // As Stripe: cancellable until it succeeded (or was cancelled).
        if (['succeeded', 'canceled', 'processing'].includes(intent.status))
          return unexpectedState(intent, 'canceled');
        Object.assign(intent, {
          status: 'canceled',
          amount_capturable: 0,
          cancellation_reason: params.get('cancellation_reason'),
        });
        return ok(intentBody(intent, fixture, false));
      }
    }
    if (resource === 'refunds') {
      if (method === 'GET' && !id) {
        const intent = params.get('payment_intent');
        const data = [...state.refunds.values()]
          .filter((refund) => !intent || refund.payment_intent === intent)
          .map((refund) => ({ ...firstOf(fixture), ...refund }));
        return ok({ object: 'list', data, has_more: false, url: '/v1/refunds' });
      }
      if (method === 'POST' && !id) return createRefund(params, metadata, fixture);
      const refund = state.refunds.get(id!);
      return refund ? ok({ ...fixture, ...refund }) : missing('refund', id!);
    }
    return ok(fixture);
  }

  function createIntent(
    params: URLSearchParams,
    metadata: Record<string, string>,
    fixture: Record<string, unknown>,
    expand: string[],
  ): Answer {
    if (state.control.declineNext > 0) {
      state.control.declineNext -= 1;
      return {
        status: 402,
        body: {
          error: {
            type: 'card_error',
            code: 'authentication_required',
            decline_code: 'authentication_required',
            message: 'Your card was declined. This transaction requires authentication.',
          },
        },
      };
    }
    const odd = amountRefusal(params.get('currency') ?? 'eur', Number(params.get('amount')));
    if (odd) return odd;
    const paymentMethod = params.get('payment_method');
    const confirmed = params.get('confirm') === 'true';
    const decline = confirmed ? TEST_CARD_DECLINES[paymentMethod ?? ''] : undefined;
    if (decline) {
      return {
        status: 402,
        body: { error: { type: 'card_error', code: 'card_declined', ...decline } },
      };
    }
    const id = state.authorize({
      amount: Number(params.get('amount')),
      currency: params.get('currency') ?? 'eur',
      customer: params.get('customer'),
      payment_method: paymentMethod,
      capture_method: params.get('capture_method') ?? 'automatic',
      // Without a payment method it waits for the customer's (Stripe.js on the payment page).
      status: confirmed
        ? 'requires_capture'
        : paymentMethod
          ? 'requires_confirmation'
          : 'requires_payment_method',
      description: params.get('description'),
      metadata,
    });
    const intent = state.intents.get(id)!;
    if (confirmed && paymentMethod === AUTHENTICATION_REQUIRED) {
      // As Stripe: a redirect when the request gave a return URL, else a next action for Stripe.js.
      const returnUrl = params.get('return_url');
      Object.assign(intent, {
        status: 'requires_action',
        next_action: returnUrl
          ? {
              type: 'redirect_to_url',
              redirect_to_url: {
                url: `https://hooks.stripe.com/3d_secure_2/hosted?payment_intent=${id}`,
                return_url: returnUrl,
              },
            }
          : { type: 'use_stripe_sdk', use_stripe_sdk: {} },
      });
    }
    return ok(intentBody(intent, fixture, expand.includes('latest_charge')));
  }

  /**
   * A confirmation, as Stripe.js makes it from the customer's page: a test card declines (the intent waits for
   * another payment method) or authorizes; either way Stripe's webhook follows.
   */
  function confirmIntent(intent: Intent, params: URLSearchParams, fixture: Record<string, unknown>): Answer {
    if (!['requires_payment_method', 'requires_confirmation'].includes(intent.status))
      return unexpectedState(intent, 'confirmed');
    const paymentMethod = params.get('payment_method') ?? intent.payment_method;
    if (!paymentMethod)
      return invalid('payment_intent_unexpected_state', 'You must provide a payment method to confirm.');
    const decline = TEST_CARD_DECLINES[paymentMethod];
    if (decline) {
      Object.assign(intent, {
        status: 'requires_payment_method',
        payment_method: null,
        last_payment_error: { type: 'card_error', code: 'card_declined', ...decline },
      });
      void sendEvent('payment_intent.payment_failed', intentBody(intent, fixture, false));
      return {
        status: 402,
        body: { error: { type: 'card_error', code: 'card_declined', ...decline } },
      };
    }
    const manual = intent.capture_method === 'manual';
    Object.assign(intent, {
      payment_method: paymentMethod,
      status: manual ? 'requires_capture' : 'succeeded',
      amount_capturable: manual ? intent.amount : 0,
      amount_received: manual ? 0 : intent.amount,
      last_payment_error: null,
    });
    const type = manual ? 'payment_intent.amount_capturable_updated' : 'payment_intent.succeeded';
    void sendEvent(type, intentBody(intent, fixture, false));
    return ok(intentBody(intent, fixture, false));
  }

  function createRefund(
    params: URLSearchParams,
    metadata: Record<string, string>,
    fixture: Record<string, unknown>,
  ): Answer {
    const intent = state.intents.get(params.get('payment_intent') ?? '');
    if (!intent) return missing('payment_intent', params.get('payment_intent') ?? '');
    if (intent.status !== 'succeeded') {
      return invalid(
        'charge_not_captured',
        `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
      );
    }
    const left = intent.amount_received - intent.refunded;
    const amount = Number(params.get('amount') ?? left);
    const odd = amountRefusal(intent.currency, amount);
    if (odd) return odd;
    if (amount > left) {
      return invalid(
        'amount_too_large',
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${left}).`,
      );
    }
    const status = state.control.refundStatus;
    if (status !== 'failed') intent.refunded += amount;
    const refund: Refund = {
      id: nextId('re'),
      amount,
      currency: intent.currency,
      status,
      payment_intent: intent.id,
      metadata,
      ...(status === 'failed' ? { failure_reason: 'expired_or_canceled_card' } : {}),
    };
    state.refunds.set(refund.id, refund);
    if (status === 'pending') settleLater(refund, fixture);
    return ok({ ...fixture, ...refund });
  }

  /** The pending refund settles, and Stripe tells the webhook endpoint (twice, as Stripe does: both events). */
  function settleLater(refund: Refund, fixture: Record<string, unknown>) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      refund.status = state.control.settleRefundsAs;
      if (refund.status === 'failed') {
        refund.failure_reason = 'lost_or_stolen_card';
        state.intents.get(refund.payment_intent)!.refunded -= refund.amount;
      }
      const object = { ...fixture, ...refund };
      void (async () => {
        await sendEvent(refund.status === 'failed' ? 'refund.failed' : 'refund.updated', object);
        await sendEvent('charge.refund.updated', object);
      })();
    }, state.control.webhookDelayMs);
    timers.add(timer);
  }

  async function sendEvent(type: string, object: unknown) {
    const { webhookUrl, webhookSecret } = state.control;
    if (!webhookUrl) return;
    const payload = JSON.stringify({
      id: nextId('evt'),
      object: 'event',
      api_version: '2026-10-28.endive',
      created: now(),
      type,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object },
    });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const answer = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        body: payload,
      }).catch(() => undefined);
      state.webhooks.push({ type, status: answer?.status ?? 0, body: payload });
      if (answer && answer.status < 300) return;
      await new Promise((done) => setTimeout(done, 200));
    }
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  Object.assign(state, { url: `http://127.0.0.1:${port}` });
  server.on('close', () => swallowed.forEach((res) => res.destroy()));
  return state;
}

function intentBody(intent: Intent, fixture: Record<string, unknown>, expandCharge: boolean) {
  const { captureBefore, refunded: _refunded, latest_charge, ...fields } = intent;
  const charge =
    expandCharge && typeof fixture.latest_charge === 'object' && fixture.latest_charge
      ? chargeBody(fixture.latest_charge as Record<string, unknown>, latest_charge, captureBefore)
      : expandCharge
        ? chargeBody({}, latest_charge, captureBefore)
        : latest_charge;
  return { ...fixture, ...fields, object: 'payment_intent', latest_charge: charge };
}

function chargeBody(fixture: Record<string, unknown>, id: string, captureBefore: number) {
  const details = (fixture.payment_method_details ?? {}) as { card?: Record<string, unknown> };
  return {
    ...fixture,
    id,
    object: 'charge',
    payment_method_details: {
      ...details,
      type: 'card',
      card: { ...details.card, capture_before: captureBefore },
    },
  };
}

function metadataOf(params: URLSearchParams): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, value] of params) {
    const name = /^metadata\[(.+)\]$/.exec(key)?.[1];
    if (name) metadata[name] = value;
  }
  return metadata;
}

function firstOf(list: Record<string, unknown>): Record<string, unknown> {
  return ((list.data as Record<string, unknown>[] | undefined) ?? [])[0] ?? {};
}

/**
 * Stripe's rules on the amount itself (https://docs.stripe.com/currencies#special-cases): ISK and UGX in
 * hundredths of whole units only (the error Stripe documents for ISK), and three-decimal amounts ending in 0.
 */
function amountRefusal(currency: string, amount: number): Answer | undefined {
  if (['isk', 'ugx'].includes(currency) && amount % 100 !== 0) {
    return invalid(
      'invalid_charge_amount_no_decimal_compatible',
      `Invalid amount. Currency ${currency.toUpperCase()} has become effectively zero-decimal and charged amounts must be evenly divisible by 100.`,
    );
  }
  if (['bhd', 'jod', 'kwd', 'omr', 'tnd'].includes(currency) && amount % 10 !== 0) {
    return invalid('amount_invalid', `Invalid amount: ${currency.toUpperCase()} amounts must end in 0.`);
  }
  return undefined;
}

const ok = (body: unknown): Answer => ({ status: 200, body });
const invalid = (code: string, message: string): Answer => ({
  status: 400,
  body: { error: { type: 'invalid_request_error', code, message } },
});
const missing = (kind: string, id: string): Answer => ({
  status: 404,
  body: {
    error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${kind}: '${id}'` },
  },
});
const unexpectedState = (intent: Intent, verb: string): Answer =>
  invalid(
    'payment_intent_unexpected_state',
    `This PaymentIntent could not be ${verb} because it has a status of ${intent.status}.`,
  );

function send(res: ServerResponse, { status, body }: Answer) {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': nextId('req') });
  res.end(JSON.stringify(body));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}
