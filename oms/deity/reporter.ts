import type { Client } from '@temporalio/client';
import { stableUuid } from '../../domain/fingerprint';
import { toMajorUnits } from '../../domain/money';
import {
  orderPaymentWorkflowId,
  type OrderCommandKind,
  type OrderKey,
  type OrderPaymentState,
} from '../../domain/orderPayment';
import type { FinalOutcome } from '../../domain/outcome';
import type { Reporter } from '../door';
import { createOrderReporter } from '../orderReporter';
import {
  ERROR_EVENT,
  errorRoutingKey,
  eventRoutingKey,
  STATUS_EVENT,
  type ErrorEventBody,
  type PaymentStatus,
  type StatusEventBody,
} from './contract';
import { DEITY_DOOR, type DeityReplyContext } from './door';

/** Where the reporter's events go (oms/deity/publisher.ts): resolves once the broker has confirmed the event. */
export interface StatusPublisher {
  publish(message: {
    readonly routingKey: string;
    readonly messageId: string;
    readonly type: string;
    readonly body: object;
    readonly timestamp: Date;
  }): Promise<void>;
}

/** The status an outcome gives the order's payment, in the event's vocabulary. */
export function statusOf(
  command: OrderCommandKind,
  outcome: FinalOutcome,
  order: OrderPaymentState,
): PaymentStatus {
  if (outcome === 'declined') return command === 'refund' ? 'refund_failed' : 'failed';
  switch (command) {
    case 'authorize':
      return 'authorized';
    case 'capture':
      return 'paid';
    case 'refund':
      return order.refundedMinor >= order.capturedMinor ? 'refunded' : 'partially_refunded';
    case 'cancel':
      return 'canceled';
  }
}

/** The order's payment a Deity order id names. */
export const deityOrderKey = (serviceUser: string, orderId: string): OrderKey => ({
  door: DEITY_DOOR,
  tenant: serviceUser,
  orderReference: orderId,
});

/** The event's three ids of an order: Settle's (its order payment workflow), the shop's, the provider's. */
export function eventIds(serviceUser: string, shopOrderId: string, gatewayOrderId?: string) {
  return {
    orderId: orderPaymentWorkflowId(deityOrderKey(serviceUser, shopOrderId)),
    shopOrderId,
    ...(gatewayOrderId ? { gatewayOrderId } : {}),
  };
}

/** A PAYMENT_ERROR event as the publisher sends it; its id derives from `seed`, so a retry sends the same. */
export function errorEvent(serviceUser: string, seed: string, body: Omit<ErrorEventBody, 'event'>) {
  return {
    routingKey: errorRoutingKey(serviceUser),
    messageId: stableUuid(`${seed}:${ERROR_EVENT}`),
    type: ERROR_EVENT,
    body: { event: ERROR_EVENT, ...body } satisfies ErrorEventBody,
    timestamp: new Date(),
  };
}

/**
 * Tells a Deity shop what became of its order's payment: the order's payment takes a command's outcome
 * (oms/orderReporter.ts), then PAYMENT_STATUS_UPDATED goes to the profile's routing key, confirmed by the
 * broker, and after a decline a PAYMENT_ERROR too. Their messageIds derive from the report: a retried report
 * sends the same messages, which the shop drops by id.
 */
export function createDeityReporter(
  temporal: Client,
  publisher: () => StatusPublisher,
): Reporter<DeityReplyContext> {
  return createOrderReporter<DeityReplyContext>(temporal, {
    orderOf: ({ serviceUser, orderId }) => deityOrderKey(serviceUser, orderId),

    async sendOutcome({ reportId, command, reply, result, order }) {
      const status = statusOf(command, result.outcome, order);
      const paymentId = order.authorization?.transactionId;
      const ids = eventIds(reply.serviceUser, reply.orderId, paymentId);
      const body: StatusEventBody = {
        event: STATUS_EVENT,
        ...ids,
        status,
        payload: {
          provider: reply.provider,
          method: reply.method,
          amount: toMajorUnits({ minor: reply.amountMinor, currency: reply.currency }),
          currency: reply.currency,
          ...(paymentId ? { paymentId } : {}),
          ...(result.reason ? { reason: result.reason } : {}),
        },
      };
      await publisher().publish({
        routingKey: eventRoutingKey(reply.serviceUser),
        messageId: stableUuid(`${reportId}:${status}`),
        type: STATUS_EVENT,
        body,
        timestamp: new Date(),
      });
      if (result.outcome === 'declined') {
        await publisher().publish(
          errorEvent(reply.serviceUser, `${reportId}:${status}`, {
            ...ids,
            error: {
              code: 'declined',
              message: `the ${command} was declined${result.reason ? `: ${result.reason}` : ''}`,
              status,
            },
          }),
        );
      }
      return status;
    },
  });
}
