import { PAYMENT_COMMANDS } from '../../domain/commands';
import { commandOfMethod, NOTIFICATION_METHODS, notificationMethod } from '../../oms/mib/methods';
import { canonicalJson, fingerprint } from '../../domain/fingerprint';
import { parsePaymentWorkflowId, paymentWorkflowId } from '../../domain/workflowId';
import { buildNotification } from '../../oms/mib/notification';
import { commandParamsSchema } from '../../oms/mib/payment';
import { issuesOf } from '../../oms/mib/jsonRpc';

const NS = 'magento.payments.payments_management';

describe('the command → notification table', () => {
  it('maps each of the five commands to its two notifications', () => {
    const pairs = PAYMENT_COMMANDS.map((command) => [
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

  it('reject ids that are not payment workflow ids', () => {
    expect(parsePaymentWorkflowId('payment:ref:explode:abc')).toBeUndefined();
    expect(parsePaymentWorkflowId('order:ref:capture:abc')).toBeUndefined();
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

  it('reports the failing field paths', () => {
    const result = commandParamsSchema.safeParse({
      payment: { ...payment, transactions: [{ amount: '10.001' }, { amount: -1 }] },
    });
    expect(result.success).toBe(false);
    expect(issuesOf(result.error!, 'params').map((issue) => issue.path)).toEqual([
      'params.payment.transactions.0.amount',
      'params.payment.transactions.1.amount',
    ]);
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
