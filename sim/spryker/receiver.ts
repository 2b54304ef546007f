import type { BusClient } from './bus';
import { now, transportError, type Journal, type ReceivedRecord } from './journal';
import { decodeMessage, type DecodedMessage, type WireMessage } from './messageBroker';
import {
  BROKEN_EVENT_HANDLERS,
  KNOWN_TRANSFERS,
  MESSAGE_OMS_EVENTS,
  MESSAGE_STATUSES,
  OMS_EVENTS,
  conditionalTarget,
} from './oms';
import type { OrderBook, ShopOrder } from './orders';
import { PAYMENT_METHOD_TRANSFERS, type createPaymentMethodList } from './paymentMethods';
import { SYSTEM_CHANNEL, type AppConfigStore } from './appConfigs';

/**
 * The shop's message-broker worker, and the OMS check-condition run after it. One `pollOnce` is one worker run
 * (`message-broker:consume`): its channels are chosen once, at its start — with the active-app filter, the
 * demo shop's default channels that an active app config lets through, then `app-events` (spryker/message-broker
 * `MessageChannelProvider::getChannelsForConsuming`), so a config stored during a run opens its channels from
 * the next. Each decoded message is handled and then acknowledged on its own (reject = ack: a handler that
 * throws loses the message); a message that does not decode is logged and left on the bus. A fetch or an
 * acknowledgement that fails (non-2xx, or no answer) throws in the shop's Guzzle client and ends the run
 * (spryker/message-broker-aws `HttpChannelReceiverClient`): the channels after it wait for the next run.
 */

/** The channels without the active-app filter: the payment channels only, as before app configs. */
export const RECEIVED_CHANNELS = ['payment-events', 'payment-method-commands'] as const;

/**
 * The demo shop's default worker channels that concern a payment app, in its order (spryker-shop/b2c-demo-shop
 * `MessageBrokerConfig::getDefaultWorkerChannels`); the others (asset-commands, …) are never opened by Settle's
 * config, which lists its channels.
 */
export const WORKER_CHANNELS = [SYSTEM_CHANNEL, 'payment-events', 'payment-method-commands'] as const;

/** A fetch or an acknowledgement failed: the run ends there. */
class RunEnded extends Error {}

export type ShopMode = 'event' | 'conditional';

export interface PollSummary {
  handled: number;
  failed: number;
  undecodable: number;
  /** Items a check-condition run moved (conditional mode). */
  moved: number;
  /** The channels this run fetched from, in order. */
  channels: string[];
  /** Why the run ended before its last channel: a fetch or acknowledgement failed. */
  ended?: string;
}

