import type { SerializedMessage } from '../sim/spryker/messageBroker';
import { drive, Progress, type Pace } from './load';
import {
  mergeSettleRuns,
  summarize,
  waitForProgress,
  type BenchContext,
  type SettleRun,
  type Timed,
} from './phases';
import { captureOf, refundOf, sprykerLoad, type SprykerOrder } from './sprykerMix';

/**
 * The benchmark as a Spryker shop: it places orders at checkout, sends captures and refunds to
 * payment-commands, and consumes payment-events as the shop's worker does (fetch, then acknowledge), so that
 * a command is done when its event reaches the shop, as a MIB command is when its notification reaches MIB.
 */

export interface SprykerRun {
  /** Orders placed: initialize-payment answered (the acknowledgement), then PaymentAuthorized at the shop. */
  readonly checkout: SettleRun;
  /** Captures and refunds: POST payment-commands answered, then their event at the shop. */
  readonly commands: SettleRun;
}

/** When the checkouts and the commands began and the last step ended (epoch ms), for the history census. */
export interface SprykerSteps {
  readonly checkoutAt: number;
  readonly commandsAt: number;
  readonly endedAt: number;
}

interface Request extends Timed {
  readonly orderReference: string;
}

/** One step of the shop: its requests sent at `pace`, done when each one's event (`expected`) has arrived. */
async function runStep(
  ctx: BenchContext,
  label: string,
  orders: readonly SprykerOrder[],
  pace: Pace,
  expected: { readonly settled: string; readonly failed: string },
  send: (order: SprykerOrder) => Promise<{ status: number; body: unknown }>,
): Promise<SettleRun> {
  const { consumer } = ctx.spryker;
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
      if (!one || (event.name !== expected.settled && event.name !== expected.failed)) continue;
      if (one.notifiedAt !== undefined) {
        counts.duplicated += 1;
        continue;
      }
      one.notifiedAt = event.receivedAt;
      counts.notified += 1;
      if (event.name !== expected.settled) counts.unexpected += 1;
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
      const answer = await send(orders[index]!).catch(() => undefined);
      one.ackMs = performance.now() - started;
      one.accepted = answer !== undefined && accepts(answer);
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

/** A checkout is accepted when it authorized; a command when the door answered its MessageId. */
function accepts({ status, body }: { status: number; body: unknown }): boolean {
  if (status !== 200 || body === null || typeof body !== 'object') return false;
  return 'isSuccessful' in body ? body.isSuccessful === true : 'MessageId' in body;
}

export interface SprykerRunOptions {
  readonly phase: string;
  /** Commands: captures and refunds together (sprykerMix.ts); the orders follow from it. */
  readonly count: number;
  readonly pace: Pace;
  /** A pause after each step, so that its workflows' last tasks fall inside it (the history census). */
  readonly pauseMs?: number;
}

/**
 * Places the orders, then captures every one of them and refunds the first quarter (a refund needs its
 * capture's event first): the captures and refunds are the Spryker commands, measured as one run.
 */
export async function runSpryker(
  ctx: BenchContext,
  options: SprykerRunOptions,
): Promise<SprykerRun & { steps: SprykerSteps }> {
  const { phase, count, pace, pauseMs = 0 } = options;
  const { bus, consumer } = ctx.spryker;
  const { orders, refunds } = sprykerLoad(`${ctx.runId}-${phase}`, count);
  const command = (message: SerializedMessage) => bus.send('payment-commands', message);
  const pause = () => new Promise((done) => setTimeout(done, pauseMs));
  consumer.start();
  try {
    const checkoutAt = Date.now();
    const checkout = await runStep(
      ctx,
      `spryker ${phase} checkout`,
      orders,
      pace,
      { settled: 'PaymentAuthorized', failed: 'PaymentAuthorizationFailed' },
      (order) => bus.initializePayment(bus.initializeRequest(order.checkout, false)),
    );
    await pause();
    const commandsAt = Date.now();
    const steps = [
      await runStep(
        ctx,
        `spryker ${phase} capture`,
        orders,
        pace,
        { settled: 'PaymentCaptured', failed: 'PaymentCaptureFailed' },
        (order) => command(captureOf(order)),
      ),
    ];
    if (refunds > 0)
      steps.push(
        await runStep(
          ctx,
          `spryker ${phase} refund`,
          orders.slice(0, refunds),
          pace,
          { settled: 'PaymentRefunded', failed: 'PaymentRefundFailed' },
          (order) => command(refundOf(order)),
        ),
      );
    await pause();
    return {
      checkout,
      commands: mergeSettleRuns(steps),
      steps: { checkoutAt, commandsAt, endedAt: Date.now() },
    };
  } finally {
    await consumer.stop();
  }
}

/** Rounds of one level as one, as mergeSettleRuns does for MIB's. */
export function mergeSprykerRuns(runs: readonly SprykerRun[]): SprykerRun {
  return {
    checkout: mergeSettleRuns(runs.map((run) => run.checkout)),
    commands: mergeSettleRuns(runs.map((run) => run.commands)),
  };
}
