import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { createApi } from '../../api/app';
import { LOCAL_SPRYKER_TENANT, LOCAL_SPRYKER_TOKEN, localDefaults, settlementPolicies } from '../../config';
import type { Logger } from '../../config/logger';
import { listen, type RunningServer } from '../../config/server';
import { gatewayEvent } from '../helpers/gatewayEvents';
import { createProviderRegistry } from '../../providers/fromConfig';
import { sprykerSettingsOf } from '../../oms/spryker/door';
import { validateOrder } from '../../oms/deity/checkout';
import { OrderRefusal } from '../../oms/orderRefusal';
import { deitySettingsOf } from '../../oms/deity/door';
import { createGatewaySimulator } from '../../sim/gateway/server';
import { UNUSED_VALUES, withUnusedFields } from '../helpers/momPayments';
import { loadSettleConfig } from '../../oms';

/**
 * When Temporal cannot be reached, MIB and the gateway are told to come back later (503), never that their
 * message was bad or taken: nothing may be acknowledged that Temporal has not recorded.
 */
describe('the API without a reachable Temporal', () => {
  let api: RunningServer;
  const logged: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void logged.push({ level, message, fields });
  const recordingLogger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  let connection: Connection;
  // Stripe and Adyen configured too, so that a payment may name them (their currency tables are checked).
  const configValues = {
    ...localDefaults(),
    STRIPE_API_KEY: 'sk_test_settleintake',
    STRIPE_WEBHOOK_SECRET: 'whsec_settleintake',
    ADYEN_API_KEY: 'AQE-settle-intake-key',
    ADYEN_MERCHANT_ACCOUNT: 'SettleECOM',
    ADYEN_HMAC_KEY: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
    SPRYKER_PAYMENT_METHODS: 'Settle Card=gateway,Stripe Card=stripe',
    DEITY_PROFILES: JSON.stringify([
      {
        serviceUser: 'kw:shop:test',
        serviceToken: 'deity-intake-token-0001',
        methods: [{ provider: 'stripe', method: 'card', currencies: ['KWD'], paymentMethod: 'pm_card_visa' }],
      },
    ]),
  };
  // The gateway answers (the intake asks it who owns a transaction, oms/mib/transactionOwner.ts): only
  // Temporal is away.
  const defaults = configValues;
  const gatewaySim = createGatewaySimulator({
    apiKey: defaults.GATEWAY_API_KEY,
    webhookSecret: defaults.GATEWAY_WEBHOOK_SECRET,
  });
  let gateway: RunningServer;
  let config: ReturnType<typeof loadSettleConfig>;
  beforeAll(async () => {
    gateway = await listen(gatewaySim.app, 0);
    config = loadSettleConfig({ ...defaults, GATEWAY_URL: gateway.url });
    // Nothing listens on port 1; one attempt per call keeps the test short.
    connection = Connection.lazy({
      address: '127.0.0.1:1',
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))],
    });
    api = await listen(
      createApi({
        temporal: new Client({ connection }),
        taskQueue: 'unused',
        providers: createProviderRegistry(config),
        logger: recordingLogger,
        mibIntakeSecret: config.MIB_INTAKE_SECRET,
        settlement: settlementPolicies(config),
        spryker: sprykerSettingsOf(config),
        deity: deitySettingsOf(config),
      }),
      0,
    );
  });
  afterAll(async () => {
    await api.close();
    await connection.close();
    gatewaySim.stop();
    await gateway.close();
  });

  const capture = (id?: number) => ({
    jsonrpc: '2.0',
    ...(id === undefined ? {} : { id }),
    method: 'magento.payments.payments_management.capture',
    params: {
      payment: {
        reference: 'P',
        currency: 'EUR',
        transactions: [{ amount: '1.00', gateway_information: { transaction_id: 'a' } }],
      },
    },
  });
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${config.MIB_INTAKE_SECRET}`,
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const internalError = (id: number | null) => ({
    jsonrpc: '2.0',
    id,
    error: { code: -32603, message: 'Internal error: the command could not be accepted; retry' },
  });

  it('answers a command -32603 with HTTP 503, and logs why for the operator', async () => {
    expect(await post('/mib', capture(7))).toEqual({ status: 503, body: internalError(7) });
    expect(logged.at(-1)).toEqual({
      level: 'error',
      message: 'could not start the payment workflow',
      fields: expect.objectContaining({ reference: 'P', cause: expect.stringMatching(/UNAVAILABLE/) }),
    });
  });

  it('answers 503 also to a command without id, which would otherwise get no answer at all', async () => {
    expect(await post('/mib', capture())).toEqual({ status: 503, body: internalError(null) });
  });

  it('answers 503 to a batch in which a command could not be accepted', async () => {
    const answer = await post('/mib', [capture(1), { jsonrpc: '2.0', id: 2, method: 'nope' }]);
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual([
      internalError(1),
      { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'Method not found: nope' } },
    ]);
  });

  it('gets as far as Temporal with a MOM-shaped payment (null and any type in the fields Settle does not read)', async () => {
    for (const value of UNUSED_VALUES) {
      const command = capture(8);
      const mom = { ...command, params: { payment: withUnusedFields(command.params.payment, value) } };
      expect(await post('/mib', mom)).toEqual({ status: 503, body: internalError(8) });
    }
  });

  describe('logs each refused command once, at warn, with its reason', () => {
    const payment = capture(1).params.payment;
    const transaction = payment.transactions[0]!;
    const withPayment = (change: Record<string, unknown>, id?: number) => ({
      ...capture(id),
      params: { payment: { ...payment, ...change } },
    });
    const withTransaction = (change: Record<string, unknown>, id?: number) =>
      withPayment({ transactions: [{ ...transaction, ...change }] }, id);
    const atProvider = (gatewayId: string, currency: string, amount: string) =>
      withPayment({
        currency,
        transactions: [
          { ...transaction, amount, gateway_information: { transaction_id: 'a', gateway_id: gatewayId } },
        ],
      });
    const issue = (path: string, message: string | RegExp) => ({
      path: `params.payment.${path}`,
      message: typeof message === 'string' ? message : expect.stringMatching(message),
    });
    const CAPTURE = 'magento.payments.payments_management.capture';
    const cases = [
      ['a bad currency', withPayment({ currency: 'euro' }), 400, -32602, issue('currency', /ISO 4217/)],
      [
        'a bad amount',
        withTransaction({ amount: '10.001' }),
        400,
        -32602,
        issue('transactions.0.amount', 'has more than 2 decimals allowed for EUR'),
      ],
      [
        'a missing transaction_id',
        withTransaction({ gateway_information: {} }),
        400,
        -32602,
        issue('transactions.0.gateway_information.transaction_id', 'required: the authorization to capture'),
      ],
      [
        'an unknown gateway_id',
        withTransaction({ gateway_information: { transaction_id: 'a', gateway_id: 'acme' } }),
        400,
        -32602,
        issue('transactions.0.gateway_information.gateway_id', /^no provider of that name is configured/),
      ],
      [
        'an MGA amount with ariary fractions for Stripe, which writes MGA without decimals',
        atProvider('stripe', 'MGA', '50.50'),
        400,
        -32602,
        issue(
          'transactions.0.amount',
          'Stripe writes MGA with 0 decimals: the amount must be a multiple of 1.00 MGA (https://docs.stripe.com/currencies)',
        ),
      ],
      [
        'a KWD amount not ending in 0 for Stripe',
        atProvider('stripe', 'KWD', '5.125'),
        400,
        -32602,
        issue(
          'transactions.0.amount',
          'Stripe takes KWD only in multiples of 0.010 KWD (https://docs.stripe.com/currencies)',
        ),
      ],
      [
        'a CVE amount with centavos for Adyen, which writes CVE without decimals',
        atProvider('adyen', 'CVE', '100.50'),
        400,
        -32602,
        issue(
          'transactions.0.amount',
          'Adyen writes CVE with 0 decimals: the amount must be a multiple of 1.00 CVE (https://docs.adyen.com/development-resources/currency-codes)',
        ),
      ],
      [
        'a capture of nothing',
        withTransaction({ amount: '0.00' }),
        400,
        -32602,
        issue('transactions.0.amount', 'a capture of nothing moves no money'),
      ],
    ] as const;

    const warnings = () => logged.filter((line) => line.level === 'warn');
    beforeEach(() => void logged.splice(0));

    it.each(cases)('%s', async (_case, body, status, code, reason) => {
      const answer = await post('/mib', { ...body, id: 3 });
      expect(answer).toEqual({
        status,
        body: {
          jsonrpc: '2.0',
          id: 3,
          error: { code, message: 'Invalid params', data: { issues: [reason] } },
        },
      });
      expect(warnings()).toEqual([
        {
          level: 'warn',
          message: 'refused a payment command',
          fields: { method: CAPTURE, reference: 'P', code, error: 'Invalid params', issues: [reason] },
        },
      ]);
      // The line names the payment by its reference only: no amount, no secret.
      const line = JSON.stringify(warnings());
      for (const kept of ['10.001', '"1.00"', '0.00', '50.50', '5.125', '100.50', config.MIB_INTAKE_SECRET])
        expect(line).not.toContain(kept);
    });

    it('an invalid envelope', async () => {
      const answer = await post('/mib', { ...capture(4), jsonrpc: '1.0' });
      expect(answer).toEqual({
        status: 400,
        body: { jsonrpc: '2.0', id: 4, error: expect.objectContaining({ code: -32600 }) },
      });
      expect(warnings()).toEqual([
        {
          level: 'warn',
          message: 'refused a payment command',
          fields: {
            method: CAPTURE,
            reference: 'P',
            code: -32600,
            error: 'Invalid Request',
            issues: [{ path: '$.jsonrpc', message: expect.any(String) }],
          },
        },
      ]);
    });

    it('an unknown method', async () => {
      const answer = await post('/mib', {
        ...capture(5),
        method: 'magento.payments.payments_management.explode',
      });
      expect(answer.status).toBe(404);
      expect(warnings()).toEqual([
        {
          level: 'warn',
          message: 'refused a payment command',
          fields: {
            method: 'magento.payments.payments_management.explode',
            reference: 'P',
            code: -32601,
            error: 'Method not found: magento.payments.payments_management.explode',
            issues: undefined,
          },
        },
      ]);
    });

    it('a command without id (a JSON-RPC notification): answered with nothing, as JSON-RPC requires, but logged', async () => {
      const response = await fetch(`${api.url}/mib`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${config.MIB_INTAKE_SECRET}` },
        body: JSON.stringify(withPayment({ currency: 'euro' })),
      });
      expect(response.status).toBe(204);
      expect(warnings()).toEqual([
        {
          level: 'warn',
          message: 'refused a payment command sent without id (no answer)',
          fields: expect.objectContaining({
            method: CAPTURE,
            reference: 'P',
            code: -32602,
            issues: [issue('currency', /ISO 4217/)],
          }),
        },
      ]);
    });

    it.each([
      ['a body that is not JSON', '{"jsonrpc": "2.0",', -32700, 'Parse error: the body is not valid JSON'],
      ['an empty batch', '[]', -32600, 'Invalid Request: empty batch'],
    ])('%s', async (_case, body, code, error) => {
      const response = await fetch(`${api.url}/mib`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${config.MIB_INTAKE_SECRET}` },
        body,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code, message: error } });
      expect(warnings()).toEqual([
        { level: 'warn', message: 'refused a payment command', fields: { code, error } },
      ]);
    });

    it('each command of a batch once', async () => {
      const batch = cases.map(([, body], index) => ({ ...body, id: 10 + index }));
      const answer = await post('/mib', [...batch, { ...capture(), method: 'nope' }]);
      expect(answer.status).toBe(200);
      expect(answer.body).toHaveLength(cases.length);
      expect(warnings().map((line) => line.fields?.issues ?? line.fields?.error)).toEqual([
        ...cases.map(([, , , , reason]) => [reason]),
        'Method not found: nope',
      ]);
    });
  });

  it("refuses at Spryker's checkout an amount the method's provider cannot take, before asking Temporal", async () => {
    const checkout = (grandTotal: number) =>
      post(
        '/spryker/private/initialize-payment',
        {
          orderData: {
            orderReference: 'DE--MGA-1',
            currencyCode: 'MGA',
            grandTotal,
            items: [{ idSalesOrderItem: 1 }],
            paymentMethodName: 'Stripe Card',
            additionalPaymentData: { paymentMethodToken: 'pm_card_visa' },
          },
        },
        { 'x-tenant-identifier': LOCAL_SPRYKER_TENANT, authorization: `Bearer ${LOCAL_SPRYKER_TOKEN}` },
      );
    logged.splice(0);
    // 50.50 Ar: Stripe writes MGA without decimals.
    expect(await checkout(5050)).toEqual({
      status: 400,
      body: {
        error: 'invalid checkout',
        issues: [
          {
            path: 'body.orderData.grandTotal',
            message:
              'Stripe writes MGA with 0 decimals: the amount must be a multiple of 1.00 MGA (https://docs.stripe.com/currencies)',
          },
        ],
      },
    });
    expect(logged).toEqual([
      {
        level: 'warn',
        message: 'refused a Spryker checkout',
        fields: { tenant: LOCAL_SPRYKER_TENANT, status: 400, error: 'invalid checkout' },
      },
    ]);
    // 50.00 Ar goes on, as far as Temporal.
    expect((await checkout(5000)).status).toBe(503);
  });

  it("refuses at Deity's validate an amount the method's provider cannot take, before asking Temporal", async () => {
    // Through the door's handler: over HTTP, the profile's methods are read from Temporal first.
    const deps = {
      temporal: new Client({ connection }),
      taskQueue: 'unused',
      providers: createProviderRegistry(config),
      logger: recordingLogger,
      settlement: settlementPolicies(config),
      deity: deitySettingsOf(config),
    };
    const profile = config.DEITY_PROFILES![0]!;
    const payload = (amount: number) => ({
      id: 'ORD-KWD-1',
      currency: 'KWD',
      total: { grandTotal: amount },
      items: [{ id: 1, quantity: 1, price: amount }],
      provider: 'stripe',
      method: 'card',
    });
    // 5.125 KD: Stripe's three-decimal amounts end in 0.
    const refusal = await validateOrder(deps, profile, payload(5.125)).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(OrderRefusal);
    expect(refusal).toMatchObject({
      status: 400,
      message: 'invalid request',
      issues: [
        {
          path: 'body.total.grandTotal',
          message: 'Stripe takes KWD only in multiples of 0.010 KWD (https://docs.stripe.com/currencies)',
        },
      ],
    });
    // 5.120 KD goes on, as far as Temporal.
    await expect(validateOrder(deps, profile, payload(5.12))).rejects.not.toBeInstanceOf(OrderRefusal);
  });

  it('answers a verified webhook 503, so that the gateway delivers it again', async () => {
    const event = gatewayEvent(config.GATEWAY_WEBHOOK_SECRET, {
      eventId: 'evt_1',
      operationId: 'cap_1',
      workflowId: 'payment:P:capture:x',
    });
    const answer = await post('/webhooks/gateway', event.body, event.headers);
    expect(answer).toEqual({ status: 503, body: { error: 'temporarily unable to record the event' } });
  });
});