export function createReceiver({
  bus,
  journal,
  book,
  methods,
  appConfigs,
  mode,
  limit,
}: {
  bus: BusClient;
  journal: Journal;
  book: OrderBook;
  methods: ReturnType<typeof createPaymentMethodList>;
  /** The active-app filter's store; absent: no filter, the payment channels are fetched from the start. */
  appConfigs?: AppConfigStore;
  mode: ShopMode;
  limit: number;
}) {
  /** Conditional mode: PaymentAppPaymentStatus, one row per order reference. */
  const statuses = new Map<string, string>();
  const seen = new Set<string>();

  async function pollOnce(): Promise<PollSummary> {
    // Chosen once per run, as the shop's worker does.
    const channels = appConfigs ? appConfigs.channelsForConsuming(WORKER_CHANNELS) : [...RECEIVED_CHANNELS];
    const summary: PollSummary = { handled: 0, failed: 0, undecodable: 0, moved: 0, channels };
    try {
      for (const channel of channels) await receive(channel, summary);
    } catch (error) {
      if (!(error instanceof RunEnded)) throw error;
      summary.ended = error.message;
      journal.noteError({ what: 'worker run ended', error: error.message });
    }
    if (mode === 'conditional') summary.moved = checkConditions();
    return summary;
  }

  async function receive(channel: string, summary: PollSummary) {
    let batch: unknown;
    try {
      const answer = await bus.fetchMessages(channel, limit);
      if (answer.status < 200 || answer.status >= 300) {
        journal.noteError({ what: `GET ${channel}`, status: answer.status, body: answer.body });
        throw new RunEnded(`GET ${channel} answered ${answer.status}`);
      }
      if (!Array.isArray(answer.body)) {
        journal.noteError({ what: `GET ${channel}`, status: answer.status, body: answer.body });
        return;
      }
      batch = answer.body;
    } catch (error) {
      if (error instanceof RunEnded) throw error;
      journal.noteError({ what: `GET ${channel}`, error: transportError(error) });
      throw new RunEnded(`GET ${channel} failed: ${transportError(error)}`);
    }
    const decoded = (batch as WireMessage[]).map((wire) => ({
      wire,
      decoding: decodeMessage(wire, KNOWN_TRANSFERS),
    }));
    const crash = decoded.find((d) => !d.decoding.ok && d.decoding.crashes);
    for (const { wire, decoding } of decoded) {
      if (decoding.ok) continue;
      journal.noteUndecodable(channel, wire, decoding.reason);
      summary.undecodable += 1;
    }
    // The whole batch is decoded before any message is handled, so a crash loses the round.
    if (crash) {
      journal.noteError({ what: `worker crashed on ${channel}`, error: 'MessageBody is not a JSON string' });
      return;
    }
    for (const { decoding } of decoded) {
      if (!decoding.ok) continue;
      const record = handle(channel, decoding.message);
      summary[record.outcome === 'handled' ? 'handled' : 'failed'] += 1;
      await acknowledge(channel, decoding.message.messageId);
    }
  }

  function handle(channel: string, message: DecodedMessage): ReceivedRecord {
    const record: ReceivedRecord = {
      channel,
      MessageId: message.messageId,
      name: message.name,
      attributes: message.attributes,
      body: message.body,
      outcome: 'handled',
      at: now(),
    };
    if (seen.has(message.messageId)) journal.duplicates.push(record);
    seen.add(message.messageId);
    journal.received.push(record);
    try {
      record.result = dispatch(message);
    } catch (error) {
      record.outcome = 'failed';
      record.error = transportError(error);
    }
    return record;
  }

  function dispatch(message: DecodedMessage): unknown {
    const { name, body } = message;
    if (name === 'AppConfigUpdated' && appConfigs) return appConfigs.store(body);
    const methodKind = PAYMENT_METHOD_TRANSFERS[name];
    if (methodKind) return methods.consume(methodKind, body, message.attributes.timestamp, message.messageId);
    if (mode === 'event') {
      if (BROKEN_EVENT_HANDLERS.has(name)) throw new Error(`the handler for ${name} no longer exists`);
      const omsEvent = MESSAGE_OMS_EVENTS[name];
      if (!omsEvent) throw new Error(`no handler for ${name}`);
      return fireForItems(message, omsEvent);
    }
    const status = MESSAGE_STATUSES[name];
    if (!status) throw new Error(`no handler for ${name}`);
    if (typeof body.orderReference !== 'string' || !body.orderReference) {
      throw new Error('Required property "orderReference" is missing');
    }
    statuses.set(body.orderReference, status);
    recordEvent(book.orders.get(body.orderReference), message);
    return { status };
  }

  /** PaymentMessageOmsEventEmitter::triggerEventForOrderItems: the listed items only, by id, whatever the order. */
  function fireForItems(message: DecodedMessage, omsEvent: string) {
    const ids = Array.isArray(message.body.orderItemIds) ? message.body.orderItemIds.map(Number) : [];
    const moved: { id: number; from: string; to: string }[] = [];
    let owner: ShopOrder | undefined = book.orders.get(String(message.body.orderReference));
    for (const id of ids) {
      const found = book.itemById(id);
      if (!found) continue;
      owner ??= found.order;
      const to = OMS_EVENTS[omsEvent]?.[found.item.state];
      if (!to) continue; // The OMS skips an item whose state has no such event.
      moved.push({ id, from: found.item.state, to });
      book.move(found.item, to, omsEvent);
    }
    recordEvent(owner, message, moved);
    return { omsEvent, moved };
  }

  function recordEvent(order: ShopOrder | undefined, message: DecodedMessage, moved?: OrderEventMoves) {
    order?.events.push({
      MessageId: message.messageId,
      name: message.name,
      body: message.body,
      moved,
      at: now(),
    });
  }

  async function acknowledge(channel: string, messageId: string) {
    const ack = { channel, messageIds: [messageId], at: now() } as Journal['acks'][number];
    journal.acks.push(ack);
    try {
      const answer = await bus.acknowledge(channel, [messageId]);
      Object.assign(ack, { status: answer.status, answer: answer.body });
      if (answer.status < 200 || answer.status >= 300) {
        journal.noteError({ what: `DELETE ${channel}`, status: answer.status, body: answer.body });
        throw new RunEnded(`DELETE ${channel} answered ${answer.status}`);
      }
    } catch (error) {
      if (error instanceof RunEnded) throw error;
      ack.error = transportError(error);
      journal.noteError({ what: `DELETE ${channel}`, error: ack.error });
      throw new RunEnded(`DELETE ${channel} failed: ${ack.error}`);
    }
  }

  /** One OMS check-condition run: each item takes at most one conditional transition. */
  function checkConditions(): number {
    let moved = 0;
    for (const order of book.orders.values()) {
      const status = statuses.get(order.orderReference);
      for (const item of order.items) {
        const target = conditionalTarget(item.state, status);
        if (!target) continue;
        book.move(item, target.to, target.condition);
        moved += 1;
      }
    }
    return moved;
  }

  return { pollOnce, checkConditions, statusOf: (orderReference: string) => statuses.get(orderReference) };
}

type OrderEventMoves = { id: number; from: string; to: string }[];
