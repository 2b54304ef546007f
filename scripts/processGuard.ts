import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Writable } from 'node:stream';

/**
 * Servers a process starts (Temporal, RabbitMQ, PostgreSQL, stripe-mock, …) must not outlive it. On Linux a
 * child does not die with its parent, and a SIGKILLed parent runs no handler; so each server runs in a process
 * group of its own (a terminal's Ctrl-C then reaches only the parent, which stops the servers in order), and a
 * guardian watches the parent: a small `node` process, one per parent while it has servers, that holds a pipe
 * from it. When the pipe closes (the parent has exited, however it ended), the guardian sends each server
 * that is still running its stop signal, and SIGKILLs the server's group after a grace period.
 */

/** The guardian's program: lines `+ <pgid> <signal> <graceMs>` and `- <pgid>` on stdin; end of input stops all. */
const GUARDIAN = `
const groups = new Map();
let rest = '';
const alive = (pgid) => { try { process.kill(-pgid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const send = (target, signal) => { try { process.kill(target, signal); } catch {} };
let stopping = false;
const stopAll = () => {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  for (const [pgid, { signal }] of groups) send(pgid, signal);
  const check = () => {
    for (const [pgid, { graceMs }] of groups) {
      if (!alive(pgid)) groups.delete(pgid);
      else if (Date.now() - started > graceMs) { send(-pgid, 'SIGKILL'); groups.delete(pgid); }
    }
    if (groups.size === 0) process.exit(0);
    setTimeout(check, 100);
  };
  check();
};
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  const lines = (rest + chunk).split('\\n');
  rest = lines.pop();
  for (const line of lines) {
    const [op, pgid, signal, graceMs] = line.split(' ');
    if (op === '+') groups.set(Number(pgid), { signal, graceMs: Number(graceMs) });
    else if (op === '-') groups.delete(Number(pgid));
  }
});
process.stdin.on('end', stopAll);
process.stdin.on('error', stopAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stopAll);
`;

/** The argument that names a guardian in `ps`, with its parent's pid after it. */
export const GUARDIAN_MARK = 'settle-guardian';

let guardian: { readonly process: ChildProcess; readonly input: Writable; guarded: number } | undefined;

function currentGuardian() {
  if (guardian && guardian.process.exitCode === null && guardian.process.signalCode === null) return guardian;
  // A group of its own: a Ctrl-C or a supervisor's signal to the parent's group does not end it first.
  const child = spawn(process.execPath, ['-e', GUARDIAN, GUARDIAN_MARK, String(process.pid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', () => {});
  child.stdin!.on('error', () => {});
  // The guardian must not keep its parent alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  guardian = { process: child, input: child.stdin!, guarded: 0 };
  return guardian;
}

export interface GuardOptions {
  /** What the guardian sends the group's leader when the parent has gone; SIGTERM unless told. */
  readonly stopSignal?: NodeJS.Signals;
  /** How long it waits for the group to end before SIGKILL; 15 s unless told. */
  readonly graceMs?: number;
}

/**
 * Puts the process group `pgid` (a server started with `detached: true`, or one that made its own group)
 * under the guardian; the function returned takes it off again, once the server has stopped.
 */
export function guardGroup(pgid: number, { stopSignal = 'SIGTERM', graceMs = 15_000 }: GuardOptions = {}) {
  const watcher = currentGuardian();
  watcher.guarded += 1;
  watcher.input.write(`+ ${pgid} ${stopSignal} ${graceMs}\n`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    watcher.guarded -= 1;
    watcher.input.write(`- ${pgid}\n`);
    // Nothing left to guard: the guardian ends with its input.
    if (watcher.guarded === 0) {
      watcher.input.end();
      if (guardian === watcher) guardian = undefined;
    }
  };
}

/**
 * Spawns a server in a process group of its own, guarded: stopped when this process ends in any way. Its
 * `exit` takes it off the guardian; on this process's own exit its group is SIGKILLed at once.
 */
export function spawnGuarded(
  command: string,
  args: readonly string[],
  options: Omit<SpawnOptions, 'detached'> & GuardOptions,
): ChildProcess {
  const { stopSignal, graceMs, ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, detached: true });
  if (child.pid === undefined) return child;
  const release = guardGroup(child.pid, { stopSignal, graceMs });
  running.add(child);
  if (running.size === 1) process.once('exit', killRunning);
  child.once('exit', () => {
    running.delete(child);
    if (running.size === 0) process.off('exit', killRunning);
    release();
  });
  return child;
}

/** The guarded servers still running, SIGKILLed when this process exits without having stopped them. */
const running = new Set<ChildProcess>();
const killRunning = () => {
  for (const child of running) killGroup(child, 'SIGKILL');
};

/** Sends `signal` to the child's process group (the child and what it started); nothing if it has gone. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group has gone already.
  }
}
