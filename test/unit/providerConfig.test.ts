import { loadConfig, localDefaults } from '../../config';
import { createLogger, writeLogLine } from '../../config/logger';
import { paymentSchema, providerHints, type Payment } from '../../oms/mib/payment';
import { createProviderRegistry } from '../../providers/fromConfig';
import { parseRoutes } from '../../providers/routes';
import { configError } from '../helpers/configError';

/** Which providers a configuration enables, how payments are routed to them, and that their secrets stay out of logs. */
const stripe = { STRIPE_API_KEY: 'sk_test_routing', STRIPE_WEBHOOK_SECRET: 'whsec_routing' };
const adyen = {
  ADYEN_API_KEY: 'AQE-routing-key',
  ADYEN_MERCHANT_ACCOUNT: 'SettleECOM',
  ADYEN_HMAC_KEY: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
};
const withoutGateway = {
  ...localDefaults(),
  GATEWAY_URL: undefined,
  GATEWAY_API_KEY: undefined,
  GATEWAY_WEBHOOK_SECRET: undefined,
};

const configErrorOf = (env: Record<string, string | undefined>) => configError(() => loadConfig(env));

describe('provider configuration', () => {
  it('needs no provider settings beyond those of providers that serve payments', () => {
    expect(createProviderRegistry(loadConfig(localDefaults())).names).toEqual(['gateway']);
    const config = loadConfig({ ...withoutGateway, DEFAULT_PROVIDER: 'stripe', ...stripe });
    expect(createProviderRegistry(config).names).toEqual(['stripe']);
  });

  it('stops start-up naming each missing secret of a provider that serves payments, and why it does', () => {
    const routed = configErrorOf({ ...localDefaults(), PROVIDER_ROUTES: 'stripe:payment_method=card' });
    expect(routed).toContain(
      'stripe.api_key (STRIPE_API_KEY): required (PROVIDER_ROUTES sends payments to stripe)',
    );
    expect(routed).toContain('stripe.webhook_secret (STRIPE_WEBHOOK_SECRET): required');
    expect(configErrorOf({ ...localDefaults(), ADYEN_API_KEY: 'AQE-routing-key' })).toMatch(
      /adyen\.merchant_account \(ADYEN_MERCHANT_ACCOUNT\): required \(ADYEN_API_KEY configures adyen\)\n.*adyen\.hmac_key \(ADYEN_HMAC_KEY\): required/,
    );
    expect(
      configErrorOf({ ...withoutGateway, ...adyen, DEFAULT_PROVIDER: 'adyen', ADYEN_ENVIRONMENT: 'live' }),
    ).toContain('adyen.live_url_prefix (ADYEN_LIVE_URL_PREFIX): required (ADYEN_ENVIRONMENT is live)');
    expect(configErrorOf(withoutGateway)).toContain(
      'gateway.url (GATEWAY_URL): required (gateway is the default provider',
    );
  });

  it("refuses Stripe's configured checkout payment method outside test mode", () => {
    const withMethod = { ...withoutGateway, DEFAULT_PROVIDER: 'stripe', ...stripe };
    const registry = (apiKey: string) =>
      createProviderRegistry(
        loadConfig({ ...withMethod, STRIPE_API_KEY: apiKey, STRIPE_CHECKOUT_PAYMENT_METHOD: 'pm_card_visa' }),
      );
    expect(registry('sk_test_routing').names).toEqual(['stripe']);
    expect(() => registry('sk_live_routing')).toThrow(
      /STRIPE_CHECKOUT_PAYMENT_METHOD \(stripe\.checkout_payment_method\) is for test mode only, and STRIPE_API_KEY is a live key/,
    );
    expect(() => registry('sk_live_routing')).not.toThrow(/sk_live_routing/);
    expect(
      createProviderRegistry(loadConfig({ ...withMethod, STRIPE_API_KEY: 'sk_live_routing' })).names,
    ).toEqual(['stripe']);
  });

  it('refuses malformed routes and secrets, naming the key and not the value', () => {
    const message = configErrorOf({
      ...localDefaults(),
      PROVIDER_ROUTES: 'paypal:gateway_id=pp',
      STRIPE_API_KEY: 'pk_test_publishable',
      STRIPE_WEBHOOK_SECRET: 'whsec_routing',
    });
    expect(message).toMatch(
      /providers\.routes \(PROVIDER_ROUTES\): "paypal:gateway_id=pp" must start with a provider/,
    );
    expect(message).toMatch(/stripe\.api_key \(STRIPE_API_KEY\): must be a Stripe secret or restricted key/);
    expect(message).not.toContain('pk_test_publishable');
    expect(() => parseRoutes('stripe:currency=EUR')).toThrow(
      /must be gateway_id=<value> or payment_method=<value>/,
    );
  });
});

describe('provider routing', () => {
  const registry = createProviderRegistry(
    loadConfig({
      ...localDefaults(),
      ...stripe,
      ...adyen,
      PROVIDER_ROUTES:
        'stripe:gateway_id=stripe_eu, adyen:payment_method=scheme&gateway_id=acme, stripe:payment_method=card',
    }),
  );
  const payment = (transaction: Record<string, unknown>): Payment =>
    paymentSchema.parse({
      reference: 'PAY-R',
      currency: 'EUR',
      transactions: [{ amount: '1.00', ...transaction }],
    });

  it.each([
    [{ gateway_information: { gateway_id: 'stripe_eu' } }, 'stripe'],
    [{ payment_method: 'scheme', gateway_information: { gateway_id: 'acme' } }, 'adyen'],
    [{ payment_method: 'card', gateway_information: { gateway_id: 'whatever' } }, 'stripe'],
    [{ payment_method: 'scheme', gateway_information: { gateway_id: 'adyen' } }, 'adyen'],
    [{ payment_method: 'scheme' }, 'gateway'],
    [{ gateway_information: { gateway_id: 'gateway' } }, 'gateway'],
    [{ gateway_information: { gateway_id: 'paypal' } }, undefined],
  ])('routes %j to %s', (transaction, provider) => {
    expect(registry.nameFor(providerHints(payment(transaction)))).toBe(provider);
  });
});

describe('secrets in logs', () => {
  it('masks every configured secret in every log line, wherever it appears', () => {
    loadConfig({ ...localDefaults(), ...stripe, ...adyen });
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      createLogger('test').error('provider call failed', {
        error: new Error(`request with ${stripe.STRIPE_API_KEY} refused`),
        header: `Bearer ${adyen.ADYEN_API_KEY}`,
      });
      writeLogLine({
        time: new Date(),
        level: 'warn',
        component: 'temporal',
        message: `hmac ${adyen.ADYEN_HMAC_KEY}`,
      });
    } finally {
      write.mockRestore();
    }
    const output = lines.join('');
    for (const secret of [stripe.STRIPE_API_KEY, adyen.ADYEN_API_KEY, adyen.ADYEN_HMAC_KEY]) {
      expect(output).not.toContain(secret);
    }
    expect(output.match(/\[redacted\]/g)).toHaveLength(3);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      message: 'provider call failed',
      header: 'Bearer [redacted]',
    });
  });
});
