import type { Client } from '@temporalio/client';
import { stableUuid } from '../../domain/fingerprint';
import { toMajorUnits } from '../../domain/money';
import type { MoneyCommand, OrderPaymentState } from '../../domain/orderPayment';
import type { FinalOutcome } from '../../domain/outcome';
import type { AuthorizationReportRequest, Reporter, ReportRequest } from '../door';
import { recordOrderOutcome } from '../orderPayments';
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
  command: MoneyCommand,
  outcome: FinalOutcome,
  order: OrderPaymentState,
): PaymentStatus {
  if (outcome === 'declined') return command === 'refund' ? 'refund_failed' : 'failed';
  switch (command) {
    case 'capture':
      return 'paid';
    case 'refund':
      return order.refundedMinor >= order.capturedMinor ? 'refunded' : 'partially_refunded';
    case 'cancel':
      return 'canceled';
  }
}

/**
 * Tells a Deity shop what became of its order's payment: the order's payment takes a command's outcome (so
 * the next update is admitted against the new amounts), then PAYMENT_STATUS_UPDATED goes to the profile's
 * routing key, confirmed by the broker. Its messageId derives from the report: a retried report is the same
 * message, which the shop drops by id.
 */
export function createDeityReporter(temporal: Client, publisher: () => StatusPublisher): Reporter {
  const publish = (
    reply: DeityReplyContext,
    reportId: string,
    status: PaymentStatus,
    extra: Partial<StatusEventBody['payload']>,
    gatewayOrderId?: string,
  ) => {
    const body: StatusEventBody = {
      event: STATUS_EVENT,
      orderId: reply.orderId,
      shopOrderId: reply.orderId,
      ...(gatewayOrderId ? { gatewayOrderId } : {}),
      status,
      payload: {
        provider: reply.provider,
        method: reply.method,
        amount: toMajorUnits({ minor: reply.amountMinor, currency: reply.currency }),
        currency: reply.currency,
        ...extra,
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

  return {
    async report({ reportId, command, context, result }: ReportRequest): Promise<string> {
      const reply = context as DeityReplyContext;
      const key = { door: DEITY_DOOR, tenant: reply.serviceUser, orderReference: reply.orderId };
      const order = await recordOrderOutcome(temporal, key, reply.workflowId!, result.outcome, reportId);
      const status = statusOf(command as MoneyCommand, result.outcome, order);
      await publish(
        reply,
        reportId,
        status,
        {
          ...(order.authorization?.transactionId ? { paymentId: order.authorization.transactionId } : {}),
          ...(result.reason ? { reason: result.reason } : {}),
        },
        order.authorization?.transactionId,
      );
      return status;
    },

    async reportAuthorization({
      reportId,
      context,
      authorization,
    }: AuthorizationReportRequest): Promise<string> {
      const reply = context as DeityReplyContext;
      const status: PaymentStatus = authorization.outcome === 'settled' ? 'authorized' : 'failed';
      await publish(
        reply,
        reportId,
        status,
        {
          ...(authorization.transactionId ? { paymentId: authorization.transactionId } : {}),
          ...(authorization.reason ? { reason: authorization.reason } : {}),
        },
        authorization.transactionId,
      );
      return status;
    },
  };
}
