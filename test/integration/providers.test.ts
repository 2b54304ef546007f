import { mibMethod } from '../../oms/mib/methods';
import { startStripeMock, type RunningStripeMock } from '../../scripts/stripe-mock';
import type { Stack } from '../../scripts/stack';
import { sendMibCommand } from '../../sim/mib/sendCommand';
import { startAdyenStandIn, type AdyenStandIn } from '../helpers/adyenStandIn';
import { startStripeStandIn, type StripeStandIn } from '../helpers/stripeStandIn';
import { notificationOf } from '../helpers/notifications';
import { startTestStack } from '../helpers/stacks';

/**
 * A capture and a refund through Stripe and through Adyen, from POST /mib to the notification MIB receives,
 * with the real API, worker and MIB simulator on a dev server: Stripe is stripe-mock behind the stateful
 * stand-in (the refund settles by its signed webhook), Adyen the HTTPS stand-in (every outcome by webhook).
 * The providers' secrets never appear in what the processes log.
 */
describe('real providers end to end (dev server)', () => {
  const secrets = {
    STRIPE_API_KEY: 'sk_test_settleEndToEnd',
    STRIPE_WEBHOOK_SECRET: 'whsec_settleEndToEnd',
    ADYEN_API_KEY: 'AQE-settle-end-to-end-key',
    ADYEN_HMAC_KEY: 'B0C71FC68D9D0C057550C48EC2ACF6BA05644782DEF547AAA06C910C43932B1E',
  };
  let mock: RunningStripeMock;
  let stripe: StripeStandIn;
  let adyen: AdyenStandIn;
  let stack: Stack;
  const logged: string[] = [];
  let stdout: jest.SpyInstance;

  beforeAll(async () => {
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      logged.push(String(chunk));
      return true;
    });
    mock = await startStripeMock(process.env.STRIPE_MOCK_PATH);
    stripe = await startStripeStandIn(mock.url, {
      webhookSecret: secrets.STRIPE_WEBHOOK_SECRET,
      refundStatus: 'pending',
    });
    adyen = await startAdyenStandIn({
      apiKey: secrets.ADYEN_API_KEY,
      merchantAccount: 'SettleECOM',
      hmacKey: secrets.ADYEN_HMAC_KEY,
    });
    ({ stack } = await startTestStack({
      env: {
        LOG_LEVEL: 'info',
        ...secrets,
        STRIPE_API_BASE: stripe.url,
        ADYEN_MERCHANT_ACCOUNT: 'SettleECOM',
        ADYEN_CHECKOUT_URL: adyen.url,
        ADYEN_CA_FILE: adyen.caFile,
        // Stripe is named by gateway_id itself; Adyen is chosen by the payment method.
        PROVIDER_ROUTES: 'adyen:payment_method=scheme',
      },
    }));
    stripe.control.webhookUrl = `${stack.api.url}/webhooks/stripe`;
    adyen.control.webhookUrl = `${stack.api.url}/webhooks/adyen`;
  });
  afterAll(async () => {
    await stack?.stop();
    await adyen?.stop();
    await stripe?.stop();
    await mock?.stop();
    stdout?.mockRestore();
  });

  /** Sends a command as MIB does and answers the notification MIB received for it. */
  async function notified(command: string, reference: string, transaction: object, amount = '49.90') {
    const answer = await sendMibCommand(
      stack.api.url,
      {
        jsonrpc: '2.0',
        id: `${command}-${reference}`,
        method: mibMethod(command),
        params: { payment: { reference, currency: 'EUR', transactions: [{ amount, ...transaction }] } },
      },
      { secret: stack.config.MIB_INTAKE_SECRET },
    );
    expect(answer.status).toBe(200);
    const workflowId = (answer.body as { result: { workflow_id: string } }).result.workflow_id;
    const { notification } = await notificationOf(stack, workflowId);
    const info = (
      notification.params as { payment: { transactions: { gateway_information: Record<string, unknown> }[] } }
    ).payment.transactions[0]!.gateway_information;
    return {
      workflowId,
      method: notification.method,
      info,
      reason: (notification.params as { reason?: string }).reason,
    };
  }

  it('Stripe: captures at once, then refunds through a pending refund settled by its webhook', async () => {
    const intent = stripe.authorize({ amount: 4990 });
    const transaction = {
      payment_method: 'card',
      gateway_information: { gateway_id: 'stripe', transaction_id: intent },
    };

    const capture = await notified('capture', 'PAY-STRIPE-1', transaction);
    expect(capture.method).toBe(mibMethod('notify_captured'));
    expect(capture.info).toMatchObject({
      gateway_id: 'stripe',
      operation_id: intent,
      operation_status: 'succeeded',
    });
    expect(stripe.intents.get(intent)).toMatchObject({
      status: 'succeeded',
      metadata: { workflow_id: capture.workflowId },
    });

    const refund = await notified('refund', 'PAY-STRIPE-1', transaction, '20.00');
    expect(refund.method).toBe(mibMethod('notify_refunded'));
    const [refundId] = [...stripe.refunds.values()]
      .filter((r) => r.metadata.workflow_id === refund.workflowId)
      .map((r) => r.id);
    // The pending refund's operation is the refund; its webhook carried the outcome.
    expect(refund.info).toMatchObject({ operation_id: refundId, operation_status: 'succeeded' });
    expect(stripe.webhooks.filter((w) => w.status === 200).map((w) => w.type)).toContain('refund.updated');
    // stripe-mock accepted every request Settle made, each POST with the workflow's idempotency key.
    expect(stripe.calls.filter((c) => c.mockStatus >= 400)).toEqual([]);
    expect(stripe.calls.filter((c) => c.method === 'POST').map((c) => c.idempotencyKey)).toEqual([
      capture.workflowId,
      refund.workflowId,
    ]);
  });

  it('Stripe: a refund over what was captured is refused, reported as notify_refund_failed', async () => {
    const intent = stripe.authorize({ amount: 1000 });
    const transaction = { gateway_information: { gateway_id: 'stripe', transaction_id: intent } };
    await notified('capture', 'PAY-STRIPE-2', transaction, '10.00');
    const refund = await notified('refund', 'PAY-STRIPE-2', transaction, '10.01');
    expect(refund.method).toBe(mibMethod('notify_refund_failed'));
    expect(refund.reason).toMatch(/^amount_too_large: /);
  });

  it('Adyen: capture and refund, each received and settled by its HMAC-signed notification', async () => {
    const psp = adyen.authorise(4990);
    const transaction = { payment_method: 'scheme', gateway_information: { transaction_id: psp } };

    const capture = await notified('capture', 'PAY-ADYEN-1', transaction);
    expect(capture.method).toBe(mibMethod('notify_captured'));
    const captureModification = adyen.modifications.find(
      (m) => m.kind === 'captures' && m.paymentPspReference === psp,
    )!;
    expect(captureModification.body).toMatchObject({
      reference: capture.workflowId,
      amount: { value: 4990, currency: 'EUR' },
    });
    expect(capture.info).toMatchObject({
      gateway_id: 'adyen',
      operation_id: captureModification.pspReference,
      operation_status: 'CAPTURE:true',
    });

    const refund = await notified('refund', 'PAY-ADYEN-1', transaction, '49.90');
    expect(refund.method).toBe(mibMethod('notify_refunded'));
    const refundModification = adyen.modifications.find(
      (m) => m.kind === 'refunds' && m.paymentPspReference === psp,
    )!;
    expect(refund.info).toMatchObject({
      operation_id: refundModification.pspReference,
      operation_status: 'REFUND:true',
    });
    // Each notification was acknowledged once Temporal had the signal.
    expect(adyen.notifications.filter((n) => n.item.originalReference === psp).map((n) => n.status)).toEqual([
      200, 200,
    ]);
  });

  it("Adyen: a capture Adyen refuses in its notification is reported as notify_capture_failed, in Settle's words from the signed fields", async () => {
    const psp = adyen.authorise(1000);
    const capture = await notified(
      'capture',
      'PAY-ADYEN-2',
      { payment_method: 'scheme', gateway_information: { transaction_id: psp } },
      '10.01',
    );
    expect(capture.method).toBe(mibMethod('notify_capture_failed'));
    // Adyen's reason text is not covered by its signature: never passed on as if Adyen said it.
    expect(capture.reason).toBe(
      'capture_refused: Adyen did not capture the payment (CAPTURE, success false)',
    );
  });

  it('Adyen: validate fails, saying Adyen cannot read an authorisation', async () => {
    const psp = adyen.authorise();
    const validate = await notified('validate', 'PAY-ADYEN-3', {
      payment_method: 'scheme',
      gateway_information: { transaction_id: psp },
    });
    expect(validate.method).toBe(mibMethod('notify_validation_failed'));
    expect(validate.reason).toMatch(/^not_supported: Adyen has no API to read an authorisation/);
  });

  it('logs what happened, and none of the providers’ secrets', () => {
    const output = logged.join('');
    expect(output).toContain('"message":"webhook delivered"');
    for (const secret of Object.values(secrets)) expect(output).not.toContain(secret);
  });
});
