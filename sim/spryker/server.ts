import express from 'express';
import type { ShopCredentials } from './accessToken';
import { createAppConfigStore } from './appConfigs';
import { createBusClient } from './bus';
import { createJournal } from './journal';
import { createOrderBook } from './orders';
import { createPaymentMethodList } from './paymentMethods';
import { createReceiver, type PollSummary, type ShopMode } from './receiver';
import { controlRoutes } from './routes';
import { storefrontRoutes } from './storefront';

/**
 * The Spryker shop simulator: a shop's Zed as an ACP payment app sees it through the message bus. It places
 * orders (calling the app's initialize-payment at checkout), sends CapturePayment, RefundPayment and
 * CancelPayment as the shop's message broker writes them, consumes payment-events and payment-method-commands
 * as the shop's worker does, and moves its order items through the payment OMS in either of the shop's two
 * modes: `event` (each event fires its OMS event for the items it lists) or `conditional` (events store one
 * payment status per order, and the OMS's condition checks move the items). By default its worker applies the
 * demo shop's active-app filter: until it has stored an active AppConfigUpdated from `app-events` that lists
 * them, it fetches no payment channel and drops its payment commands unsent (receiver.ts, appConfigs.ts).
 */

export interface SprykerShopSimulatorOptions {
  /** Settle's base URL; the bus is `${settleUrl}/spryker/`. */
  readonly settleUrl: string;
  readonly tenant: string;
  /** A static token, or the shop's token provider (sim/spryker/accessToken.ts). */
  readonly token: string | ShopCredentials;
  readonly mode: ShopMode;
  /** Refunds as sales-payment ≤ 1.7.0 sends them (orderItemIds, no orderItems). */
  readonly legacyRefunds?: boolean;
  /** How often the worker polls; 0: never by itself (call pollOnce). */
  readonly pollIntervalMs?: number;
  /** Messages per GET (the shop's MessageConsumeLimit). */
  readonly limit?: number;
  /**
   * The demo shop's active-app filter (default on). Off: the payment channels are fetched and commands sent
   * from the start, as by a shop without kernel-app's filter plugin.
   */
  readonly activeAppFilter?: boolean;
  /**
   * The storefront's base URL the payment page returns the customer to (its success and cancel pages,
   * storefront.ts); until set (here or with `useShopUrl` once listening), `https://shop.example`.
   */
  readonly shopUrl?: string;
}

export function createSprykerShopSimulator({
  settleUrl,
  tenant,
  token,
  mode,
  legacyRefunds = false,
  pollIntervalMs = 1000,
  limit = 100,
  activeAppFilter = true,
  shopUrl,
}: SprykerShopSimulatorOptions) {
  let storefront = shopUrl ?? 'https://shop.example';
  const bus = createBusClient({ settleUrl, tenant, token });
  const journal = createJournal();
  const appConfigs = activeAppFilter ? createAppConfigStore() : undefined;
  const book = createOrderBook({
    bus,
    journal,
    tenant,
    legacyRefunds,
    shopUrl: () => storefront,
    ...(appConfigs && { appConfigs }),
  });
  const methods = createPaymentMethodList();
  const receiver = createReceiver({
    bus,
    journal,
    book,
    methods,
    mode,
    limit,
    ...(appConfigs && { appConfigs }),
  });

  // One worker run at a time, whether the timer or a caller asks for it.
  let round: Promise<PollSummary> = Promise.resolve({
    handled: 0,
    failed: 0,
    undecodable: 0,
    moved: 0,
    channels: [],
  });
  const pollOnce = () => {
    round = round.catch(() => undefined).then(() => receiver.pollOnce());
    return round;
  };
  // The next round is timed from the end of the last, so a slow bus never piles rounds up.
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      void pollOnce()
        .catch((error) => journal.noteError({ what: 'poll', error: String(error) }))
        .finally(() => stopped || schedule());
    }, pollIntervalMs);
    timer.unref();
  };
  if (pollIntervalMs > 0) schedule();

  const app = express();
  app.disable('x-powered-by');
  app.use(storefrontRoutes(book));
  app.use(
    controlRoutes({
      book,
      journal,
      statusOf: receiver.statusOf,
      paymentMethods: methods.list,
      pollOnce,
      appConfigs: () => appConfigs?.list() ?? [],
    }),
  );

  return {
    app,
    mode,
    orders: book.orders,
    journal,
    pollOnce,
    paymentMethods: methods.list,
    /** The app configs stored from app-events; none without the active-app filter. */
    appConfigs: () => appConfigs?.list() ?? [],
    statusOf: receiver.statusOf,
    placeOrder: book.placeOrder,
    operate: book.operate,
    /** Where the payment page sends the customer back from now on: this server's own URL, once listening. */
    useShopUrl(url: string) {
      storefront = url.replace(/\/$/, '');
    },
    /** Stops the worker's timer and waits for a round in flight. */
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round.catch(() => undefined);
    },
  };
}

export type SprykerShopSimulator = ReturnType<typeof createSprykerShopSimulator>;
