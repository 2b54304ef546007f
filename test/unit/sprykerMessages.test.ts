import { parseDeepForm } from '../../oms/spryker/formBody';
import {
  COMMAND_NAMES,
  COMMAND_SCHEMAS,
  busMessage,
  incomingAttributes,
  messageIdOf,
  sprykerTimestamp,
} from '../../oms/spryker/messages';
import { tenantOf } from '../../oms/spryker/tenants';
import { rsaPublicKey } from '../../oms/spryker/tokens';
import { dummyTokenProvider } from '../../sim/spryker/accessToken';

/** The Spryker door's reading of what a shop sends, and the shape of what it hands out. */
describe('Spryker messages', () => {
  const capture = { orderReference: 'DE--1', orderItemIds: [1, 2], amount: 3500, currencyIsoCode: 'EUR' };

  it('takes the current command names and the old ones that still deserialize', () => {
    expect(COMMAND_NAMES).toEqual({
      CapturePayment: 'capture',
      CancelPayment: 'cancel',
      RefundPayment: 'refund',
      PaymentConfirmationRequested: 'capture',
      PaymentCancelReservationRequested: 'cancel',
      PaymentRefundRequested: 'refund',
    });
  });

  it('takes amounts as integers in minor units, or as integers written as strings', () => {
    expect(
      COMMAND_SCHEMAS.capture.parse({ ...capture, amount: '3500', orderItemIds: ['1', 2] }),
    ).toMatchObject({
      amount: 3500,
    });
    const refund = { ...capture, amount: -1500, orderItems: [{ orderItemId: 1, sku: 'A' }] };
    expect(COMMAND_SCHEMAS.refund.parse(refund).amount).toBe(-1500);
    expect(COMMAND_SCHEMAS.cancel.parse({ ...capture, amount: 0 }).amount).toBe(0);
  });

  it.each([
    ['capture', { ...capture, amount: 0 }, 'amount', 'a capture amount is positive (minor units)'],
    ['capture', { ...capture, amount: 35.5 }, 'amount', 'an integer'],
    ['capture', { ...capture, orderItemIds: [] }, 'orderItemIds', ''],
    ['refund', { ...capture, orderItems: [{ orderItemId: 1 }] }, 'amount', "a refund's amount is negative"],
    ['cancel', { ...capture, amount: 100 }, 'amount', 'a cancel amount is 0'],
    ['capture', { ...capture, currencyIsoCode: 'eur' }, 'currencyIsoCode', 'an ISO 4217 code'],
    ['capture', { ...capture, orderReference: 'DE 1\n' }, 'orderReference', 'letters, digits'],
    ['capture', { ...capture, amount: '9007199254740993' }, 'amount', 'too large'],
  ] as const)('refuses a %s with a wrong %#: naming the field', (kind, body, field, message) => {
    const parsed = COMMAND_SCHEMAS[kind].safeParse(body);
    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues.find((candidate) => candidate.path[0] === field);
    expect(issue?.message ?? '').toContain(message);
  });

  it('reads the attributes from the headers a shop sends, the deprecated ones as fallbacks', () => {
    expect(
      incomingAttributes({
        name: 'CapturePayment',
        'tenant-identifier': 'shop-1',
        'correlation-id': 'c-1',
        'actor-id': 'shop-1',
        timestamp: '2026-12-01T10:11:12.123456',
      }),
    ).toEqual({
      name: 'CapturePayment',
      tenant: 'shop-1',
      correlationId: 'c-1',
      actorId: 'shop-1',
      timestamp: '2026-12-01T10:11:12.123456',
    });
    expect(
      incomingAttributes({ 'transfer-name': 'RefundPayment', 'store-reference': 'store-1' }),
    ).toMatchObject({
      name: 'RefundPayment',
      tenant: 'store-1',
    });
  });

  it('hands out a message whose body is a JSON string and whose attributes a payment app sets', () => {
    const at = new Date('2026-12-01T10:11:12.345Z');
    const message = busMessage({
      name: 'PaymentCaptured',
      body: capture,
      tenant: 'shop-1',
      appIdentifier: 'settle',
      correlationId: 'c-1',
      seed: 'report-1:PaymentCaptured',
      at,
    });
    expect(message).toEqual({
      MessageId: messageIdOf('report-1:PaymentCaptured'),
      MessageBody: JSON.stringify(capture),
      MessageAttributes: {
        name: 'PaymentCaptured',
        transferName: 'PaymentCaptured',
        event: 'PaymentCaptured',
        tenantIdentifier: 'shop-1',
        storeReference: 'shop-1',
        actorId: 'settle',
        emitter: 'settle',
        correlationId: 'c-1',
        timestamp: '2026-12-01T10:11:12.345000',
      },
    });
    expect(sprykerTimestamp(at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    // Stable and UUID-shaped: the same report is the same message.
    expect(messageIdOf('x')).toBe(messageIdOf('x'));
    expect(messageIdOf('x')).not.toBe(messageIdOf('y'));
    expect(messageIdOf('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('reads a form-encoded checkout as the nested object it stands for, prototype keys dropped', () => {
    const form =
      'orderData%5BorderReference%5D=DE--1&orderData%5BgrandTotal%5D=1000&orderData%5Bitems%5D%5B0%5D%5BidSalesOrderItem%5D=7' +
      '&orderData%5Bitems%5D%5B1%5D%5BidSalesOrderItem%5D=8&__proto__%5Bpolluted%5D=1&orderData%5B__proto__%5D%5Bx%5D=1&bad%5B=1';
    const parsed = parseDeepForm(form);
    expect(parsed).toEqual({
      orderData: {
        orderReference: 'DE--1',
        grandTotal: '1000',
        items: [{ idSalesOrderItem: '7' }, { idSalesOrderItem: '8' }],
      },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("authenticates a call as the tenant it names, with that tenant's token only", () => {
    const settings = {
      tenants: new Map([
        ['shop-1', 'token-of-shop-one'],
        ['shop-2', 'token-of-shop-two'],
      ]),
      methods: new Map<string, string>(),
      appIdentifier: 'settle',
      checkoutWaitMs: 1000,
    };
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    expect(tenantOf(bearer('token-of-shop-one'), 'shop-1', settings)).toEqual({ who: 'shop-1' });
    // A configured tenant is claimed: its failures are counted apart (http/throttle.ts).
    expect(tenantOf(bearer('token-of-shop-two'), 'shop-1', settings)).toEqual({
      refused: 'wrong bearer token for this tenant',
      claimed: 'shop-1',
    });
    expect(tenantOf(bearer('token-of-shop-one'), 'shop-3', settings)).toEqual({
      refused: 'unknown tenant "shop-3"',
    });
    expect(tenantOf({}, 'shop-1', settings)).toEqual({
      refused: 'authentication required: Authorization: Bearer <token>',
      claimed: 'shop-1',
    });
    expect(tenantOf(bearer('token-of-shop-one'), undefined, settings)).toEqual({
      refused: 'the call names no tenant',
    });
    expect(tenantOf(bearer('token-of-shop-one'), 'constructor', settings)).toEqual({
      refused: 'unknown tenant "constructor"',
    });
    expect(tenantOf(bearer('token-of-shop-one'), 'shop-1', undefined)).toEqual({
      refused: 'unknown tenant "shop-1"',
    });
  });

  it('takes a refund naming its items in orderItems, or in orderItemIds only as sales-payment 1.7.0 sends it', () => {
    const refund = { orderReference: 'DE--1', amount: -2000, currencyIsoCode: 'EUR' };
    expect(COMMAND_SCHEMAS.refund.safeParse({ ...refund, orderItemIds: [2] }).success).toBe(true);
    expect(
      COMMAND_SCHEMAS.refund.safeParse({
        ...refund,
        orderItemIds: [2],
        orderItems: [{ orderItemId: 2, sku: 'B' }],
      }).success,
    ).toBe(true);
    const neither = COMMAND_SCHEMAS.refund.safeParse({ ...refund, orderItemIds: [] });
    expect(neither.success).toBe(false);
    expect(neither.error?.issues).toEqual([
      expect.objectContaining({
        path: ['orderItems'],
        message: expect.stringMatching(/^missing: a refund names/),
      }),
    ]);
  });

  it('authenticates a tenant by an access token found valid, whose tenant claim (if any) names it', () => {
    const shop = dummyTokenProvider();
    const settings = {
      tenants: new Map([['shop-1', 'token-of-shop-one']]),
      methods: new Map<string, string>(),
      appIdentifier: 'settle',
      checkoutWaitMs: 1000,
      tokens: {
        keys: { publicKey: rsaPublicKey(shop.publicKeyPem) },
        audiences: { bus: 'aop-event-platform', checkout: 'aop-app' },
        clockSkewSeconds: 60,
        tenantClaim: 'tenant_identifier',
      },
    };
    const jwt = { authorization: `Bearer ${shop.token('bus')}` };
    const valid = (claims: Record<string, unknown>) => ({ ok: true as const, claims });
    expect(tenantOf(jwt, 'shop-9', settings, valid({}))).toEqual({ who: 'shop-9' });
    expect(tenantOf(jwt, 'shop-9', settings, valid({ tenant_identifier: 'shop-9' }))).toEqual({
      who: 'shop-9',
    });
    expect(tenantOf(jwt, 'shop-9', settings, valid({ tenant_identifier: 'shop-1' }))).toEqual({
      refused: 'the token\'s "tenant_identifier" claim names another tenant',
    });
    expect(tenantOf(jwt, 'shop:9', settings, valid({}))).toEqual({
      refused: '"shop:9" is not a tenant identifier (letters, digits, _ . - only)',
    });
    expect(tenantOf(jwt, 'shop-1', settings, { ok: false, refused: 'the token has expired' })).toEqual({
      refused: 'the token has expired',
      claimed: 'shop-1',
    });
    // The static token still serves its tenant; a token that is no JWT serves no other.
    expect(tenantOf({ authorization: 'Bearer token-of-shop-one' }, 'shop-1', settings)).toEqual({
      who: 'shop-1',
    });
    expect(tenantOf({ authorization: 'Bearer token-of-shop-one' }, 'shop-9', settings)).toEqual({
      refused: 'the bearer token is not an access token (JWT)',
    });
    // A route that did not have the token verified first is a bug, not a refusal.
    expect(() => tenantOf(jwt, 'shop-9', settings)).toThrow(/not verified/);
  });
});
