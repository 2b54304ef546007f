import type { SerializedMessage } from '../sim/spryker/messageBroker';
import type { BenchContext } from './phases';
import { runShop, type ShopDoor, type ShopRunOptions } from './shopRun';
import { captureOf, refundOf, sprykerLoad, type SprykerOrder } from './sprykerMix';

/**
 * The benchmark as a Spryker shop: it places orders at checkout (initialize-payment), sends captures and
 * refunds to payment-commands, and consumes payment-events as the shop's worker does (fetch, then acknowledge).
 */

/** A checkout is accepted when it authorized; a command when the door answered its MessageId. */
function accepts({ status, body }: { status: number; body: unknown }): boolean {
  if (status !== 200 || body === null || typeof body !== 'object') return false;
  return 'isSuccessful' in body ? body.isSuccessful === true : 'MessageId' in body;
}

function sprykerDoor(ctx: BenchContext): ShopDoor<SprykerOrder> {
  const { bus, consumer } = ctx.spryker;
  const command = (message: SerializedMessage) => bus.send('payment-commands', message).then(accepts);
  return {
    name: 'spryker',
    consumer,
    load: sprykerLoad,
    checkout: {
      settled: 'PaymentAuthorized',
      failed: 'PaymentAuthorizationFailed',
      send: (order) => bus.initializePayment(bus.initializeRequest(order.checkout, false)).then(accepts),
    },
    capture: {
      settled: 'PaymentCaptured',
      failed: 'PaymentCaptureFailed',
      send: (order) => command(captureOf(order)),
    },
    refund: {
      settled: 'PaymentRefunded',
      failed: 'PaymentRefundFailed',
      send: (order) => command(refundOf(order)),
    },
    start: () => consumer.start(),
    stop: () => consumer.stop(),
  };
}

/** Spryker's orders and commands of one round (shopRun.ts). */
export const runSpryker = (ctx: BenchContext, options: ShopRunOptions) =>
  runShop(ctx, sprykerDoor(ctx), options);
