import type { Channel, ChannelModel } from 'amqplib';

/**
 * What the Deity door's two sides on RabbitMQ share: the status-event publisher (publisher.ts) and the
 * order-update consumer (orderUpdateConsumer.ts) connect alike and declare their exchanges and queues alike.
 */

/** Settle's name in each message's appId and in the broker's connection list. */
export const APP_ID = 'settle';
export const CONNECT_TIMEOUT_MS = 10_000;
/** The AMQP reply code of a declaration that differs from what the broker has. */
export const PRECONDITION_FAILED = 406;

/** The socket options of every connection Settle opens to the broker. */
export const connectOptions = (name: string = APP_ID) => ({
  timeout: CONNECT_TIMEOUT_MS,
  clientProperties: { connection_name: name },
});

export const assertExchange = (channel: Channel, exchange: string) =>
  channel.assertExchange(exchange, 'topic', { durable: true });

/** Runs `use` on a channel of its own, closed after it (unless the broker closed it on an error). */
export async function withChannel<T>(
  connection: ChannelModel,
  use: (channel: Channel) => Promise<T>,
): Promise<T> {
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  try {
    return await use(channel);
  } finally {
    await channel.close().catch(() => {});
  }
}

/**
 * Declares the durable queue and binds it to the exchange (declared too). A queue declared already with other
 * arguments (a quorum queue, a length limit) is kept as it is and only bound: a declaration that differs
 * closes its channel, so the check and the binding go on another.
 */
export async function ensureBoundQueue(
  connection: ChannelModel,
  {
    queue,
    exchange,
    bindingKey,
    arguments: args,
  }: { queue: string; exchange: string; bindingKey: string; arguments?: Record<string, unknown> },
): Promise<void> {
  const bind = (channel: Channel) => channel.bindQueue(queue, exchange, bindingKey);
  await withChannel(connection, (channel) => assertExchange(channel, exchange));
  await withChannel(connection, async (channel) => {
    await channel.assertQueue(queue, { durable: true, ...(args ? { arguments: args } : {}) });
    await bind(channel);
  }).catch(async (error: Error & { code?: unknown }) => {
    if (error.code !== PRECONDITION_FAILED) throw error;
    await withChannel(connection, async (channel) => {
      await channel.checkQueue(queue);
      await bind(channel);
    });
  });
}

/**
 * A topic routing key's words are dot-separated and a binding's `*` and `#` are wildcards: a service user
 * holding one of them would route other profiles' messages to its queue.
 */
export function checkedServiceUser(serviceUser: string): string {
  if (!/^[^.*#\s]+$/.test(serviceUser) || Buffer.byteLength(serviceUser) > 200)
    throw new Error(
      `RabbitMQ: service user "${serviceUser}" cannot name a routing key: it must be at most 200 bytes without ".", "*", "#" or spaces`,
    );
  return serviceUser;
}

export const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
