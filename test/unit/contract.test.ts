import { PAYMENT_COMMANDS } from '../../domain/commands';
import {
  commandOfMethod,
  isMibCommand,
  NOTIFICATION_METHODS,
  notificationMethod,
} from '../../oms/mib/methods';
import { canonicalJson, fingerprint } from '../../domain/fingerprint';
import { parsePaymentWorkflowId, paymentWorkflowId } from '../../domain/workflowId';
import { authorizeWorkflowId, orderPaymentWorkflowId } from '../../domain/orderPayment';
import type { OutcomeReport } from '../../domain/outcome';
import { buildNotification } from '../../oms/mib/notification';
import {
  commandAmount,
  commandParamsSchema,
  commandTransaction,
  orderIdOf,
  paymentOf,
  providerHints,
  type Payment,
} from '../../oms/mib/payment';
import { issuesOf } from '../../domain/issues';
import { passedBackText, UNUSED_VALUES, withUnusedFields } from '../helpers/momPayments';

const NS = 'magento.payments.payments_management';

describe('the command → notification table', () => {
  it('maps each of the five commands to its two notifications', () => {
    const pairs = PAYMENT_COMMANDS.filter(isMibCommand).map((command) => [
      command,
      notificationMethod(command, true).slice(NS.length + 1),
      notificationMethod(command, false).slice(NS.length + 1),
    ]);
    expect(pairs).toEqual([
      ['validate', 'notify_validated', 'notify_validation_failed'],
      ['revalidate', 'notify_revalidated', 'notify_revalidation_failed'],
      ['capture', 'notify_captured', 'notify_capture_failed'],
      ['refund', 'notify_refunded', 'notify_refund_failed'],
      ['cancel', 'notify_cancelled', 'notify_cancellation_failed'],
    ]);
    expect(NOTIFICATION_METHODS.size).toBe(10);
    // An authorize is a command of the order doors only: MIB has no method and no notification for it.
    expect(() => notificationMethod('authorize', true)).toThrow('MIB has no notification for an authorize');
    expect(commandOfMethod(`${NS}.authorize`)).toBeUndefined();
  });

  it('recognises payment command methods and nothing else', () => {
    expect(commandOfMethod(`${NS}.capture`)).toBe('capture');
    expect(commandOfMethod(`${NS}.notify_captured`)).toBeUndefined();
    expect(commandOfMethod('magento.other.capture')).toBeUndefined();
    expect(commandOfMethod('capture')).toBeUndefined();
  });
});

describe('workflow ids', () => {
  it('round-trip, also when the reference contains colons', () => {
    const parts = { reference: 'ORD:1:PAY', command: 'capture' as const, fingerprint: 'abc123' };
    expect(paymentWorkflowId(parts)).toBe('payment:ORD:1:PAY:capture:abc123');
    expect(parsePaymentWorkflowId(paymentWorkflowId(parts))).toEqual(parts);
  });

  it("read an order's authorize command as a payment command on the order's payment key", () => {
    const orderId = orderPaymentWorkflowId({ door: 'spryker', tenant: 'shop-eu', orderReference: 'DE:1' });
    expect(parsePaymentWorkflowId(authorizeWorkflowId(orderId))).toEqual({
      reference: 'spryker:shop-eu:DE:1',
      command: 'authorize',
      fingerprint: '',
    });
    expect(parsePaymentWorkflowId(orderId)).toBeUndefined();
  });

  it('reject ids that are not payment workflow ids', () => {
    expect(parsePaymentWorkflowId('payment:ref:explode:abc')).toBeUndefined();
    expect(parsePaymentWorkflowId('order:ref:capture:abc')).toBeUndefined();
    expect(parsePaymentWorkflowId('order:door:ref:authorize')).toBeUndefined();
    expect(parsePaymentWorkflowId('payment::capture:abc')).toBeUndefined();
  });

  it('fingerprint content, not key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 2 }], c: 3 } })).toBe(
      '{"a":{"c":3,"d":[2,{"e":2,"f":1}]},"b":1}',
    );
    expect(fingerprint({ a: 1, b: 2 })).toBe(fingerprint({ b: 2, a: 1 }));
    expect(fingerprint({ a: 1, b: 2 })).not.toBe(fingerprint({ a: 1, b: 3 }));
  });
});

