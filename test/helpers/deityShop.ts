import { startRabbitMq, type RabbitMq } from '../../scripts/rabbitmq';
import type { ShopOrder, StatusEntry } from '../../sim/deity/shopOrder';
import { startProcessStack, type ProcessStack } from './stacks';
import { eventually } from './temporal';

/**
 * Waits until the Deity shop simulator's order has heard `statuses` (PAYMENT_STATUS_UPDATED from RabbitMQ),
 * in order, and resolves with its status history; `detail` adds what helps when it never does.
 */
export function heardStatuses(
  order: ShopOrder,
  statuses: readonly string[],
  detail: () => string = () => '',
): Promise<StatusEntry[]> {
  const heard = () => order.statusHistory.map((entry) => entry.status);
  return eventually(
    async () => (JSON.stringify(heard()) === JSON.stringify(statuses) ? order.statusHistory : undefined),
    60_000,
    `${order.id} to hear ${statuses.join(', ')} (heard ${heard().join(', ')}${detail()})`,
  );
}

/** The order most tests place at the Deity shop simulator: two items and shipping, 55.00 EUR. */
export const TWO_ITEM_ORDER = {
  currency: 'EUR',
  country: 'DE',
  items: [
    { sku: 'A', price: 30 },
    { sku: 'B', price: 20 },
  ],
  shipping: 5,
} as const;

/** A broker in a process stack's folder, which a test stops and starts again where it was. */
export interface StackBroker {
  /** The broker as last started. */
  readonly current: RabbitMq;
  stop(): Promise<void>;
  /** The same folder and port: its users, durable queues and what they hold are there again. */
  restart(): Promise<void>;
}

/**
 * The worker and the API as processes (startProcessStack) for one Deity profile that pays with the gateway
 * simulator's test card, authorized server-side, beside a RabbitMQ broker of the stack's own as AMQP_URL.
 */
export async function startDeityProcessStack(
  name: string,
  profile: { readonly serviceUser: string; readonly serviceToken: string },
): Promise<{ settle: ProcessStack; broker: StackBroker }> {
  let dataDir = '';
  let current: RabbitMq | undefined;
  const broker: StackBroker = {
    get current() {
      if (!current) throw new Error('the broker has not started');
      return current;
    },
    stop: () => broker.current.stop(),
    restart: async () => {
      current = await startRabbitMq({ dataDir, port: broker.current.port });
    },
  };
  const settle = await startProcessStack({
    name,
    env: {
      DEITY_PROFILES: JSON.stringify([
        {
          ...profile,
          methods: [{ provider: 'gateway', method: 'card', currencies: ['EUR'], paymentMethod: 'tok_visa' }],
        },
      ]),
    },
    alongside: async (dir) => {
      dataDir = dir;
      current = await startRabbitMq({ dataDir });
      return { env: { AMQP_URL: current.url }, stop: () => broker.stop() };
    },
  });
  return { settle, broker };
}
