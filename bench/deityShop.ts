import { createDpsgClient } from '../sim/deity/client';
import { createJournal } from '../sim/deity/journal';
import type { DeityEventConsumer, DeityShop } from './deityConsumer';
import { DEITY_PROFILE, deityLoad, refundOf, shipmentOf, type DeityOrder } from './deityMix';
import type { BenchContext } from './phases';
import { runShop, type ShopDoor, type ShopRunOptions } from './shopRun';

/**
 * The benchmark as a Deity shop: it places orders with `validate` (`/api/payment`), sends shipments and refunds
 * as order updates (the client endpoints, Deity's bearer token), and consumes PAYMENT_STATUS_UPDATED from
 * its profile's queue on RabbitMQ.
 */

export function createDeityShop(apiUrl: string, consumer: DeityEventConsumer): DeityShop {
  // The journal keeps every call: a fresh one per shop, dropped with it.
  const client = createDpsgClient({ settleUrl: apiUrl, ...DEITY_PROFILE, journal: createJournal() });
  return { client, consumer };
}

/** validate: complete (authorized), or incomplete (its event follows); an order update: accepted. */
const completeOrIncomplete = ({ status, body }: { status: number; body: unknown }) =>
  status === 200 &&
  typeof body === 'object' &&
  body !== null &&
  'status' in body &&
  (body.status === 'complete' || body.status === 'incomplete');

function deityDoor(shop: DeityShop): ShopDoor<DeityOrder> {
  const { client, consumer } = shop;
  const update = (body: object) => client.sendOrderUpdate(body).then(({ status }) => status === 202);
  return {
    name: 'deity',
    consumer,
    load: deityLoad,
    checkout: {
      settled: 'authorized',
      failed: 'failed',
      send: (order) => client.validate(order.validate).then(completeOrIncomplete),
    },
    capture: { settled: 'paid', failed: 'failed', send: (order) => update(shipmentOf(order)) },
    refund: {
      settled: 'partially_refunded',
      failed: 'refund_failed',
      send: (order) => update(refundOf(order)),
    },
  };
}

/** Deity's orders and commands of one round (shopRun.ts); the consumer runs through the whole benchmark. */
export function runDeity(ctx: BenchContext, options: ShopRunOptions) {
  if (!ctx.deity) throw new Error('the Deity rounds need their broker');
  return runShop(ctx, deityDoor(ctx.deity), options);
}
