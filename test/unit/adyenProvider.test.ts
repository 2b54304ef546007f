import type { NotificationRequestItem } from '@adyen/api-library/lib/src/typings/notification/models';
import { ADYEN_CANNOT_READ_AUTHORISATIONS, ADYEN_OUTCOMES, AdyenProvider } from '../../providers/adyen';
import { WebhookVerificationError, type PaymentProvider } from '../../providers/types';
import { authorizationRequest, providerCommand } from '../helpers/providerCommands';
import { startAdyenStandIn, type AdyenStandIn } from '../helpers/adyenStandIn';
import { eventually } from '../helpers/temporal';

/**
 * The Adyen adapter through `@adyen/api-library` (its own HTTPS client, serializers and HMAC validator)
 * against a stand-in that follows Adyen's documented request and response shapes.
 */
describe('Adyen adapter', () => {
  const credentials = {
    apiKey: 'AQE-settle-test-key',
    merchantAccount: 'SettleECOM',
    hmacKey: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
  };
  let adyen: AdyenStandIn;
  let provider: AdyenProvider;

  beforeAll(async () => {
    adyen = await startAdyenStandIn({ ...credentials, control: { webhookDelayMs: 50 } });
    provider = new AdyenProvider({
      ...credentials,
      environment: 'test',
      checkoutUrl: adyen.url,
      caFile: adyen.caFile,
    });
  });
  afterAll(async () => adyen?.stop());

  const command = providerCommand;

  it.each(['capture', 'refund', 'cancel'] as const)(
    '%s: answers pending with the modification pspReference, carrying the workflow id as reference',
    async (name) => {
      const psp = adyen.authorise();
      const modification = command(name, psp);
      const result = await provider.execute(modification);
      expect(result).toEqual({
        outcome: 'pending',
        operationId: expect.stringMatching(/^[A-Z0-9]{16}$/),
        status: 'received',
      });
      const sent = adyen.modifications.find((m) => m.pspReference === result.operationId)!;
      expect(sent).toMatchObject({
        paymentPspReference: psp,
        idempotencyKey: modification.workflowId,
        replayed: false,
      });
      expect(sent.body).toEqual({
        merchantAccount: 'SettleECOM',
        reference: modification.workflowId,
        ...(name === 'cancel' ? {} : { amount: { value: 4990, currency: 'EUR' } }),
      });
    },
  );

  it('sends a retried call with the same Idempotency-Key (hashed to 64 characters when longer) and gets the first answer', async () => {
    const psp = adyen.authorise();
    const long = command('capture', psp);
    const workflowId = `payment:${'R'.repeat(60)}:capture:0123456789abcdef`;
    const capture = { ...long, workflowId: long.workflowId, idempotencyKey: workflowId };
    const first = await provider.execute(capture);
    expect(await provider.execute(capture)).toEqual(first);
    const calls = adyen.modifications.filter((m) => m.paymentPspReference === psp);
    expect(calls.map((m) => m.replayed)).toEqual([false, true]);
    expect(calls[0]!.idempotencyKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('declines what Adyen refuses before acting, with its error code', async () => {
    expect(await provider.execute(command('capture', 'NOSUCHPSPREF0000'))).toEqual({
      outcome: 'declined',
      status: 'rejected',
      reason: '167: Original pspReference required for this operation',
    });
  });

  it("declines a payment whose workflow id does not fit Adyen's 80-character reference, before calling", async () => {
    const psp = adyen.authorise();
    const workflowId = `payment:${'R'.repeat(60)}:capture:0123456789abcdef`;
    const result = await provider.execute({ ...command('capture', psp), workflowId });
    expect(result).toMatchObject({
      outcome: 'declined',
      reason: expect.stringMatching(/^reference_too_long: .* at most 47 characters/),
    });
    expect(adyen.modifications.filter((m) => m.paymentPspReference === psp)).toEqual([]);
  });

  it('throws, for Temporal to retry, on 5xx, 429, refused credentials and lost connections', async () => {
    const psp = adyen.authorise();
    for (const [status, message] of [
      [500, /HTTP 500/],
      [429, /HTTP 429/],
    ] as const) {
      Object.assign(adyen.control, { failNext: 1, failStatus: status });
      await expect(provider.execute(command('capture', psp))).rejects.toThrow(message);
    }
    const wrongKey = new AdyenProvider({
      ...credentials,
      apiKey: 'AQE-wrong-key',
      environment: 'test',
      checkoutUrl: adyen.url,
      caFile: adyen.caFile,
    });
    await expect(wrongKey.execute(command('capture', psp))).rejects.toThrow(/check ADYEN_API_KEY/);
    const unreachable = new AdyenProvider({
      ...credentials,
      environment: 'test',
      checkoutUrl: 'https://127.0.0.1:1',
      caFile: adyen.caFile,
    });
    await expect(unreachable.execute(command('capture', psp))).rejects.toThrow(
      /Adyen capture failed.*ECONNREFUSED/,
    );
    expect(adyen.modifications.filter((m) => m.paymentPspReference === psp)).toEqual([]);
  });

  describe("amounts in Adyen's own minor units (https://docs.adyen.com/development-resources/currency-codes)", () => {
    it.each([
      // currency, ISO minor units Settle carries, Adyen's amount.value
      ['ISK', 5000, 500_000], // 5,000 kr.: two decimals at Adyen, none in ISO
      ['JPY', 500, 500],
      ['KWD', 5125, 5125],
      ['KWD', 5120, 5120],
      ['CLP', 1500, 150_000], // two decimals at Adyen, none in ISO
      ['CVE', 10_000, 100], // 100.00 CVE: none at Adyen, two in ISO
      ['HUF', 1045, 1045],
    ])('%s: captures and refunds %d ISO minor units as amount.value %d', async (currency, iso, value) => {
      const psp = adyen.authorise(value, currency);
      for (const name of ['capture', 'refund'] as const) {
        const modification = { ...command(name, psp, iso), currency };
        const result = await provider.execute(modification);
        expect(result).toMatchObject({ outcome: 'pending' });
        const sent = adyen.modifications.find((m) => m.pspReference === result.operationId)!;
        expect(sent.body).toMatchObject({ amount: { value, currency } });
        // Adyen's account took it as the whole payment: the outcome it signs is a success.
        const notified = await eventually(async () =>
          adyen.notifications.find((n) => n.item.pspReference === result.operationId),
        );
        expect(notified.item).toMatchObject({ success: 'true', amount: { value, currency } });
      }
    });

    it.each([
      ['CVE', 10_050, 'Adyen writes CVE with 0 decimals: the amount must be a multiple of 1.00 CVE'],
      ['IDR', 1_000_050, 'Adyen writes IDR with 0 decimals: the amount must be a multiple of 1.00 IDR'],
      ['MGA', 5000, 'Adyen does not take MGA'],
    ])('refuses %s %d before sending anything, naming the rule', async (currency, iso, rule) => {
      expect(provider.amountProblem({ minor: iso, currency })).toContain(rule);
      const psp = adyen.authorise(10_000_000, currency);
      for (const name of ['capture', 'refund'] as const) {
        expect(await provider.execute({ ...command(name, psp, iso), currency })).toEqual({
          outcome: 'declined',
          status: 'rejected',
          reason: expect.stringContaining(`amount_not_payable: ${rule}`),
        });
      }
      expect(adyen.modifications.filter((m) => m.paymentPspReference === psp)).toEqual([]);
    });
  });

  it('fails validate and revalidate with the reason: Adyen cannot read an authorisation', async () => {
    const psp = adyen.authorise();
    expect(
      await provider.inspectAuthorization({ transactionId: psp, amountMinor: 0, currency: 'EUR' }),
    ).toMatchObject({
      validity: 'invalid',
      reason: ADYEN_CANNOT_READ_AUTHORISATIONS,
    });
    expect(await provider.execute(command('revalidate', psp))).toMatchObject({
      outcome: 'declined',
      reason: ADYEN_CANNOT_READ_AUTHORISATIONS,
    });
    expect((provider as PaymentProvider).fetchStatus).toBeUndefined();
  });

  describe('webhooks', () => {
    const item = (fields: Partial<NotificationRequestItem> = {}) =>
      adyen.signedItem({
        eventCode: 'CAPTURE' as NotificationRequestItem['eventCode'],
        success: 'true' as NotificationRequestItem['success'],
        pspReference: 'CAPTUREPSPREF001',
        originalReference: 'PAYMENTPSPREF001',
        merchantAccountCode: 'SettleECOM',
        merchantReference: 'payment:PAY-7:capture:0123456789abcdef',
        amount: { value: 4990, currency: 'EUR' },
        ...fields,
      });
    const body = (...items: NotificationRequestItem[]) =>
      Buffer.from(
        JSON.stringify({
          live: 'false',
          notificationItems: items.map((i) => ({ NotificationRequestItem: i })),
        }),
      );

    it('reads a verified notification as the outcome of the modification it names', async () => {
      expect(await provider.parseWebhook(body(item()))).toEqual({
        workflowId: 'payment:PAY-7:capture:0123456789abcdef',
        eventId: 'CAPTURE:CAPTUREPSPREF001:true',
        operationId: 'CAPTUREPSPREF001',
        outcome: 'settled',
        status: 'CAPTURE:true',
      });
      for (const [eventCode, success] of [
        ['CAPTURE', 'false'],
        ['CAPTURE_FAILED', 'true'],
        ['REFUND', 'false'],
        ['REFUND_FAILED', 'true'],
        ['CANCELLATION', 'false'],
      ]) {
        const failed = item({
          eventCode,
          success,
          reason: 'Insufficient balance on payment',
        } as Partial<NotificationRequestItem>);
        const event = await provider.parseWebhook(body(failed));
        expect(event).toMatchObject({
          outcome: 'declined',
          reason: expect.stringContaining(`(${eventCode}`),
        });
        // The reason text is not signed: Settle says what the signed fields say, not what the text says.
        expect(event!.reason).not.toContain('Insufficient balance');
      }
    });

    it('never forwards the unsigned reason, which anyone on the way could have rewritten', async () => {
      const failed = item({ eventCode: 'REFUND', success: 'false' } as Partial<NotificationRequestItem>);
      const rewritten = { ...failed, reason: 'Refunded in cash at the counter; mark the order paid' };
      // Still authentic: Adyen's HMAC does not cover `reason`.
      const event = await provider.parseWebhook(body(rewritten));
      expect(event).toMatchObject({
        outcome: 'declined',
        status: 'REFUND:false',
        reason: 'refund_refused: Adyen did not refund the payment (REFUND, success false)',
      });
      expect(JSON.stringify(event)).not.toContain('cash');
    });

    it('refuses a notification signed with the key but for another merchant account, naming both', async () => {
      const other = item({ merchantAccountCode: 'OtherECOM' });
      await expect(provider.parseWebhook(body(other))).rejects.toThrow(WebhookVerificationError);
      await expect(provider.parseWebhook(body(other))).rejects.toThrow(
        'the notification is for merchant account "OtherECOM", not "SettleECOM" (ADYEN_MERCHANT_ACCOUNT)',
      );
    });

    it('rejects a tampered notification, one without a signature, one signed with another key, and batches', async () => {
      const tampered = { ...item(), amount: { value: 1, currency: 'EUR' } };
      const unsigned = { ...item(), additionalData: {} };
      const otherKey = new AdyenProvider({ ...credentials, hmacKey: 'AA'.repeat(32), environment: 'test' });
      await expect(provider.parseWebhook(body(tampered))).rejects.toThrow(WebhookVerificationError);
      await expect(provider.parseWebhook(body(unsigned))).rejects.toThrow(/hmacSignature/);
      await expect(otherKey.parseWebhook(body(item()))).rejects.toThrow(WebhookVerificationError);
      await expect(provider.parseWebhook(Buffer.from('[accepted]'))).rejects.toThrow(
        WebhookVerificationError,
      );
      await expect(provider.parseWebhook(body(item(), item()))).rejects.toThrow(/2 items/);
    });

    it('acknowledges authentic notifications that carry no outcome for a workflow', async () => {
      for (const other of [
        item({ eventCode: 'AUTHORISATION' as NotificationRequestItem['eventCode'] }),
        item({ merchantReference: 'ORDER-123' }),
      ]) {
        expect(await provider.parseWebhook(body(other))).toBeUndefined();
      }
    });

    it('verifies what the stand-in sends after a modification, as Adyen signs it', async () => {
      const psp = adyen.authorise(1000);
      const refundFirst = command('refund', psp, 500);
      const { operationId } = await provider.execute(refundFirst);
      const sent = await eventually(async () =>
        adyen.notifications.find((n) => n.item.pspReference === operationId),
      );
      expect(await provider.parseWebhook(body(sent.item))).toMatchObject({
        workflowId: refundFirst.workflowId,
        operationId,
        outcome: 'declined', // nothing captured yet
      });
    });
  });

  describe('payment page (Drop-in)', () => {
    let page: AdyenProvider;
    beforeAll(() => {
      page = new AdyenProvider({
        ...credentials,
        environment: 'test',
        checkoutUrl: adyen.url,
        caFile: adyen.caFile,
        clientKey: 'test_SETTLECLIENTKEY',
      });
    });
    const pageRequest = () =>
      authorizationRequest({
        mode: 'page',
        returnUrl: 'https://settle.example.com/pay/token-1/return',
        expiresAt: new Date(Date.now() + 1800_000).toISOString(),
      });

    it('opens a Checkout session for manual capture, with the workflow id as its reference, once per key', async () => {
      const request = pageRequest();
      const opened = await page.authorize(request);
      expect(opened).toEqual({
        outcome: 'pending',
        transactionId: expect.stringMatching(/^CS/),
        status: 'session_open',
        session: {
          kind: 'adyen',
          sessionId: opened.transactionId,
          sessionData: expect.any(String),
          clientKey: 'test_SETTLECLIENTKEY',
          environment: 'test',
        },
      });
      expect(adyen.sessions.get(opened.transactionId!)!.request).toEqual({
        merchantAccount: 'SettleECOM',
        amount: { value: 4990, currency: 'EUR' },
        reference: request.workflowId,
        merchantOrderReference: request.orderReference,
        returnUrl: request.returnUrl,
        expiresAt: request.expiresAt,
        additionalData: { manualCapture: 'true' },
      });
      expect(await page.authorize(request)).toEqual(opened);
      expect(adyen.sessions.size).toBe(1);
    });

    it('reads the AUTHORISATION notification of the completed session, as Adyen signs it', async () => {
      const request = pageRequest();
      const opened = await page.authorize(request);
      const psp = adyen.completeSession(opened.transactionId!, true);
      const sent = await eventually(async () => adyen.notifications.find((n) => n.item.pspReference === psp));
      expect(sent.item).toMatchObject({ eventCode: 'AUTHORISATION', merchantReference: request.workflowId });
      // Authentic: verified and acknowledged (its workflow is the order's authorize command).
      const notification = { live: 'false', notificationItems: [{ NotificationRequestItem: sent.item }] };
      await expect(page.parseWebhook(Buffer.from(JSON.stringify(notification)))).resolves.not.toThrow();
      expect(ADYEN_OUTCOMES.events.AUTHORISATION).toEqual({ true: 'settled', false: 'declined' });
    });

    it('declines what it cannot open, naming why, before calling Adyen', async () => {
      const before = adyen.sessions.size;
      expect(await provider.authorize(pageRequest())).toMatchObject({
        outcome: 'declined',
        reason: expect.stringContaining('ADYEN_CLIENT_KEY'),
      });
      expect(await page.authorize({ ...pageRequest(), mode: 'direct' })).toMatchObject({
        outcome: 'declined',
        reason: expect.stringContaining("shopper's card data"),
      });
      expect(await page.authorize({ ...pageRequest(), returnUrl: undefined })).toMatchObject({
        reason: expect.stringContaining('return_url_missing'),
      });
      expect(adyen.sessions.size).toBe(before);
    });

    it('declines what Adyen refuses: an expiry past its 24 hours', async () => {
      const late = { ...pageRequest(), expiresAt: new Date(Date.now() + 48 * 3600_000).toISOString() };
      expect(await page.authorize(late)).toMatchObject({
        outcome: 'declined',
        reason: expect.stringContaining('at most 24 hours'),
      });
    });
  });
});
