import { notificationMethod } from '../oms/mib/methods';
import { sendMibCommand } from '../sim/mib/sendCommand';
import { drive, Progress } from './load';
import { authorizationFor, benchCommand, type BenchCommand, type MixEntry } from './mix';
import { summarize, untilNotified, type BenchContext, type SettleRun, type Timed } from './phases';
import { percentiles, type Percentiles } from './stats';

/**
 * Commands that contend for their payment's turn: payments receive a capture each at a steady rate, and one in
 * ten a second command 50 ms after its capture was sent, which must wait until the capture has acted at the
 * provider. Two pairs that the gateway admits, alternately: a capture settled at once, then a refund of it (a
 * return right after shipping); a capture settled by webhook, then a cancellation of the rest of the
 * authorization (a partial shipment, the remainder released). The wait is the provider's view: from its answer
 * to the pair's first call to its receiving the other (providerLog.ts). Nothing makes the capture act first:
 * a pair whose second command reached the gateway first is counted as out of arrival order, and the gateway then
 * refuses the capture (after a cancellation) or the refund (before the capture): a failure notification.
 */

export interface ContendedRun {
  /** Payments sent a capture. */
  readonly payments: number;
  /** Of them, the payments that received a second command. */
  readonly pairs: number;
  readonly secondAfterMs: number;
  /** The steady rate of the captures, per second. */
  readonly rate: number;
  /**
   * Every command, captures and second commands: losses and duplicates count with the other runs'. A command
   * whose failure notification came is not lost (see `failed`).
   */
  readonly run: SettleRun;
  /** The gateway answered the pair's first operation → it received the other (ms), per pair measured. */
  readonly waitAfterFirstMs: Percentiles;
  /** Pairs whose second command reached the gateway before the capture: acted out of arrival order. */
  readonly outOfOrder: number;
  /** Commands MIB was told failed: the gateway refused them, which only a pair out of order makes it do. */
  readonly failed: number;
  /** The second command sent → its call at the gateway (ms). */
  readonly secondToProviderMs: Percentiles;
  /** Pairs both of whose calls the gateway received. */
  readonly measured: number;
  /**
   * The same wait from the histories: the payment's first turn workflow closed → its second started (ms), for
   * the pairs whose acts ran as `payment-turn:` child workflows (none when a build acts otherwise).
   */
  readonly turnGapMs: Percentiles;
  readonly turnPairs: number;
}

/** One payment in ten receives a second command. */
const EVERY = 10;
const SECOND_AFTER_MS = 50;
const PAIRS: readonly (readonly [MixEntry, MixEntry])[] = [
  [
    { command: 'capture', settlement: 'immediate' },
    { command: 'refund', settlement: 'immediate' },
  ],
  [
    { command: 'capture', settlement: 'pending' },
    { command: 'cancel', settlement: 'pending' },
  ],
];

interface Sent extends Timed {
  readonly command: BenchCommand;
  readonly message: object;
}

