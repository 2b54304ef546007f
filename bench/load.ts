/**
 * How the benchmark sends: `concurrency` keeps that many requests in flight (each sender sends its next as
 * soon as its last was answered), `rate` sends at a fixed pace whatever the answers take (open loop, as MIB
 * forwards what the OMS produces).
 */

export type Pace = { readonly concurrency: number } | { readonly rate: number };

export async function drive(
  count: number,
  pace: Pace,
  send: (index: number) => Promise<void>,
): Promise<void> {
  if ('concurrency' in pace) {
    let next = 0;
    const sender = async () => {
      while (next < count) await send(next++);
    };
    await Promise.all(Array.from({ length: Math.min(pace.concurrency, count) }, sender));
    return;
  }
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < count; index += 1) {
    const due = start + (index * 1000) / pace.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((done) => setTimeout(done, wait));
    inFlight.push(send(index));
  }
  await Promise.all(inFlight);
}

/** A progress bar on stderr; without a terminal, a line at every quarter. */
export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private lastQuarter = 0;
  private readonly started = performance.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly enabled = true,
  ) {}

  /** `sent` requests answered, `done` of them finished (notified, completed). */
  update(sent: number, done: number): void {
    if (!this.enabled) return;
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    const text = `${this.label} ${bar(done / this.total)} sent ${sent}/${this.total}, done ${done} (${rate}/s)`;
    if (this.tty) {
      process.stderr.write(`\r${text}\x1b[K`);
    } else {
      const quarter = Math.floor((done / this.total) * 4);
      if (quarter > this.lastQuarter) {
        this.lastQuarter = quarter;
        process.stderr.write(`${text}\n`);
      }
    }
  }

  finish(summary: string): void {
    if (!this.enabled) return;
    process.stderr.write(`${this.tty ? '\r\x1b[K' : ''}${this.label} ${summary}\n`);
  }
}

function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, fraction) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
