import express from 'express';
import { createDpsgClient } from './client';
import { createConsumer } from './consumer';
import { createJournal } from './journal';
import { createOrderPublisher } from './orderPublisher';
import { createOrderBook } from './orders';
import { controlRoutes } from './routes';
import { createStatusHandler } from './statusEvents';

/**
 * The Deity shop simulator: a Falcon shop's `@deity/falcon-payment-service-module` as the Payment
 * Orchestrator sees it. At checkout it loads the method list and the chosen method and validates on
 * "Place Order"; from the back office it sends shipments, refunds and cancellations as order updates (over
 * REST, or published to the broker in the `queue` mode); and it
 * consumes PAYMENT_STATUS_UPDATED from its profile's RabbitMQ queue, keeping each order's status. When validate
 * answers redirect, the customer goes to the payment page (the shop's scripted customer, or a browser) and
 * comes back to the shop's return page, which sends the post-redirect update.
 */

export interface DeityShopSimulatorOptions {
  /** Settle's base URL; the client endpoints are under `${settleUrl}${basePath}`. */
  readonly settleUrl: string;
  /** The client endpoints' base path on Settle: `/api` unless told. */
  readonly basePath?: string;
  /** How the shop sends its token: bearer (Deity's `<serviceUser>:<serviceToken>`, the default) or basic. */
  readonly auth?: 'bearer' | 'basic';
  /** The profile, "org:project:env". */
  readonly serviceUser: string;
  readonly serviceToken: string;
  /** The broker, logged in as the profile's broker user; without it the shop receives no events. */
  readonly amqpUrl?: string;
  /** How order updates go to Settle: its REST route (default), or published to the broker. */
  readonly orderUpdates?: 'rest' | 'queue';
  /** The profile's queue; `dpsg.<serviceUser>` unless told. */
  readonly queue?: string;
  /** Unacknowledged deliveries the consumer holds at once. */
  readonly prefetch?: number;
  /**
   * The shop's own base URL, as customers' browsers reach it: validate sends its return page
   * (`/checkout/return/<order id>`), where the customer comes back after a redirect. None: no return page.
   */
  readonly publicUrl?: string;
}

export function createDeityShopSimulator({
  settleUrl,
  serviceUser,
  serviceToken,
  amqpUrl,
  queue = `dpsg.${serviceUser}`,
  prefetch = 10,
  publicUrl,
  basePath,
  auth,
  orderUpdates = 'rest',
}: DeityShopSimulatorOptions) {
  const journal = createJournal();
  const client = createDpsgClient({
    settleUrl,
    serviceUser,
    serviceToken,
    journal,
    ...(basePath ? { basePath } : {}),
    ...(auth ? { auth } : {}),
  });
  const orderQueue = amqpUrl ? createOrderPublisher({ url: amqpUrl, serviceUser, journal }) : undefined;
  let updatesVia = orderUpdates;
  /** Switches how the back office sends its next order updates. */
  const sendOrderUpdatesVia = (via: 'rest' | 'queue') => {
    if (via === 'queue' && !orderQueue) throw new Error('the queue mode needs amqpUrl');
    updatesVia = via;
  };
  sendOrderUpdatesVia(orderUpdates);
  const book = createOrderBook({
    client,
    ...(publicUrl ? { publicUrl } : {}),
    sendOrderUpdate: (update) =>
      updatesVia === 'queue' ? orderQueue!.publish(update) : client.sendOrderUpdate(update),
  });
  const consumer = amqpUrl
    ? createConsumer({
        url: amqpUrl,
        queue,
        prefetch,
        journal,
        handle: createStatusHandler({ journal, book }),
      })
    : undefined;

  const app = express();
  app.disable('x-powered-by');
  app.use(controlRoutes({ book, journal }));

  return {
    app,
    queue,
    orders: book.orders,
    journal,
    placeOrder: book.placeOrder,
    customerReturned: book.customerReturned,
    ship: book.ship,
    refund: book.refund,
    cancel: book.cancel,
    /** Publishes to the order-update exchange directly: the same update twice, or a malformed one. */
    orderQueue,
    sendOrderUpdatesVia,
    /** Starts consuming events (in the background: the broker may come later). */
    start: async () => consumer?.start(),
    /** Stops consuming and closes the broker connection. */
    stop: async () => {
      await consumer?.stop();
      await orderQueue?.stop();
    },
  };
}

export type DeityShopSimulator = ReturnType<typeof createDeityShopSimulator>;
