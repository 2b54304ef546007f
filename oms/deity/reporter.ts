import type { Client } from '@temporalio/client';
import { stableUuid } from '../../domain/fingerprint';
import { toMajorUnits } from '../../domain/money';
import type { OrderCommandKind, OrderPaymentState } from '../../domain/orderPayment';
import type { FinalOutcome } from '../../domain/outcome';
import type { Reporter } from '../door';
import { createOrderReporter } from '../orderReporter';
import { eventRoutingKey, STATUS_EVENT, type PaymentStatus, type StatusEventBody } from './contract';
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

/**
 * Tells a Deity shop what became of its order's payment: the order's payment takes a command's outcome
 * (oms/orderReporter.ts), then PAYMENT_STATUS_UPDATED goes to the profile's routing key, confirmed by the
 * broker. Its messageId derives from the report: a retried report is the same
 * message, which the shop drops by id.
 */
export function createDeityReporter(
  temporal: Client,
  publisher: () => StatusPublisher,
): Reporter<DeityReplyContext> {
  const publish = (
    reply: DeityReplyContext,
    reportId: string,
    status: PaymentStatus,
    /** The authorization's transaction id at the provider, and why it failed, when known. */
    { paymentId, reason }: { readonly paymentId?: string | undefined; readonly reason?: string | undefined },
  ) => {
    const body: StatusEventBody = {
      event: STATUS_EVENT,
      orderId: reply.orderId,
      shopOrderId: reply.orderId,
      ...(paymentId ? { gatewayOrderId: paymentId } : {}),
      status,
      payload: {
        provider: reply.provider,
        method: reply.method,
        amount: toMajorUnits({ minor: reply.amountMinor, currency: reply.currency }),
        currency: reply.currency,
        ...(paymentId ? { paymentId } : {}),
        ...(reason ? { reason } : {}),
      },
    };
    return publisher().publish({
      routingKey: eventRoutingKey(reply.serviceUser),
      messageId: stableUuid(`${reportId}:${status}`),
      type: STATUS_EVENT,
      body,
      timestamp: new Date(),
    });
  };

  return createOrderReporter<DeityReplyContext>(temporal, {
    orderOf: ({ serviceUser, orderId }) => ({
      door: DEITY_DOOR,
      tenant: serviceUser,
      orderReference: orderId,
    }),

    async sendOutcome({ reportId, command, reply, result, order }) {
      const status = statusOf(command, result.outcome, order);
      await publish(reply, reportId, status, {
        paymentId: order.authorization?.transactionId,
        reason: result.reason,
      });
      return status;
    },
  });
}
