import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { createLogger } from '../../config/logger';
import {
  createEventPublisher,
  ensureProfileQueue,
  profileQueueName,
  statusRoutingKey,
  type EventMessage,
  type EventPublisher,
} from '../../oms/deity/publisher';
import type { RabbitMq } from '../../scripts/rabbitmq';
import { BROKER_START_MS, consume, queueDepth, startBroker } from '../helpers/broker';

/**
 * The Deity door's publisher against a real RabbitMQ broker: what a shop's consumer receives, confirms,
 * returns and nacks, and a broker stopped and started again on the same port and data.
 */

const logger = createLogger('deity-publisher-test', 'error');
const dataDir = mkdtempSync(join(tmpdir(), 'settle-deity-publisher-'));
let broker: RabbitMq;
let publisher: EventPublisher;

beforeAll(async () => {
  broker = await startBroker({ dataDir });
  publisher = createEventPublisher({ url: broker.url, logger });
}, BROKER_START_MS);

afterAll(async () => {
  await publisher?.close();
  await broker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, BROKER_START_MS);

let serial = 0;
/** A profile of its own per test, so that no test sees another's messages. */
function newProfile(): string {
  serial += 1;
  return `acme:shop${serial}:test`;
}

function statusEvent(serviceUser: string, messageId: string, status = 'authorized'): EventMessage {
  return {
    routingKey: statusRoutingKey(serviceUser),
    messageId,
    type: 'PAYMENT_STATUS_UPDATED',
    body: {
      event: 'PAYMENT_STATUS_UPDATED',
      orderId: 'order-1',
      status,
      payload: { amount: 12.5, currency: 'EUR' },
    },
    timestamp: new Date('2026-03-04T05:06:07.890Z'),
  };
}

test("a published event arrives on the profile's durable queue with every property", async () => {
  const profile = newProfile();
  await publisher.ensureProfileQueues([profile]);
  const event = statusEvent(profile, 'evt-properties');
  await publisher.publish(event);

  const [message] = await consume(broker.url, profileQueueName(profile), 1);
  expect(message!.fields).toMatchObject({
    exchange: 'dpsg.events',
    routingKey: `${profile}.payment.status_updated`,
  });
  expect(message!.properties).toMatchObject({
    deliveryMode: 2,
    contentType: 'application/json',
    appId: 'settle',
    messageId: 'evt-properties',
    type: 'PAYMENT_STATUS_UPDATED',
    timestamp: Math.floor(Date.parse('2026-03-04T05:06:07.890Z') / 1000),
  });
  expect(JSON.parse(message!.content.toString())).toEqual(event.body);
  // Durable exchange and queue, and the binding that routes every event of the profile.
  expect(await broker.ctl('list_exchanges', '-q', '--no-table-headers', 'name', 'type', 'durable')).toMatch(
    /^dpsg\.events\s+topic\s+true$/m,
  );
  expect(await broker.ctl('list_queues', '-q', '--no-table-headers', 'name', 'durable')).toContain(
    `${profileQueueName(profile)}\ttrue`,
  );
  expect(
    await broker.ctl(
      'list_bindings',
      '-q',
      '--no-table-headers',
      'source_name',
      'destination_name',
      'routing_key',
    ),
  ).toContain(`dpsg.events\t${profileQueueName(profile)}\t${profile}.#`);
});

test('publish resolves only once the broker confirms: held while the broker blocks publishers', async () => {
  const profile = newProfile();
  await publisher.ensureProfileQueues([profile]);
  await publisher.publish(statusEvent(profile, 'evt-before-block'));
  // A memory alarm: the broker stops reading from publishing connections, so nothing is routed or confirmed.
  await broker.ctl('set_vm_memory_high_watermark', '0');
  let settled = false;
  const publishing = publisher.publish(statusEvent(profile, 'evt-held')).finally(() => (settled = true));
  try {
    await new Promise((done) => setTimeout(done, 1500));
    expect(settled).toBe(false);
    expect(await queueDepth(broker, profileQueueName(profile))).toBe(1);
  } finally {
    await broker.ctl('set_vm_memory_high_watermark', '0.4');
  }
  await publishing;
  expect(await queueDepth(broker, profileQueueName(profile))).toBe(2);
  const messages = await consume(broker.url, profileQueueName(profile), 2);
  expect(messages.map((m) => m.properties.messageId)).toEqual(['evt-before-block', 'evt-held']);
});

test('a routing key no queue is bound to is rejected as unroutable, not confirmed silently', async () => {
  await expect(publisher.publish(statusEvent('nobody:bound:here', 'evt-unroutable'))).rejects.toThrow(
    /evt-unroutable is unroutable: no queue is bound to "nobody:bound:here\.payment\.status_updated".*312 NO_ROUTE/,
  );
  // The channel survives a return: the next publish goes through.
  const profile = newProfile();
  await publisher.ensureProfileQueues([profile]);
  await publisher.publish(statusEvent(profile, 'evt-after-return'));
  expect((await consume(broker.url, profileQueueName(profile), 1))[0]!.properties.messageId).toBe(
    'evt-after-return',
  );
});

test('a nack rejects: a queue refusing the message (full, overflow reject-publish)', async () => {
  const connection = await connect(broker.url);
  const channel = await connection.createChannel();
  await channel.assertQueue('full-queue', { durable: true, maxLength: 0, overflow: 'reject-publish' });
  await channel.bindQueue('full-queue', 'dpsg.events', 'full:queue:test.#');
  await connection.close();
  await expect(publisher.publish(statusEvent('full:queue:test', 'evt-nacked'))).rejects.toThrow(
    /message evt-nacked not confirmed: message nacked/,
  );
});

test('the same messageId published twice is delivered twice, each carrying the id consumers deduplicate by', async () => {
  const profile = newProfile();
  await publisher.ensureProfileQueues([profile]);
  await Promise.all([
    publisher.publish(statusEvent(profile, 'evt-twice')),
    publisher.publish(statusEvent(profile, 'evt-twice')),
  ]);
  const messages = await consume(broker.url, profileQueueName(profile), 2);
  expect(messages.map((m) => m.properties.messageId)).toEqual(['evt-twice', 'evt-twice']);
});

test("a shop's own queue declared otherwise (quorum) is kept and bound; a service user holding a wildcard is refused", async () => {
  const profile = newProfile();
  const connection = await connect(broker.url);
  try {
    const channel = await connection.createChannel();
    await channel.assertQueue(profileQueueName(profile), {
      durable: true,
      arguments: { 'x-queue-type': 'quorum' },
    });
    await ensureProfileQueue(connection, profile);
    await expect(ensureProfileQueue(connection, 'acme.*')).rejects.toThrow(
      /service user "acme\.\*" cannot name a routing key/,
    );
  } finally {
    await connection.close();
  }
  await publisher.publish(statusEvent(profile, 'evt-quorum'));
  expect(await broker.ctl('list_queues', '-q', '--no-table-headers', 'name', 'type')).toContain(
    `${profileQueueName(profile)}\tquorum`,
  );
  expect((await consume(broker.url, profileQueueName(profile), 1))[0]!.properties.messageId).toBe(
    'evt-quorum',
  );
});

test('the channel closed by the broker (its exchange deleted): publish rejects, and the next session declares it again', async () => {
  const profile = newProfile();
  await publisher.ensureProfileQueues([profile]);
  const connection = await connect(broker.url);
  await (await connection.createChannel()).deleteExchange('dpsg.events');
  await connection.close();
  await expect(publisher.publish(statusEvent(profile, 'evt-no-exchange'))).rejects.toThrow(
    /404 \(NOT-FOUND\)|NOT_FOUND/,
  );
  // Deleting the exchange took its bindings; the door declares its profiles at start, as here.
  await publisher.ensureProfileQueues([profile]);
  await publisher.publish(statusEvent(profile, 'evt-exchange-again'));
  expect((await consume(broker.url, profileQueueName(profile), 1))[0]!.properties.messageId).toBe(
    'evt-exchange-again',
  );
});

test(
  'the broker stopped: publish rejects; started again on the same port and data: the same publisher publishes, and what was published before is still queued',
  async () => {
    const profile = newProfile();
    await publisher.ensureProfileQueues([profile]);
    await publisher.publish(statusEvent(profile, 'evt-before-stop'));

    await broker.stop();
    await expect(publisher.publish(statusEvent(profile, 'evt-while-down'))).rejects.toThrow(/RabbitMQ/);

    broker = await startBroker({ dataDir, port: broker.port });
    await publisher.publish(statusEvent(profile, 'evt-after-restart'));
    const messages = await consume(broker.url, profileQueueName(profile), 2);
    expect(messages.map((m) => m.properties.messageId)).toEqual(['evt-before-stop', 'evt-after-restart']);
  },
  BROKER_START_MS,
);

test('a closed publisher refuses to publish; an event without messageId is refused', async () => {
  await expect(publisher.publish(statusEvent(newProfile(), ''))).rejects.toThrow(
    'RabbitMQ: an event needs a messageId',
  );
  const closed = createEventPublisher({ url: broker.url, logger });
  await closed.ensureProfileQueues([newProfile()]);
  await closed.close();
  await expect(closed.publish(statusEvent(newProfile(), 'evt-closed'))).rejects.toThrow(
    /^RabbitMQ: the event publisher is closed$/,
  );
});
