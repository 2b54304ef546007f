import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { spawnGuarded } from '../processGuard';

/** A long-running program of the cluster, its output appended to a log file or handed to `onLine`. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves once it has exited, with its exit code or the signal that ended it. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** SIGTERM (or `signal`), then SIGKILL if it has not exited within `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly logFile?: string;
  readonly onLine?: (line: string) => void;
}

export function spawnChild(name: string, command: string, args: string[], options: SpawnOptions): Child {
  // A process group of its own: Ctrl-C in a terminal reaches only `npm start`, which stops each in order;
  // guarded, so that it stops when `npm start` dies.
  const child = spawnGuarded(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    graceMs: 30_000,
  });
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  }
  if (options.onLine) {
    const onLine = options.onLine;
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop()!;
        for (const line of lines) onLine(line);
      });
    }
  }
  const exited = new Promise<number | NodeJS.Signals | null>((done) => {
    child.once('exit', (code, signal) => done(signal ?? code));
    child.once('error', () => done(null));
  });
  return {
    name,
    process: child,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill(signal);
      await exited;
      clearTimeout(timer);
    },
  };
}
