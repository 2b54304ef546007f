import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The processes the benchmark measures (the API and the workers), each a node process of its own so that
 * its memory is its own: run with tsx's loader in-process (`node --import tsx`), not through the tsx CLI,
 * whose relay process would stand between us and the pid that holds the memory.
 */

export const PROJECT_ROOT = resolve(__dirname, '..');

export interface BenchProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the first output line that contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<string>;
  /** The last lines it printed, for error messages. */
  tail(): string;
  /** Asks for a JSON message over the IPC channel (processes started with `ipc`). */
  ask<T>(request: string, timeoutMs?: number): Promise<T>;
  /** SIGTERM, then SIGKILL if it does not exit in time; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export function startProcess(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  { ipc = false, from }: { ipc?: boolean; from?: string } = {},
): BenchProcess {
  // BENCH_PROFILE=<folder>: a V8 CPU profile of each measured process, written there when it exits.
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  // `from`: a folder with the project compiled to JavaScript; otherwise the TypeScript source under tsx.
  const entry = from ? [join(from, script.replace(/\.ts$/, '.js'))] : ['--import', 'tsx', script];
  const child = spawn(process.execPath, [...profile, ...entry], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? (['ipc'] as const) : [])],
  });
  // Only the tail is kept: at info level the API and the worker log a line or two per command.
  const lines: string[] = [];
  const waiters: { text: string; done: (line: string) => void }[] = [];
  let partial = '';
  const onData = (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      lines.push(line);
      if (lines.length > 50) lines.shift();
      for (const waiter of waiters.filter((w) => line.includes(w.text))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.done(line);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  // BENCH_LOG_DIR=<folder>: everything each process printed, for a look at retries and errors afterwards.
  if (process.env.BENCH_LOG_DIR) {
    const log = createWriteStream(join(process.env.BENCH_LOG_DIR, `${name.replace(/\W+/g, '-')}.log`));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  }
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const tail = () => lines.join('\n');

  return {
    name,
    child,
    tail,
    waitFor: (text, timeoutMs = 120_000) =>
      new Promise((done, fail) => {
        const timer = setTimeout(
          () => fail(new Error(`${name}: no "${text}" in time:\n${tail()}`)),
          timeoutMs,
        );
        const finish = (line: string) => {
          clearTimeout(timer);
          done(line);
        };
        waiters.push({ text, done: finish });
        void exited.then((code) => {
          clearTimeout(timer);
          fail(new Error(`${name} exited with ${code} before "${text}":\n${tail()}`));
        });
      }),
    ask: <T>(request: string, timeoutMs = 10_000) =>
      new Promise<T>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`${name} did not answer "${request}"`)), timeoutMs);
        child.once('message', (answer) => {
          clearTimeout(timer);
          done(answer as T);
        });
        child.send(request);
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.kill('SIGTERM');
      const code = await exited;
      clearTimeout(kill);
      return code;
    },
  };
}

/**
 * The image's NODE_OPTIONS (the Dockerfile's runtime stage): the V8 settings the API and the worker are
 * deployed with, which the benchmark's compiled processes run with too.
 */
export function deployedNodeOptions(dockerfile = join(PROJECT_ROOT, 'Dockerfile')): string | undefined {
  return /NODE_OPTIONS="([^"]*)"/.exec(readFileSync(dockerfile, 'utf8'))?.[1];
}

/** Resident memory of a process in bytes, now and at its peak (Linux: /proc/<pid>/status). */
export function memoryOf(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kB('VmRSS') * 1024, peak: kB('VmHWM') * 1024 };
  } catch {
    return undefined;
  }
}

/** Starts a new peak (VmHWM) for the process, so each phase reports its own; a no-op where not allowed. */
export function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not Linux, or not permitted: the sampled maximum still holds.
  }
}

/** CPU time (user + system) a process has used so far, in seconds (Linux: /proc/<pid>/stat). */
export function cpuSecondsOf(pid: number): number | undefined {
  const fields = statFields(pid);
  // utime, stime in clock ticks (USER_HZ = 100)
  return fields ? (Number(fields[11]) + Number(fields[12])) / 100 : undefined;
}

/** The pids of this process's children whose command line contains `text` (the dev server we started). */
export function childPidsMatching(text: string): number[] {
  // Each thread lists the children it started; the SDK's native threads start the dev server.
  return childrenOf(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
    } catch {
      return false;
    }
  });
}

