import express from 'express';
import Stripe from 'stripe';
import { listen, type RunningServer } from '../../config/server';
import { startStripeMock, type RunningStripeMock } from '../../scripts/stripe-mock';
import { errorKind, STRIPE_SIGNATURE_HEADER, StripeProvider } from '../../providers/stripe';
import { ProviderRejectedError, WebhookVerificationError, type ProviderEvent } from '../../providers/types';
import { authorizationRequest, providerCommand } from '../helpers/providerCommands';
import { collectWebhooks } from '../helpers/checkoutPageStack';
import { startStripeStandIn, type StripeStandIn } from '../helpers/stripeStandIn';
import { eventually } from '../helpers/temporal';

/**
 * The Stripe adapter through the official SDK against stripe-mock (every request checked against Stripe's
 * OpenAPI spec), with the stand-in in front keeping an account's state; webhooks signed by the SDK's own
 * test-header generator.
 */
describe('Stripe adapter', () => {
  const webhookSecret = 'whsec_settleTestSecret';
  let mock: RunningStripeMock;
  let stripe: StripeStandIn;
  let provider: StripeProvider;

  beforeAll(async () => {
    mock = await startStripeMock(process.env.STRIPE_MOCK_PATH);
    stripe = await startStripeStandIn(mock.url, { webhookSecret });
    // A request times out only where a test makes it: a loaded machine may take seconds to answer.
    provider = stripeProvider(30_000);
  });
  const stripeProvider = (timeoutMs: number) =>
    new StripeProvider({
      apiKey: 'sk_test_settle',
      webhookSecret,
      apiBase: stripe.url,
      timeoutMs,
      checkoutPaymentMethod: 'pm_card_visa',
    });
  afterAll(async () => {
    await stripe?.stop();
    await mock?.stop();
  });
  beforeEach(() => {
    Object.assign(stripe.control, {
      refundStatus: 'succeeded',
      failNext: 0,
      swallowNext: 0,
      declineNext: 0,
      slowNext: 0,
    });
  });
  afterEach(() => {
    // stripe-mock, which knows Stripe's API, accepted every request the adapter made.
    expect(stripe.calls.filter((call) => call.mockStatus >= 400)).toEqual([]);
  });

  const command = providerCommand;
  const query = (transactionId: string, amountMinor = 4990) => ({
    transactionId,
    amountMinor,
    currency: 'EUR',
  });
  /** The call throws, for Temporal to retry, on a 5xx, a 429 and refused credentials, each naming it. */
  const throwsOnEachFault = async (call: () => Promise<unknown>) => {
    for (const [status, message] of [
      [500, /StripeAPIError 500/],
      [429, /StripeRateLimitError/],
      [401, /check STRIPE_API_KEY/],
    ] as const) {
      Object.assign(stripe.control, { failNext: 1, failStatus: status });
      await expect(call()).rejects.toThrow(message);
    }
  };
  const captured = async (amount = 4990) => {
    const id = stripe.authorize();
    expect(await provider.execute(command('capture', id, amount))).toMatchObject({ outcome: 'settled' });
    return id;
  };

  describe('validate: inspectAuthorization', () => {
    it('finds an uncaptured, unexpired PaymentIntent that covers the amount valid', async () => {
      const id = stripe.authorize();
      const state = await provider.inspectAuthorization(query(id));
      expect(state).toMatchObject({ transactionId: id, status: 'requires_capture', validity: 'valid' });
      expect(Date.parse(state.expiresAt!)).toBeGreaterThan(Date.now());
    });

    it.each([
      ['past its capture_before', { expired: true }, 'expired', 'authorization_expired'],
      [
        'cancelled by Stripe on expiry',
        { status: 'canceled', cancellation_reason: 'automatic' },
        'expired',
        'authorization_expired',
      ],
      [
        'cancelled',
        { status: 'canceled', cancellation_reason: 'requested_by_customer' },
        'invalid',
        'authorization_canceled',
      ],
      ['already captured', { status: 'succeeded' }, 'invalid', 'payment_intent_succeeded'],
      ['in another currency', { currency: 'usd' }, 'invalid', 'currency_mismatch'],
      ['smaller than the amount', { amount: 1000 }, 'invalid', 'amount_exceeds_authorization'],
    ])('judges one %s', async (_what, fields, validity, reason) => {
      const id = stripe.authorize(fields);
      expect(await provider.inspectAuthorization(query(id))).toMatchObject({ validity, reason });
    });

    it('reports a PaymentIntent Stripe does not know as not found, and retries what retrying can mend', async () => {
      // stripe-mock knows every id; the account does not.
      expect(await provider.inspectAuthorization(query('pi_unknown'))).toMatchObject({
        status: 'not_found',
        validity: 'invalid',
      });
      stripe.control.failNext = 1;
      stripe.control.failStatus = 503;
      await expect(provider.inspectAuthorization(query(stripe.authorize()))).rejects.toThrow(
        /StripeAPIError 503/,
      );
    });
  });

  describe('execute', () => {
    it('captures (partially), with the workflow id as Idempotency-Key and in metadata', async () => {
      const id = stripe.authorize({ amount: 10_000 });
      const capture = command('capture', id, 6000);
      expect(await provider.execute(capture)).toEqual({
        outcome: 'settled',
        operationId: id,
        status: 'succeeded',
      });
      expect(stripe.intents.get(id)).toMatchObject({
        amount_received: 6000,
        metadata: { workflow_id: capture.workflowId },
      });
      const call = stripe.calls.find((c) => c.path === `/v1/payment_intents/${id}/capture`)!;
      expect(call.idempotencyKey).toBe(capture.workflowId);
      expect(call.params.get('amount_to_capture')).toBe('6000');
    });

    it('answers a retried capture from the idempotency key, and stops at a key reused with other parameters', async () => {
      const id = stripe.authorize();
      const capture = command('capture', id);
      const first = await provider.execute(capture);
      expect(await provider.execute(capture)).toEqual(first);
      expect(
        stripe.calls.filter((c) => c.idempotencyKey === capture.workflowId).map((c) => c.replayed),
      ).toEqual([false, true]);
      await expect(provider.execute({ ...capture, amountMinor: 100 })).rejects.toThrow(ProviderRejectedError);
    });

    it('declines what Stripe refuses for the payment, with its code', async () => {
      const id = await captured();
      expect(await provider.execute(command('capture', id))).toMatchObject({
        outcome: 'declined',
        status: 'rejected',
        reason: expect.stringMatching(/^payment_intent_unexpected_state: /),
      });
      expect(await provider.execute(command('cancel', id))).toMatchObject({ outcome: 'declined' });
      expect(await provider.execute(command('refund', id, 99_999))).toMatchObject({
        outcome: 'declined',
        reason: expect.stringMatching(/^amount_too_large: /),
      });
      expect(await provider.execute(command('capture', 'pi_unknown'))).toMatchObject({
        outcome: 'declined',
        reason: expect.stringMatching(/^resource_missing: /),
      });
    });

    it('throws, for Temporal to retry, on 5xx, 429, refused credentials and lost connections', async () => {
      const id = stripe.authorize();
      await throwsOnEachFault(() => provider.execute(command('capture', id)));
      const unreachable = new StripeProvider({
        apiKey: 'sk_test_settle',
        webhookSecret,
        apiBase: 'http://127.0.0.1:1',
      });
      await expect(unreachable.execute(command('capture', id))).rejects.toThrow(/StripeConnectionError/);
      expect(stripe.intents.get(id)!.status).toBe('requires_capture');
    });

    it('cancels', async () => {
      const id = stripe.authorize();
      expect(await provider.execute(command('cancel', id))).toEqual({
        outcome: 'settled',
        operationId: id,
        status: 'canceled',
      });
    });

    it('refunds at once, or pending with the refund as the operation, or declined with the failure reason', async () => {
      const id = await captured();
      const now = await provider.execute(command('refund', id, 1000));
      expect(now).toEqual({
        outcome: 'settled',
        operationId: expect.stringMatching(/^re_/),
        status: 'succeeded',
      });
      stripe.control.refundStatus = 'pending';
      const later = await provider.execute(command('refund', id, 1000));
      expect(later).toEqual({
        outcome: 'pending',
        operationId: expect.stringMatching(/^re_/),
        status: 'pending',
      });
      stripe.control.refundStatus = 'failed';
      expect(await provider.execute(command('refund', id, 1000))).toMatchObject({
        outcome: 'declined',
        reason: 'expired_or_canceled_card',
      });
    });

    it('revalidate: replaces an expired authorization with a new off-session one for the same card', async () => {
      const expired = stripe.authorize({ expired: true, customer: 'cus_alice', payment_method: 'pm_alice' });
      const revalidate = command('revalidate', expired);
      const result = await provider.execute(revalidate);
      expect(result).toMatchObject({ outcome: 'settled', status: 'requires_capture' });
      const replacement = stripe.intents.get(result.authorization!.transactionId)!;
      expect(replacement).toMatchObject({
        customer: 'cus_alice',
        payment_method: 'pm_alice',
        capture_method: 'manual',
        amount: 4990,
        metadata: { workflow_id: revalidate.workflowId, replaces: expired },
      });
      expect(result.authorization).toEqual({
        transactionId: replacement.id,
        status: 'requires_capture',
        expiresAt: expect.any(String),
      });
      const create = stripe.calls.find((c) => c.method === 'POST' && c.path === '/v1/payment_intents')!;
      expect(create.params.get('off_session')).toBe('true');
      expect(create.idempotencyKey).toBe(revalidate.workflowId);
    });

    it('revalidate: places no hold larger than the expired one, and creates nothing for it', async () => {
      const expired = stripe.authorize({ expired: true, customer: 'cus_bob', payment_method: 'pm_bob' });
      const intentsBefore = stripe.intents.size;
      expect(await provider.execute(command('revalidate', expired, 99_999_999_999))).toEqual({
        outcome: 'declined',
        status: 'rejected',
        reason: expect.stringMatching(
          /^amount_exceeds_authorization: a revalidation holds at most the expired PaymentIntent's \d+ minor units$/,
        ),
      });
      expect(stripe.intents.size).toBe(intentsBefore);
    });

    it('reads who made an authorization and for how much: the workflow its checkout named', async () => {
      const request = authorizationRequest({ workflowId: 'order:spryker:shop-1:DE--1', amountMinor: 2500 });
      const { transactionId } = await provider.authorize(request);
      expect(await provider.authorizationRecord(transactionId!)).toEqual({
        createdBy: 'order:spryker:shop-1:DE--1',
        amountMinor: 2500,
      });
      expect(await provider.authorizationRecord('pi_settle_never_made')).toBeUndefined();
    });

    it('revalidate: declines a card that cannot be charged again', async () => {
      const noCustomer = stripe.authorize({ expired: true, customer: null });
      expect(await provider.execute(command('revalidate', noCustomer))).toMatchObject({
        outcome: 'declined',
        reason: expect.stringMatching(/^card_not_reusable/),
      });
      stripe.control.declineNext = 1;
      expect(
        await provider.execute(command('revalidate', stripe.authorize({ expired: true }))),
      ).toMatchObject({
        outcome: 'declined',
        status: 'declined',
        reason: expect.stringMatching(/^authentication_required: /),
      });
    });
  });

  describe('authorize (checkout)', () => {
    const creations = () =>
      stripe.calls.filter((c) => c.method === 'POST' && c.path === '/v1/payment_intents');

    it('holds the money in a manual-capture PaymentIntent confirmed with the default payment method', async () => {
      const request = authorizationRequest();
      const result = await provider.authorize(request);
      expect(result).toEqual({
        outcome: 'settled',
        transactionId: expect.stringMatching(/^pi_/),
        status: 'requires_capture',
        expiresAt: expect.any(String),
      });
      expect(Date.parse(result.expiresAt!)).toBeGreaterThan(Date.now());
      expect(stripe.intents.get(result.transactionId!)).toMatchObject({
        amount: 4990,
        currency: 'eur',
        capture_method: 'manual',
        payment_method: 'pm_card_visa',
        description: `Order ${request.orderReference}`,
        metadata: { workflow_id: request.workflowId, order_reference: request.orderReference },
      });
      const [create] = creations().slice(-1);
      expect(create!.idempotencyKey).toBe(request.idempotencyKey);
      expect(create!.params.get('confirm')).toBe('true');
      // The authorization is one the other commands act on.
      expect(await provider.inspectAuthorization(query(result.transactionId!))).toMatchObject({
        validity: 'valid',
      });
      expect(await provider.execute(command('capture', result.transactionId!))).toMatchObject({
        outcome: 'settled',
      });
    });

    it('answers a retry from the idempotency key, also after a lost answer, and never holds twice', async () => {
      const request = authorizationRequest({ paymentMethod: 'pm_card_mastercard' });
      const before = stripe.intents.size;
      stripe.control.swallowNext = 1;
      await expect(stripeProvider(2000).authorize(request)).rejects.toThrow(/StripeConnectionError/);
      const retried = await provider.authorize(request);
      expect(await provider.authorize(request)).toEqual(retried);
      expect(retried).toMatchObject({ outcome: 'settled' });
      expect(stripe.intents.size).toBe(before + 1);
      expect(stripe.intents.get(retried.transactionId!)!.payment_method).toBe('pm_card_mastercard');
      expect(
        creations()
          .filter((c) => c.idempotencyKey === request.idempotencyKey)
          .map((c) => c.replayed),
      ).toEqual([false, true, true]);
      await expect(provider.authorize({ ...request, amountMinor: 100 })).rejects.toThrow(
        ProviderRejectedError,
      );
    });

    it("declines a card the bank refuses, with Stripe's decline code", async () => {
      for (const [paymentMethod, code] of [
        ['pm_card_chargeDeclined', 'generic_decline'],
        ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
      ]) {
        expect(await provider.authorize(authorizationRequest({ paymentMethod }))).toEqual({
          outcome: 'declined',
          status: 'declined',
          reason: expect.stringMatching(new RegExp(`^${code}: `)),
        });
      }
    });

    it('is pending at the 3-D Secure redirect when given a return URL, and declined without one', async () => {
      const returnUrl = 'https://shop.example/checkout/return';
      const pending = await provider.authorize(
        authorizationRequest({ paymentMethod: 'pm_card_authenticationRequired', returnUrl }),
      );
      expect(pending).toEqual({
        outcome: 'pending',
        transactionId: expect.stringMatching(/^pi_/),
        status: 'requires_action',
        redirectUrl: expect.stringMatching(/^https:\/\/hooks\.stripe\.com\//),
      });
      expect(creations().slice(-1)[0]!.params.get('return_url')).toBe(returnUrl);

      const noReturn = await provider.authorize(
        authorizationRequest({ paymentMethod: 'pm_card_authenticationRequired' }),
      );
      expect(noReturn).toEqual({
        outcome: 'declined',
        status: 'requires_action',
        reason: 'authentication_required: next action use_stripe_sdk',
      });
      expect(creations().slice(-1)[0]!.params.get('automatic_payment_methods[allow_redirects]')).toBe(
        'never',
      );
    });

    it('declines without a payment method before asking Stripe, and throws what retrying can mend', async () => {
      const calls = stripe.calls.length;
      const noDefault = new StripeProvider({ apiKey: 'sk_test_settle', webhookSecret, apiBase: stripe.url });
      expect(await noDefault.authorize(authorizationRequest())).toMatchObject({
        outcome: 'declined',
        status: 'rejected',
        reason: expect.stringMatching(/^payment_method_missing: .*STRIPE_CHECKOUT_PAYMENT_METHOD/),
      });
      expect(stripe.calls.length).toBe(calls);
      await throwsOnEachFault(() => provider.authorize(authorizationRequest()));
    });
  });

  describe("amounts in Stripe's own units (https://docs.stripe.com/currencies)", () => {
    const posted = (path: RegExp) =>
      stripe.calls.filter((call) => call.method === 'POST' && path.test(call.path)).at(-1)!;

    it.each([
      // currency, ISO minor units Settle carries, what Stripe receives
      ['ISK', 5000, 500_000], // 5,000 kr.: two decimals at Stripe, whole krónur
      ['MGA', 5000, 50], // 50.00 Ar: zero-decimal at Stripe
      ['JPY', 500, 500],
      ['KWD', 5120, 5120], // 5.120 KD: three decimals, ending in 0
      ['CLP', 1500, 1500],
      ['CVE', 10_050, 10_050],
      ['HUF', 1045, 1045], // two decimals for charges; zero only for payouts
    ])(
      '%s: authorizes, checks, captures and refunds %d ISO minor units as %d',
      async (currency, iso, sent) => {
        const result = await provider.authorize(authorizationRequest({ amountMinor: iso, currency }));
        expect(result).toMatchObject({ outcome: 'settled' });
        const id = result.transactionId!;
        expect(stripe.intents.get(id)).toMatchObject({ amount: sent, currency: currency.toLowerCase() });
        expect(posted(/^\/v1\/payment_intents$/).params.get('amount')).toBe(String(sent));
        // What the PaymentIntent holds, read back in ISO minor units, covers the amount and not one unit more.
        const query = { transactionId: id, amountMinor: iso, currency };
        expect(await provider.inspectAuthorization(query)).toMatchObject({ validity: 'valid' });
        expect(await provider.inspectAuthorization({ ...query, amountMinor: iso + 1 })).toMatchObject({
          validity: 'invalid',
          reason: 'amount_exceeds_authorization',
        });
        const capture = { ...command('capture', id, iso), currency };
        expect(await provider.execute(capture)).toMatchObject({ outcome: 'settled' });
        expect(posted(/\/capture$/).params.get('amount_to_capture')).toBe(String(sent));
        expect(stripe.intents.get(id)!.amount_received).toBe(sent);
        const refund = { ...command('refund', id, iso), currency };
        expect(await provider.execute(refund)).toMatchObject({ outcome: 'settled' });
        expect(posted(/^\/v1\/refunds$/).params.get('amount')).toBe(String(sent));
      },
    );

    it('replaces an expired ISK authorization for the amount in hundredths', async () => {
      const expired = stripe.authorize({ expired: true, currency: 'isk', amount: 500_000 });
      const result = await provider.execute({ ...command('revalidate', expired, 5000), currency: 'ISK' });
      expect(result).toMatchObject({ outcome: 'settled' });
      expect(stripe.intents.get(result.authorization!.transactionId)).toMatchObject({
        amount: 500_000,
        currency: 'isk',
      });
    });

    it.each([
      ['MGA', 5050, 'Stripe writes MGA with 0 decimals: the amount must be a multiple of 1.00 MGA'],
      ['KWD', 5125, 'Stripe takes KWD only in multiples of 0.010 KWD'],
      ['IQD', 1000, 'Stripe does not take IQD'],
    ])('refuses %s %d before sending anything, naming the rule', async (currency, iso, rule) => {
      expect(provider.amountProblem({ minor: iso, currency })).toContain(rule);
      const calls = stripe.calls.length;
      const refused = {
        outcome: 'declined',
        status: 'rejected',
        reason: expect.stringContaining(`amount_not_payable: ${rule}`),
      };
      expect(await provider.authorize(authorizationRequest({ amountMinor: iso, currency }))).toEqual(refused);
      const id = stripe.authorize({ amount: 100_000, currency: currency.toLowerCase() });
      for (const name of ['capture', 'refund', 'revalidate'] as const) {
        expect(await provider.execute({ ...command(name, id, iso), currency })).toEqual(refused);
      }
      expect(stripe.calls.length).toBe(calls);
      expect(stripe.intents.get(id)!.status).toBe('requires_capture');
    });

    it('is checked against the stand-in, which refuses what Stripe refuses', async () => {
      const id = stripe.authorize({ amount: 500_000, currency: 'isk' });
      const raw = new Stripe('sk_test_settle', {
        host: new URL(stripe.url).hostname,
        port: Number(new URL(stripe.url).port),
        protocol: 'http',
        maxNetworkRetries: 0,
      });
      // 5,000.50 kr. as an ISO-blind adapter would have sent it.
      await expect(raw.paymentIntents.capture(id, { amount_to_capture: 500_050 })).rejects.toMatchObject({
        code: 'invalid_charge_amount_no_decimal_compatible',
      });
    });
  });

  describe('fetchStatus', () => {
    it('reads a refund by its id, or finds it by the workflow id when its answer was lost', async () => {
      const id = await captured();
      stripe.control.refundStatus = 'pending';
      const refund = command('refund', id, 1000);
      const { operationId } = await provider.execute(refund);
      expect(await provider.fetchStatus({ ...refund, operationId })).toMatchObject({
        outcome: 'pending',
        operationId,
      });
      stripe.refunds.get(operationId!)!.status = 'succeeded';
      expect(await provider.fetchStatus({ ...refund, operationId })).toMatchObject({ outcome: 'settled' });
      expect(await provider.fetchStatus(refund)).toMatchObject({ outcome: 'settled', operationId });
      expect(await provider.fetchStatus(command('refund', id, 1000))).toBeUndefined();
    });

    it('turns a timeout after the request went out into unknown, which the status then resolves', async () => {
      const id = stripe.authorize();
      const capture = command('capture', id);
      stripe.control.swallowNext = 1;
      expect(await stripeProvider(2000).execute(capture)).toMatchObject({
        outcome: 'unknown',
        status: 'timeout',
      });
      expect(await provider.fetchStatus(capture)).toEqual({
        outcome: 'settled',
        operationId: id,
        status: 'succeeded',
      });
      // A capture that never reached Stripe leaves no trace: never acted.
      expect(await provider.fetchStatus(command('capture', stripe.authorize()))).toBeUndefined();
    });

    it('finds a replacement authorization by the workflow id', async () => {
      const expired = stripe.authorize({ expired: true, customer: 'cus_bob' });
      const revalidate = command('revalidate', expired);
      expect(await provider.fetchStatus(revalidate)).toBeUndefined();
      const result = await provider.execute(revalidate);
      expect(await provider.fetchStatus(revalidate)).toMatchObject({
        outcome: 'settled',
        authorization: { transactionId: result.authorization!.transactionId },
      });
    });

    it('reads a cancellation', async () => {
      const id = stripe.authorize();
      const cancel = command('cancel', id);
      expect(await provider.fetchStatus(cancel)).toBeUndefined();
      await provider.execute(cancel);
      expect(await provider.fetchStatus(cancel)).toMatchObject({ outcome: 'settled', status: 'canceled' });
    });
  });

  describe('webhooks', () => {
    /** An event of `type` about `object`, as Stripe sends it. */
    const stripeEvent = (type: string, object: object, id = 'evt_1') =>
      JSON.stringify({ id, object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object } });
    const refundEvent = (
      status: string,
      metadata: Record<string, string> = { workflow_id: 'payment:PAY-1:refund:0123456789abcdef' },
      type = 'refund.updated',
    ) =>
      stripeEvent(type, {
        id: 're_1',
        object: 'refund',
        status,
        amount: 1000,
        metadata,
        failure_reason: status === 'failed' ? 'lost_or_stolen_card' : null,
      });
    const signed = (payload: string, options: { secret?: string; timestamp?: number } = {}) => ({
      [STRIPE_SIGNATURE_HEADER]: Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: options.secret ?? webhookSecret,
        ...(options.timestamp ? { timestamp: options.timestamp } : {}),
      }),
    });

    it('reads a verified refund event as the outcome of that refund', async () => {
      const payload = refundEvent('succeeded');
      expect(await provider.parseWebhook(Buffer.from(payload), signed(payload))).toEqual({
        workflowId: 'payment:PAY-1:refund:0123456789abcdef',
        eventId: 'evt_1',
        operationId: 're_1',
        outcome: 'settled',
        status: 'succeeded',
      });
      const failed = refundEvent('failed', undefined, 'charge.refund.updated');
      expect(await provider.parseWebhook(Buffer.from(failed), signed(failed))).toMatchObject({
        outcome: 'declined',
        reason: 'lost_or_stolen_card',
      });
    });

    it("reads a PaymentIntent's authorization as the outcome of the authorize command it names", async () => {
      const authorized = (status: string) =>
        stripeEvent(
          'payment_intent.amount_capturable_updated',
          {
            id: 'pi_1',
            object: 'payment_intent',
            status,
            amount: 1000,
            amount_capturable: 1000,
            currency: 'eur',
            metadata: { workflow_id: 'order:spryker:shop-eu:DE--1:authorize' },
          },
          'evt_auth',
        );
      const payload = authorized('requires_capture');
      expect(await provider.parseWebhook(Buffer.from(payload), signed(payload))).toEqual({
        workflowId: 'order:spryker:shop-eu:DE--1:authorize',
        eventId: 'evt_auth',
        operationId: 'pi_1',
        outcome: 'settled',
        status: 'requires_capture',
      });
      const other = authorized('requires_action');
      expect(await provider.parseWebhook(Buffer.from(other), signed(other))).toBeUndefined();
    });

    it('refuses a stale timestamp, a wrong secret, a missing signature and an altered body', async () => {
      const payload = refundEvent('succeeded');
      const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
      for (const headers of [
        signed(payload, { timestamp: tenMinutesAgo }),
        signed(payload, { secret: 'whsec_someoneElse' }),
        {},
      ]) {
        await expect(provider.parseWebhook(Buffer.from(payload), headers)).rejects.toThrow(
          WebhookVerificationError,
        );
      }
      const altered = payload.replace('"amount":1000', '"amount":9000');
      await expect(provider.parseWebhook(Buffer.from(altered), signed(payload))).rejects.toThrow(
        WebhookVerificationError,
      );
    });

    it('acknowledges authentic events without an outcome for a workflow', async () => {
      for (const payload of [
        refundEvent('pending'),
        refundEvent('succeeded', {}),
        refundEvent('succeeded', undefined, 'customer.created'),
      ]) {
        expect(await provider.parseWebhook(Buffer.from(payload), signed(payload))).toBeUndefined();
      }
    });
  });
  describe('beyond the idempotency key (lookups, a key in flight)', () => {
    it('declares that Stripe keeps a key 24 hours', () => {
      expect(provider.idempotencyKeyRetentionMs).toBe(24 * 3_600_000);
    });

    it('retries a 409 idempotency_key_in_use from a request still in flight, never declines it', async () => {
      const id = await captured();
      const refund = command('refund', id, 1000);
      Object.assign(stripe.control, { slowNext: 1, slowMs: 1500 });
      const first = provider.execute(refund);
      await eventually(async () =>
        [...stripe.refunds.values()].some((r) => r.metadata.workflow_id === refund.workflowId)
          ? true
          : undefined,
      );
      const meanwhile = await provider.execute(refund).catch((error: unknown) => error);
      expect(meanwhile).toBeInstanceOf(Error);
      expect(meanwhile).not.toBeInstanceOf(ProviderRejectedError);
      expect((meanwhile as Error).message).toMatch(/same idempotency key is still in flight/);
      const answered = await first;
      expect(answered).toMatchObject({ outcome: 'settled' });
      expect(await provider.execute(refund)).toEqual(answered);
      expect(
        [...stripe.refunds.values()].filter((r) => r.metadata.workflow_id === refund.workflowId),
      ).toHaveLength(1);
    });

    it('reads idempotency_key_in_use as a retry whatever class the SDK gives it', () => {
      const raw = { message: 'in use', code: 'idempotency_key_in_use', type: 'idempotency_error' as const };
      expect(errorKind(new Stripe.errors.StripeAPIError({ ...raw, statusCode: 409 }))).toBe('retry');
      expect(errorKind(new Stripe.errors.StripeIdempotencyError({ ...raw, statusCode: 400 }))).toBe('retry');
      const reused = new Stripe.errors.StripeIdempotencyError({
        message: 'reused',
        type: 'idempotency_error',
      });
      expect(errorKind(reused)).toBe('rejected');
    });

    it('finds a refund and a capture by the workflow id after Stripe pruned the keys', async () => {
      const id = await captured();
      const refund = command('refund', id, 1000);
      const made = await provider.execute(refund);
      stripe.forgetKeys();
      expect(await provider.fetchStatus(refund)).toEqual(made);
      expect(await provider.fetchStatus(command('capture', id))).toBeUndefined(); // another workflow's capture
    });

    it('finds an authorization made at checkout with Stripe search, after Stripe pruned the key', async () => {
      const request = authorizationRequest({ workflowId: "order:O'Brien:1:authorize" });
      expect(await provider.findAuthorization(request)).toBeUndefined();
      const made = await provider.authorize(request);
      stripe.forgetKeys();
      expect(await provider.findAuthorization(request)).toEqual(made);
      const searches = stripe.calls.filter((call) => call.path === '/v1/payment_intents/search');
      expect(searches.at(-1)!.params.get('query')).toBe(
        "metadata['workflow_id']:'order:O\\'Brien:1:authorize'",
      );
    });
  });

  describe('payment page (Stripe.js)', () => {
    let shop: RunningServer;
    let page: StripeProvider;
    const events: ProviderEvent[] = [];
    beforeAll(async () => {
      page = new StripeProvider({
        apiKey: 'sk_test_settle',
        webhookSecret,
        apiBase: stripe.url,
        publishableKey: 'pk_test_settle',
      });
      // Settle's webhook endpoint, reading each event as the adapter does.
      const app = express();
      collectWebhooks(app, '/webhooks/stripe', () => page, events);
      shop = await listen(app, 0);
      stripe.control.webhookUrl = `${shop.url}/webhooks/stripe`;
    });
    afterAll(async () => {
      delete stripe.control.webhookUrl;
      await shop?.close();
    });
    /** Stripe.js on the customer's page confirms with the client secret; the server-side call stands in. */
    const confirmAsStripeJs = (id: string, paymentMethod: string) => {
      const base = new URL(stripe.url);
      return new Stripe('sk_test_settle', {
        host: base.hostname,
        port: base.port,
        protocol: 'http',
        maxNetworkRetries: 0,
      }).paymentIntents.confirm(id, { payment_method: paymentMethod });
    };
    const pageRequest = () =>
      authorizationRequest({ mode: 'page', expiresAt: new Date(Date.now() + 1800_000).toISOString() });

    it('opens an unconfirmed manual-capture PaymentIntent for the order, which the webhook makes authorized', async () => {
      const request = pageRequest();
      const opened = await page.authorize(request);
      expect(opened).toEqual({
        outcome: 'pending',
        transactionId: expect.stringMatching(/^pi_/),
        status: 'requires_payment_method',
        session: {
          kind: 'stripe',
          clientSecret: expect.stringMatching(new RegExp(`^${opened.transactionId}_secret_`)),
          publishableKey: 'pk_test_settle',
        },
      });
      expect(stripe.intents.get(opened.transactionId!)).toMatchObject({
        amount: 4990,
        currency: 'eur',
        capture_method: 'manual',
        payment_method: null,
        metadata: { workflow_id: request.workflowId, order_reference: request.orderReference },
      });
      const created = stripe.calls
        .filter((call) => call.method === 'POST' && call.path === '/v1/payment_intents')
        .at(-1)!;
      expect(created.params.get('capture_method')).toBe('manual');
      expect(created.params.get('confirm')).toBeNull();
      expect(await page.findAuthorization(request)).toEqual(opened);

      await confirmAsStripeJs(opened.transactionId!, 'pm_card_visa');
      const event = await eventually(async () => events.find((e) => e.workflowId === request.workflowId));
      expect(event).toMatchObject({
        operationId: opened.transactionId,
        outcome: 'settled',
        status: 'requires_capture',
      });
      expect(stripe.webhooks.map((hook) => hook.type)).toContain('payment_intent.amount_capturable_updated');
      expect(await page.findAuthorization(request)).toMatchObject({
        outcome: 'settled',
        transactionId: opened.transactionId,
      });
    });

    it('reads a declined card as the declined authorization, by webhook and by search', async () => {
      const request = pageRequest();
      const opened = await page.authorize(request);
      await expect(confirmAsStripeJs(opened.transactionId!, 'pm_card_chargeDeclined')).rejects.toThrow(
        'Your card was declined.',
      );
      const event = await eventually(async () => events.find((e) => e.workflowId === request.workflowId));
      expect(event).toMatchObject({
        outcome: 'declined',
        reason: expect.stringContaining('generic_decline'),
      });
      expect(await page.findAuthorization(request)).toMatchObject({ outcome: 'declined' });
    });

    it('cancels an unpaid page PaymentIntent once the page expired, and leaves an authorized one as it is', async () => {
      const unpaid = pageRequest();
      const opened = await page.authorize(unpaid);
      expect(await page.closeSession(unpaid)).toMatchObject({ outcome: 'declined', status: 'canceled' });
      expect(stripe.intents.get(opened.transactionId!)).toMatchObject({
        status: 'canceled',
        cancellation_reason: 'abandoned',
      });

      const paid = pageRequest();
      const authorized = await page.authorize(paid);
      await confirmAsStripeJs(authorized.transactionId!, 'pm_card_visa');
      expect(await page.closeSession(paid)).toMatchObject({ outcome: 'settled' });
      expect(stripe.intents.get(authorized.transactionId!)!.status).toBe('requires_capture');
    });

    it('reads a cancelled page PaymentIntent as declined', async () => {
      const payload = JSON.stringify({
        id: 'evt_page_1',
        object: 'event',
        type: 'payment_intent.canceled',
        data: {
          object: {
            id: 'pi_page_1',
            object: 'payment_intent',
            status: 'canceled',
            last_payment_error: null,
            metadata: { workflow_id: 'order:x:authorize' },
          },
        },
      });
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
      expect(
        await page.parseWebhook(Buffer.from(payload), { [STRIPE_SIGNATURE_HEADER]: header }),
      ).toMatchObject({ workflowId: 'order:x:authorize', outcome: 'declined', operationId: 'pi_page_1' });
    });

    it('opens no page without a publishable key, naming the setting', async () => {
      expect(await provider.authorize(pageRequest())).toMatchObject({
        outcome: 'declined',
        reason: expect.stringContaining('STRIPE_PUBLISHABLE_KEY'),
      });
    });
  });
});
