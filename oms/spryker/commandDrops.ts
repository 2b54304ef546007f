import { fingerprint } from '../../domain/fingerprint';
import type { OrderKey, OrderPaymentState } from '../../domain/orderPayment';
import { orderPaymentOf } from '../orderPayments';
import { isConnected } from './connections';
import type { SprykerDependencies } from './door';
import { recordDrop, type DropReason } from './drops';
import { messageIdOf, type IncomingAttributes } from './messages';

/**
 * The order a well-formed command names, or the answer to a command the bus takes and drops: one from a tenant
 * not connected, or for an order Settle has no payment of. Either way the shop hears its MessageId, as from a
 * bus that took it (a refused send would leave its order items stuck).
 */
export async function orderOrDrop(
  deps: SprykerDependencies,
  key: OrderKey,
  messageName: string,
  attributes: IncomingAttributes,
  raw: Buffer,
): Promise<OrderPaymentState | { MessageId: string }> {
  const drop = async (reason: DropReason) => {
    // The same send (its Correlation-Id, else its body) gets the same MessageId and one record.
    const seed = `dropped:${key.tenant}:${messageName}:${attributes.correlationId ?? fingerprint(raw.toString('utf8'))}`;
    const MessageId = messageIdOf(seed);
    await recordDrop(deps, {
      tenant: key.tenant,
      messageName,
      messageId: MessageId,
      reason,
      orderReference: key.orderReference,
    });
    return { MessageId };
  };
  if (!(await isConnected(deps.temporal, deps.spryker, key.tenant))) return drop('tenant-disconnected');
  return (await orderPaymentOf(deps.temporal, key)) ?? drop('unknown-order');
}
