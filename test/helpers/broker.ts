import { connect, type ConsumeMessage } from 'amqplib';
import { startRabbitMq, type RabbitMq, type RabbitMqOptions } from '../../scripts/rabbitmq';

/**
 * A real RabbitMQ broker for a test file (scripts/rabbitmq.ts: its own node, ports and folder), and a
 * consumer as a shop runs one: manual acknowledgement, one message at a time.
 */

/** Starts a broker; rabbitmq-server missing fails the test with what to install. */
export function startBroker(options: RabbitMqOptions = {}): Promise<RabbitMq> {
  return startRabbitMq(options);
}

/** Jest's time for a hook that starts a broker: seconds when idle, far longer on a loaded machine. */
export const BROKER_START_MS = 150_000;

/**
 * Consumes `count` messages from `queue` with manual acks, acknowledging each, and resolves with them in
 * the order delivered; fails if they have not all come within `timeoutMs`.
 */
export async function consume(
  url: string,
  queue: string,
  count: number,
  timeoutMs = 30_000,
): Promise<ConsumeMessage[]> {
  const connection = await connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.prefetch(1);
    const received: ConsumeMessage[] = [];
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`${received.length} of ${count} messages on ${queue} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      void channel.consume(
        queue,
        (message) => {
          if (!message) return;
          received.push(message);
          channel.ack(message);
          if (received.length === count) {
            clearTimeout(timer);
            done();
          }
        },
        { noAck: false },
      );
    });
    return received;
  } finally {
    await connection.close();
  }
}

/** How many messages `queue` holds that no consumer has taken, as the broker counts them. */
export async function queueDepth(broker: RabbitMq, queue: string): Promise<number> {
  const lines = (await broker.ctl('list_queues', '-q', '--no-table-headers', 'name', 'messages')).split('\n');
  const line = lines.map((l) => l.trim().split(/\s+/)).find(([name]) => name === queue);
  if (!line) throw new Error(`no queue ${queue} on ${broker.nodeName}`);
  return Number(line[1]);
}