describe('the payment model', () => {
  const payment = {
    reference: 'PAY-1',
    currency: 'EUR',
    unknown_top_level: { kept: true },
    transactions: [{ amount: '10.00', gateway_information: { transaction_id: 'auth_1', extra: 'x' } }],
  };

  it('keeps unknown fields', () => {
    const parsed = commandParamsSchema.parse({ payment });
    expect(parsed.payment).toEqual(payment);
  });

  it('reports the failing field paths, without the amount itself', () => {
    const result = commandParamsSchema.safeParse({
      payment: { ...payment, transactions: [{ amount: '10.001' }, { amount: -1 }] },
    });
    expect(result.success).toBe(false);
    // Only the acted-on transaction is read; the second one passes back unread.
    expect(issuesOf(result.error!, 'params')).toEqual([
      {
        path: 'params.payment.transactions.0.amount',
        message: 'has more than 2 decimals allowed for EUR',
      },
    ]);
  });

  it.each([
    ['a reference that is not a string', { reference: 7 }, 'params.payment.reference'],
    ['an empty reference', { reference: '' }, 'params.payment.reference'],
    ['a currency that is null', { currency: null }, 'params.payment.currency'],
    ['a currency that is no ISO code', { currency: 'euro' }, 'params.payment.currency'],
    ['an unknown ISO 4217 currency', { currency: 'XYZ' }, 'params.payment.currency'],
    ['no transaction', { transactions: [] }, 'params.payment.transactions'],
    ['transactions that are null', { transactions: null }, 'params.payment.transactions'],
    ['a transaction that is null', { transactions: [null] }, 'params.payment.transactions.0'],
    ['an amount that is null', { transactions: [{ amount: null }] }, 'params.payment.transactions.0.amount'],
    ['a negative amount', { transactions: [{ amount: -1 }] }, 'params.payment.transactions.0.amount'],
    [
      'gateway_information that is null',
      { transactions: [{ amount: '1.00', gateway_information: null }] },
      'params.payment.transactions.0.gateway_information',
    ],
    [
      'a transaction_id that is a number',
      { transactions: [{ amount: '1.00', gateway_information: { transaction_id: 5 } }] },
      'params.payment.transactions.0.gateway_information.transaction_id',
    ],
    [
      'a gateway_id that is null',
      { transactions: [{ amount: '1.00', gateway_information: { transaction_id: 't', gateway_id: null } }] },
      'params.payment.transactions.0.gateway_information.gateway_id',
    ],
  ])('refuses %s, naming the field alone', (_case, change, path) => {
    const result = paymentOf({ payment: { ...payment, ...change } });
    expect('error' in result && issuesOf(result.error, 'params').map((issue) => issue.path)).toEqual([path]);
  });

  describe.each(UNUSED_VALUES.map((value) => [JSON.stringify(value), value]))(
    'with %s in every field Settle does not read',
    (_name, value) => {
      const mom = withUnusedFields(payment, value);

      it('is accepted, as the payment MIB sent (not a copy)', () => {
        const result = paymentOf({ payment: mom });
        expect('payment' in result && result.payment).toBe(mom);
      });

      it('reads the same command from it: amount, authorization, provider hints', () => {
        const plain = paymentOf({ payment }) as { payment: Payment };
        const odd = paymentOf({ payment: mom }) as { payment: Payment };
        expect(commandAmount(odd.payment)).toEqual(commandAmount(plain.payment));
        expect(commandTransaction(odd.payment).gateway_information?.transaction_id).toBe('auth_1');
        expect(providerHints(odd.payment)).toEqual({
          gatewayId: undefined,
          paymentMethod: typeof value === 'string' ? value : undefined,
        });
      });

      it('goes back in the notification byte for byte, beside the gateway result', () => {
        const result: OutcomeReport = {
          provider: 'gateway',
          outcome: 'settled',
          operationId: 'cap_1',
          status: 'succeeded',
        };
        const notification = buildNotification('n-1', `${NS}.notify_captured`, mom as Payment, result);
        const sent = notification.params.payment;
        expect(passedBackText(sent)).toBe(passedBackText({ ...mom, transactions: sentTransactions(mom) }));
        expect(sent.transactions[0].gateway_information).toMatchObject({
          operation_id: 'cap_1',
          operation_status: 'succeeded',
          payment_service_response: JSON.stringify(result),
        });
        expect(JSON.stringify(Object.keys(sent))).toBe(JSON.stringify(Object.keys(mom)));
      });
    },
  );

  it('searches by a numeric order_id as text, and by the reference when there is none to search by', () => {
    const orderId = (value: unknown) =>
      orderIdOf((paymentOf({ payment: { ...payment, order_id: value } }) as { payment: Payment }).payment);
    expect(orderId(100000123)).toBe('100000123');
    expect(orderId('ORD-9')).toBe('ORD-9');
    for (const none of [null, '', { id: 1 }, [], true, undefined]) expect(orderId(none)).toBe('PAY-1');
  });

  it('merges the gateway result into the notification without losing fields', () => {
    const notification = buildNotification(
      'n-1',
      `${NS}.notify_capture_failed`,
      commandParamsSchema.parse({ payment }).payment,
      {
        provider: 'gateway',
        outcome: 'declined',
        operationId: 'cap_1',
        status: 'declined',
        reason: 'insufficient_funds',
      },
    );
    expect(notification).toMatchObject({
      jsonrpc: '2.0',
      id: 'n-1',
      method: `${NS}.notify_capture_failed`,
      params: {
        reason: 'insufficient_funds',
        payment: {
          unknown_top_level: { kept: true },
          transactions: [
            {
              amount: '10.00',
              gateway_information: {
                transaction_id: 'auth_1',
                extra: 'x',
                gateway_id: 'gateway',
                operation_id: 'cap_1',
                operation_status: 'declined',
              },
            },
          ],
        },
      },
    });
  });
});

/** The transactions as Settle sends them: the first one gains the gateway_id it lacked, in the last place. */
function sentTransactions(payment: Record<string, unknown>): unknown[] {
  const [first, ...rest] = payment.transactions as Record<string, Record<string, unknown>>[];
  return [
    { ...first, gateway_information: { ...first!.gateway_information, gateway_id: 'gateway' } },
    ...rest,
  ];
}
