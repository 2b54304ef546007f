import type { z } from 'zod';
import { fingerprint } from '../../domain/fingerprint';
import {
  orderReferenceKey,
  type MoneyCommand,
  type OrderKey,
  type OrderPaymentState,
} from '../../domain/orderPayment';
import { settlementAt } from '../../domain/settlement';
import { paymentWorkflowId } from '../../domain/workflowId';
import { admitOrderCommand, orderPaymentOf } from '../orderPayments';
import { UnstartableCommandError } from '../startCommand';
import { minorOf, Refusal } from './checkout';
import type { orderUpdateSchema, updateAcceptedSchema } from './contract';
import { DEITY_DOOR, type DeityDependencies, type DeityOrderContext, type DeityReplyContext } from './door';
import type { DeityProfile } from './settings';

type OrderUpdate = z.infer<typeof orderUpdateSchema>;

/** What an update of the order asks for at the provider. */
const COMMANDS: Readonly<Record<OrderUpdate['status'], MoneyCommand | undefined>> = {
  shipped: 'capture',
  refunded: 'refund',
  canceled: 'cancel',
  // Tracking moves no money.
  tracking_added: undefined,
};

/**
 * `sendOrderUpdate`: a shipment captures the shipped items (the shipping with the first capture), a refund
 * refunds its amount (or its items), a cancellation releases what is not captured. Each is one payment command
 * workflow, admitted by the order's payment against its money, under an id derived from what decides the money:
 * the same update again starts nothing and is answered the same updateId. Its outcome follows as a
 * PAYMENT_STATUS_UPDATED event.
 */
export async function receiveOrderUpdate(
  deps: DeityDependencies,
  profile: DeityProfile,
  update: OrderUpdate,
): Promise<z.infer<typeof updateAcceptedSchema>> {
  const command = COMMANDS[update.status];
  const key: OrderKey = { door: DEITY_DOOR, tenant: profile.serviceUser, orderReference: update.orderId };
  const order = await orderPaymentOf(deps.temporal, key);
  if (!order) throw new Refusal(404, `no payment is known for order ${update.orderId}`);
  if (!command) return { accepted: true };
  const context = order.opening.context as DeityOrderContext;
  const amountMinor = amountOf(command, update, order, context);
  const { provider, currency } = order.opening;
  // An amount the provider would read otherwise is refused before anything starts; a cancel sends none.
  const unpayable =
    command === 'cancel'
      ? undefined
      : deps.providers.amountProblem(provider, { minor: amountMinor, currency });
  if (unpayable)
    throw new Refusal(400, 'invalid request', [{ path: 'body.additionalData', message: unpayable }]);
  const workflowId = paymentWorkflowId({
    reference: orderReferenceKey(key),
    command,
    // The update as sent, not the amount derived from it (the shipping goes with the first shipment only).
    fingerprint: fingerprint({ command, currency, update: update.additionalData ?? {} }),
  });
  const reply: DeityReplyContext = {
    serviceUser: profile.serviceUser,
    orderId: update.orderId,
    provider: context.provider,
    method: context.method,
    workflowId,
    amountMinor,
    currency,
  };
  try {
    const admitted = await admitOrderCommand(deps.temporal, key, {
      workflowId,
      input: {
        command,
        reference: orderReferenceKey(key),
        provider,
        transactionId: order.authorization?.transactionId ?? '',
        amountMinor,
        currency,
        settlement: settlementAt(deps.settlement, deps.providers, command, provider),
        reply: { door: DEITY_DOOR, context: reply },
      },
    });
    if ('refused' in admitted) throw new Refusal(409, admitted.refused);
    deps.logger.info('Deity order update accepted', { workflowId, profile: profile.serviceUser });
    return { accepted: true, updateId: admitted.workflowId };
  } catch (error) {
    if (error instanceof UnstartableCommandError) throw new Refusal(400, `${error.path}: ${error.message}`);
    throw error;
  }
}

/** The minor units an update moves; a cancel's is decided by the order's payment (what is not captured). */
function amountOf(
  command: MoneyCommand,
  update: OrderUpdate,
  order: OrderPaymentState,
  context: DeityOrderContext,
): number {
  const { currency } = order.opening;
  const data = update.additionalData;
  if (command === 'cancel') return 0;
  if (command === 'capture') {
    const shipped = data?.shippingData?.items ?? context.items.map(({ id, quantity }) => ({ id, quantity }));
    const items = shipped.reduce((sum, item, index) => {
      const known = context.items.find((line) => line.id === String(item.id));
      if (!known) {
        throw new Refusal(400, 'invalid request', [
          {
            path: `body.additionalData.shippingData.items.${index}.id`,
            message: `no item ${item.id} in the order`,
          },
        ]);
      }
      return sum + known.unitMinor * (item.quantity ?? known.quantity);
    }, 0);
    // The shipping goes with the first shipment, as the shop charged it with the order.
    const first = !Object.values(order.commands).some(
      (known) => known.command === 'capture' && known.state !== 'declined',
    );
    return items + (first ? context.shippingMinor : 0);
  }
  const refund = data?.refundData;
  if (refund?.currency && refund.currency !== currency) {
    throw new Refusal(400, 'invalid request', [
      { path: 'body.additionalData.refundData.currency', message: `the order is in ${currency}` },
    ]);
  }
  if (refund?.amount !== undefined)
    return minorOf(refund.amount, currency, 'body.additionalData.refundData.amount');
  const items = refund?.items ?? [];
  if (items.length === 0) {
    throw new Refusal(400, 'invalid request', [
      { path: 'body.additionalData.refundData', message: 'a refund names its amount or its items' },
    ]);
  }
  return items.reduce((sum, item, index) => {
    const path = `body.additionalData.refundData.items.${index}`;
    if (item.amount !== undefined) return sum + minorOf(item.amount, currency, `${path}.amount`);
    if (item.type === 'shipping') return sum + context.shippingMinor;
    const known = context.items.find((line) => line.id === String(item.id));
    if (!known)
      throw new Refusal(400, 'invalid request', [
        { path: `${path}.id`, message: `no item ${item.id} in the order` },
      ]);
    return sum + known.unitMinor * (item.quantity ?? known.quantity);
  }, 0);
}