export async function runContended(ctx: BenchContext, payments: number, rate: number): Promise<ContendedRun> {
  const phase = `${ctx.runId}-contended`;
  const firsts: Sent[] = [];
  const seconds: (Sent | undefined)[] = [];
  for (let index = 0; index < payments; index += 1) {
    const paired = index % EVERY === 0;
    const [first, second] = PAIRS[Math.floor(index / EVERY) % PAIRS.length]!;
    const capture = benchCommand(phase, index, paired ? first : PAIRS[index % PAIRS.length]![0]);
    firsts.push({ command: capture, message: capture.message, sentAt: 0, accepted: false });
    const then = paired ? benchCommand(phase, index, second) : undefined;
    // The same payment and authorization; a request id of its own.
    seconds.push(
      then && {
        command: then,
        message: { ...then.message, id: `${then.reference}-second` },
        sentAt: 0,
        accepted: false,
      },
    );
  }
  await drive(payments, { concurrency: 32 }, async (index) => {
    const response = await fetch(`${ctx.gatewayUrl}/v1/authorizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.gatewayApiKey}` },
      body: JSON.stringify(authorizationFor(firsts[index]!.command)),
    });
    if (!response.ok) throw new Error(`gateway refused a setup authorization: ${await response.text()}`);
  });
  const all = [...firsts, ...seconds.filter((one): one is Sent => one !== undefined)];
  const tracker = new PairTracker(ctx, all);
  const progress = new Progress('contended', all.length, ctx.progress);
  const send = async (one: Sent) => {
    one.sentAt = Date.now();
    const started = performance.now();
    const answer = await sendMibCommand(ctx.apiUrl, one.message, { secret: ctx.intakeSecret }).catch(
      () => undefined,
    );
    one.ackMs = performance.now() - started;
    one.accepted = answer?.status === 200;
  };
  const poll = setInterval(() => {
    tracker.scan();
    progress.update(all.filter((one) => one.ackMs !== undefined).length, tracker.notified);
  }, 100);
  ctx.memory.take();
  try {
    const pending: Promise<void>[] = [];
    await drive(payments, { rate }, async (index) => {
      const first = send(firsts[index]!);
      const second = seconds[index];
      if (second)
        pending.push(new Promise((done) => setTimeout(done, SECOND_AFTER_MS)).then(() => send(second)));
      await first;
    });
    await Promise.all(pending);
    await untilNotified(ctx, tracker, all);
  } finally {
    clearInterval(poll);
  }
  tracker.scan();
  const run = summarize(all, tracker, ctx.memory.take());
  const waits: number[] = [];
  const toProvider: number[] = [];
  let outOfOrder = 0;
  for (const second of seconds) {
    if (!second) continue;
    const calls = ctx.providerLog.on(second.command.authorizationId);
    const capture = calls.find((call) => call.kind === 'captures');
    const other = calls.find((call) => call.kind !== 'captures');
    if (!capture || !other) continue;
    const [first, next] = capture.receivedAt <= other.receivedAt ? [capture, other] : [other, capture];
    if (first === other) outOfOrder += 1;
    if (first.answeredAt === undefined) continue;
    waits.push(next.receivedAt - first.answeredAt);
    toProvider.push(other.receivedAt - second.sentAt);
  }
  const turnGaps = await turnGapsOf(ctx, phase);
  const result: ContendedRun = {
    payments,
    pairs: seconds.filter(Boolean).length,
    secondAfterMs: SECOND_AFTER_MS,
    rate,
    run,
    waitAfterFirstMs: percentiles(waits),
    secondToProviderMs: percentiles(toProvider),
    measured: waits.length,
    outOfOrder,
    failed: tracker.failed,
    turnGapMs: percentiles(turnGaps),
    turnPairs: turnGaps.length,
  };
  progress.finish(
    `a pair's second call ${result.waitAfterFirstMs.p50} / ${result.waitAfterFirstMs.p99} ms after the first's answer (p50 / p99), ${outOfOrder} pairs out of order, ${tracker.failed} failed, lost ${run.lost}, duplicated ${run.duplicated}`,
  );
  return result;
}

/** For each payment with two turn runs: the first's close → the second's start, by the server's clock. */
async function turnGapsOf(ctx: BenchContext, phase: string): Promise<number[]> {
  const runs = new Map<string, { start: number; close: number }[]>();
  for await (const execution of ctx.temporal.workflow.list({
    query: `WorkflowId STARTS_WITH "payment-turn:${phase}-"`,
  })) {
    const list = runs.get(execution.workflowId) ?? [];
    list.push({ start: execution.startTime.getTime(), close: execution.closeTime?.getTime() ?? Infinity });
    runs.set(execution.workflowId, list);
  }
  return [...runs.values()]
    .filter((list) => list.length === 2)
    .map((list) => {
      const [first, second] = list.sort((a, b) => a.start - b.start);
      return second!.start - first!.close;
    });
}

/** MIB's notifications matched to their command by payment and notification method (two commands a payment). */
class PairTracker {
  private cursor: number;
  /** By payment and notification method: its success and its failure. */
  private readonly byKey = new Map<string, { sent: Sent; succeeded: boolean }>();
  private readonly references = new Set<string>();
  notified = 0;
  duplicated = 0;
  unexpected = 0;
  failed = 0;

  constructor(
    private readonly ctx: BenchContext,
    sent: readonly Sent[],
  ) {
    this.cursor = ctx.mib.notifications.length;
    for (const one of sent) {
      const { reference, command, expected } = one.command;
      this.byKey.set(`${reference} ${expected}`, { sent: one, succeeded: true });
      this.byKey.set(`${reference} ${notificationMethod(command, false)}`, { sent: one, succeeded: false });
      this.references.add(reference);
    }
  }

  scan(): void {
    const { notifications } = this.ctx.mib;
    for (; this.cursor < notifications.length; this.cursor += 1) {
      const notification = notifications[this.cursor]!;
      const reference = (notification.params as { payment?: { reference?: string } }).payment?.reference;
      if (reference === undefined || !this.references.has(reference)) continue;
      const matched = this.byKey.get(`${reference} ${notification.method}`);
      if (!matched) {
        // A notification of a command not sent: counted once, against no command.
        this.unexpected += 1;
        continue;
      }
      const { sent, succeeded } = matched;
      if (sent.notifiedAt !== undefined || notification.duplicate) {
        this.duplicated += 1;
        continue;
      }
      sent.notifiedAt = Date.parse(notification.receivedAt);
      this.notified += 1;
      if (!succeeded) this.failed += 1;
    }
  }
}
