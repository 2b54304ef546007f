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
});