/** What the sampler measures under one name: one process, or a server and the processes it forks. */
export interface Measured {
  /** CPU time used so far (s), or undefined once it is gone. */
  cpuSeconds(): number | undefined;
  /** Resident memory in bytes, now and at its peak. */
  memory(): { rss: number; peak: number } | undefined;
  /** Starts a new peak, where the kernel keeps one. */
  resetPeak(): void;
}

export function oneProcess(pid: number): Measured {
  return {
    cpuSeconds: () => cpuSecondsOf(pid),
    memory: () => memoryOf(pid),
    resetPeak: () => resetPeak(pid),
  };
}

/**
 * A server and its children, as PostgreSQL's postmaster and its backends: CPU time of all of them, the children
 * that have exited included (the kernel adds theirs to the parent's cutime and cstime), and their memory as
 * proportional set sizes, which share the shared buffers among the processes instead of counting them in each.
 */
export function processTree(pid: number): Measured {
  const children = () => childrenOf(pid);
  return {
    cpuSeconds() {
      const own = statFields(pid);
      if (!own) return undefined;
      // utime, stime, cutime, cstime (fields 14–17) in clock ticks.
      const ticks = [11, 12, 13, 14].reduce((sum, field) => sum + Number(own[field]), 0);
      return children().reduce((sum, child) => sum + (cpuSecondsOf(child) ?? 0), ticks / 100);
    },
    memory() {
      const pss = [pid, ...children()].map(pssOf);
      if (pss[0] === undefined) return undefined;
      const total = pss.reduce<number>((sum, bytes) => sum + (bytes ?? 0), 0);
      return { rss: total, peak: total };
    },
    resetPeak: () => {},
  };
}

function statFields(pid: number): string[] | undefined {
  try {
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .trim()
        .split(' ')
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** Proportional set size in bytes (Linux: /proc/<pid>/smaps_rollup). */
function pssOf(pid: number): number | undefined {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? NaN) * 1024;
  } catch {
    return undefined;
  }
}

export interface Usage {
  /** Peak resident memory per process (MB). */
  readonly peakRssMb: Record<string, number>;
  /** CPU time per process (s), where the pid is known. */
  readonly cpuSeconds: Record<string, number>;
}

/**
 * Samples the resident memory of some processes every `intervalMs`, keeping the maximum since the last
 * `take()` (together with VmHWM this catches short peaks between samples), and counts the CPU time each
 * used in between, which shows where the machine's two cores go.
 */
export class MemorySampler {
  private readonly peaks = new Map<string, number>();
  private readonly cpuAtStart = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly measured: Readonly<Record<string, Measured>>,
    /** Processes whose CPU time is counted but whose memory is not reported. */
    private readonly cpuOnly: Readonly<Record<string, Measured>> = {},
    intervalMs = 200,
  ) {
    this.reset();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample() {
    for (const [name, subject] of Object.entries(this.measured)) {
      const memory = subject.memory();
      if (memory) this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, memory.rss, memory.peak));
    }
  }

  private cpuNow(): Map<string, number> {
    const all = { ...this.measured, ...this.cpuOnly };
    return new Map(
      Object.entries(all).flatMap(([name, subject]) => {
        const seconds = subject.cpuSeconds();
        return seconds === undefined ? [] : [[name, seconds] as const];
      }),
    );
  }

  private reset() {
    this.peaks.clear();
    for (const subject of Object.values(this.measured)) subject.resetPeak();
    this.cpuAtStart.clear();
    for (const [name, seconds] of this.cpuNow()) this.cpuAtStart.set(name, seconds);
  }

  /** Peak memory and CPU time per process since the last call, and a new period from now. */
  take(): Usage {
    this.sample();
    const peakRssMb = Object.fromEntries([...this.peaks].map(([name, bytes]) => [name, megabytes(bytes)]));
    const cpuSeconds = Object.fromEntries(
      [...this.cpuNow()].map(([name, seconds]) => [name, round2(seconds - (this.cpuAtStart.get(name) ?? 0))]),
    );
    this.reset();
    return { peakRssMb, cpuSeconds };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** "worker" when there is one, "worker 1", "worker 2", … when there are several. */
export const numbered = (name: string, index: number, count: number) =>
  count === 1 ? name : `${name} ${index + 1}`;

const round2 = (value: number) => Math.round(value * 100) / 100;

export const megabytes = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
