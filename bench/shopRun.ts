import { drive, Progress, type Pace } from './load';
import {
  mergeSettleRuns,
  summarize,
  waitForProgress,
  type BenchContext,
  type SettleRun,
  type Timed,
} from './phases';
import type { ShopConsumer, ShopOrderRef } from './shop';

/**
 * The benchmark as a shop of a door with orders (Spryker's, Deity's): it places orders at checkout, then
 * captures each whole order and refunds one item of the first quarter of them, and a request is done when its
 * event reaches the shop's consumer, as a MIB command is when its notification reaches MIB.
 */

/** One kind of request of the shop: how it is sent, and which events end it. */
export interface ShopRequest<Order> {
  readonly settled: string;
  readonly failed: string;
  /** Sends the request; resolves with whether the door accepted it. */
  send(order: Order): Promise<boolean>;
}

/** A door as its shop uses it in the benchmark. */
export interface ShopDoor<Order extends ShopOrderRef> {
  /** In progress labels: "spryker", "deity". */
  readonly name: string;
  readonly consumer: ShopConsumer;
  /** `count` commands: the orders they need (one capture each), and how many of those are refunded. */
  load(prefix: string, count: number): { orders: Order[]; refunds: number };
  readonly checkout: ShopRequest<Order>;
  readonly capture: ShopRequest<Order>;
  readonly refund: ShopRequest<Order>;
  /** Around each run: a consumer that runs only while its shop does. */
  start?(): void;
  stop?(): Promise<void>;
}

export interface ShopRun {
  /** Orders placed: checkout answered (the acknowledgement), then the authorization's event at the shop. */
  readonly checkout: SettleRun;
  /** Captures and refunds: answered, then their event at the shop. */
  readonly commands: SettleRun;
}

/** When the checkouts and the commands began and the last step ended (epoch ms), for the history census. */
export interface ShopSteps {
  readonly checkoutAt: number;
  readonly commandsAt: number;
  readonly endedAt: number;
}

interface Request extends Timed {
  readonly orderReference: string;
}

/** One step of the shop: its requests sent at `pace`, done when each one's event has arrived. */
async function runStep<Order extends ShopOrderRef>(
  ctx: BenchContext,
  consumer: ShopConsumer,
  label: string,
  orders: readonly Order[],
  pace: Pace,
  request: ShopRequest<Order>,
): Promise<SettleRun> {
  const sent: Request[] = orders.map((order) => ({
    orderReference: order.orderReference,
    sentAt: 0,
    accepted: false,
  }));
  const byReference = new Map(sent.map((one) => [one.orderReference, one]));
  let cursor = consumer.events.length;
  const counts = { notified: 0, duplicated: 0, unexpected: 0 };
  const scan = () => {
    for (; cursor < consumer.events.length; cursor += 1) {
      const event = consumer.events[cursor]!;
      const one = byReference.get(event.orderReference);
      if (!one || (event.name !== request.settled && event.name !== request.failed)) continue;
      if (one.notifiedAt !== undefined) {
        counts.duplicated += 1;
        continue;
      }
      one.notifiedAt = event.receivedAt;
      counts.notified += 1;
      if (event.name !== request.settled) counts.unexpected += 1;
    }
    return counts.notified;
  };
  const progress = new Progress(label, sent.length, ctx.progress);
  let answered = 0;
  const poll = setInterval(() => progress.update(answered, scan()), 100);
  const duplicatedBefore = consumer.duplicated;
  ctx.memory.take();
  try {
    await drive(sent.length, pace, async (index) => {
      const one = sent[index]!;
      one.sentAt = Date.now();
      const started = performance.now();
      one.accepted = await request.send(orders[index]!).catch(() => false);
      one.ackMs = performance.now() - started;
      answered += 1;
    });
    const accepted = sent.filter((one) => one.accepted).length;
    await waitForProgress(scan, accepted, ctx.stallTimeoutMs);
  } finally {
    clearInterval(poll);
  }
  scan();
  // The consumer's duplicates during this step are this step's: they came while only it was running.
  counts.duplicated += consumer.duplicated - duplicatedBefore;
  const result = summarize(sent, counts, ctx.memory.take());
  progress.finish(
    `${result.throughput}/s, ack p99 ${result.ackMs.p99} ms, lost ${result.lost}, duplicated ${result.duplicated}`,
  );
  return result;
}

export interface ShopRunOptions {
  readonly phase: string;
  /** Commands: captures and refunds together; the orders follow from it. */
  readonly count: number;
  readonly pace: Pace;
  /** A pause after each step, so that its workflows' last tasks fall inside it (the history census). */
  readonly pauseMs?: number;
}

/**
 * Places the orders, then captures every one of them and refunds the first quarter (a refund needs its
 * capture's event first): the captures and refunds are the door's commands, measured as one run.
 */
export async function runShop<Order extends ShopOrderRef>(
  ctx: BenchContext,
  door: ShopDoor<Order>,
  options: ShopRunOptions,
): Promise<ShopRun & { steps: ShopSteps }> {
  const { phase, count, pace, pauseMs = 0 } = options;
  const { orders, refunds } = door.load(`${ctx.runId}-${phase}`, count);
  const step = (what: string, some: readonly Order[], request: ShopRequest<Order>) =>
    runStep(ctx, door.consumer, `${door.name} ${phase} ${what}`, some, pace, request);
  const pause = () => new Promise((done) => setTimeout(done, pauseMs));
  door.start?.();
  try {
    const checkoutAt = Date.now();
    const checkout = await step('checkout', orders, door.checkout);
    await pause();
    const commandsAt = Date.now();
    const steps = [await step('capture', orders, door.capture)];
    if (refunds > 0) steps.push(await step('refund', orders.slice(0, refunds), door.refund));
    await pause();
    return {
      checkout,
      commands: mergeSettleRuns(steps),
      steps: { checkoutAt, commandsAt, endedAt: Date.now() },
    };
  } finally {
    await door.stop?.();
  }
}

/** Rounds of one level as one, as mergeSettleRuns does for MIB's. */
export function mergeShopRuns(runs: readonly ShopRun[]): ShopRun {
  return {
    checkout: mergeSettleRuns(runs.map((run) => run.checkout)),
    commands: mergeSettleRuns(runs.map((run) => run.commands)),
  };
}
