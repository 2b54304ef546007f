import type { z } from 'zod';
import type { MoneyCommand, OrderKey } from '../../domain/orderPayment';
import { admitMoneyCommand, findOrder, type OrderOf } from '../orderCommands';
import { OrderRefusal } from '../orderRefusal';
import { INVALID, minorOf } from './checkout';
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
  const order = await findOrder<DeityOrderContext>(deps, key);
  if (!command) return { accepted: true };
  const { context, currency } = order.opening;
  const amountMinor = amountOf(command, update, order);
  const { workflowId } = await admitMoneyCommand(deps, {
    order,
    command,
    amountMinor,
    currency,
    amountPath: 'body.additionalData',
    // The update as sent, not the amount derived from it (the shipping goes with the first shipment only).
    decidedBy: { currency, update: update.additionalData ?? {} },
    invalid: INVALID,
    reply: (workflowId): DeityReplyContext => ({
      serviceUser: profile.serviceUser,
      orderId: update.orderId,
      provider: context.provider,
      method: context.method,
      workflowId,
      amountMinor,
      currency,
    }),
  });
  deps.logger.info('Deity order update accepted', { workflowId, profile: profile.serviceUser });
  return { accepted: true, updateId: workflowId };
}

/** The minor units an update moves; a cancel's is decided by the order's payment (what is not captured). */
function amountOf(command: MoneyCommand, update: OrderUpdate, order: OrderOf<DeityOrderContext>): number {
  const { currency, context } = order.opening;
  const data = update.additionalData;
  if (command === 'cancel') return 0;
  if (command === 'capture') {
    const shipped = data?.shippingData?.items ?? context.items.map(({ id, quantity }) => ({ id, quantity }));
    const items = shipped.reduce((sum, item, index) => {
      const known = context.items.find((line) => line.id === String(item.id));
      if (!known) {
        throw new OrderRefusal(400, INVALID, [
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
    throw new OrderRefusal(400, INVALID, [
      { path: 'body.additionalData.refundData.currency', message: `the order is in ${currency}` },
    ]);
  }
  if (refund?.amount !== undefined)
    return minorOf(refund.amount, currency, 'body.additionalData.refundData.amount');
  const items = refund?.items ?? [];
  if (items.length === 0) {
    throw new OrderRefusal(400, INVALID, [
      { path: 'body.additionalData.refundData', message: 'a refund names its amount or its items' },
    ]);
  }
  return items.reduce((sum, item, index) => {
    const path = `body.additionalData.refundData.items.${index}`;
    if (item.amount !== undefined) return sum + minorOf(item.amount, currency, `${path}.amount`);
    if (item.type === 'shipping') return sum + context.shippingMinor;
    const known = context.items.find((line) => line.id === String(item.id));
    if (!known)
      throw new OrderRefusal(400, INVALID, [
        { path: `${path}.id`, message: `no item ${item.id} in the order` },
      ]);
    return sum + known.unitMinor * (item.quantity ?? known.quantity);
  }, 0);
}
