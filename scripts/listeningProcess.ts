import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '../config/server';
import { killGroup, spawnGuarded } from './processGuard';

/**
 * A server process started on a free port and waited for until it accepts connections, with a deadline
 * meant for a loaded machine: what the time-skipping test server needs, since the SDK's own start gives a
 * JVM a fixed 5 seconds.
 */

export interface ListeningProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Sends `signal` (SIGKILL unless told) and resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
  /** What listens, for the error messages ("the time-skipping test server"). */
  readonly what: string;
  readonly command: string;
  /** The arguments, given the port to listen on. */
  readonly args: (port: number) => string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  /** New ports to try when the process exits before it listens (another process took the port meanwhile). */
  readonly attempts?: number;
}

/** The last few kilobytes of the process's stderr, quoted when it fails. */
const OUTPUT_KEPT = 4096;

export async function startListening({
  what,
  command,
  args,
  env = process.env,
  timeoutMs,
  attempts = 3,
}: StartOptions): Promise<ListeningProcess> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    // Guarded: a test run that ends without its teardown, or is killed, does not leave the server behind.
    const child = spawnGuarded(command, args(port), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_KEPT)));
    const stop = (signal: NodeJS.Signals = 'SIGKILL') => stopProcess(child, signal);
    try {
      await waitForPort(port, child, { what, timeoutMs, output: () => output });
      return { port, child, stop };
    } catch (error) {
      const exitedEarly = child.exitCode !== null || child.signalCode !== null;
      await stop();
      if (!exitedEarly || attempt >= attempts) throw error;
    }
  }
}

export interface WaitForPortOptions {
  readonly what: string;
  readonly timeoutMs: number;
  /** The process's recent output, quoted when it exits or never listens. */
  readonly output?: () => string;
}

/**
 * Resolves once 127.0.0.1:`port` accepts a connection; fails as soon as `child` exits, or at the deadline.
 * Polls every 100 ms, so a fast start is seen at once and a slow one is waited for.
 */
export function waitForPort(
  port: number,
  child: ChildProcess,
  { what, timeoutMs, output = () => '' }: WaitForPortOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const failure = (message: string) => {
    const text = output().trim();
    return new Error(text ? `${message}; its output:\n${text}` : message);
  };
  return new Promise((done, fail) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      child.off('exit', exited);
      child.off('error', failedToStart);
      if (error) fail(error);
      else done();
    };
    const exited = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(failure(`${what} exited (${signal ?? `code ${code}`}) before it listened on port ${port}`));
    const failedToStart = (error: Error) => finish(failure(`${what} did not start: ${error.message}`));
    child.once('exit', exited);
    child.once('error', failedToStart);
    if (child.exitCode !== null || child.signalCode !== null) exited(child.exitCode, child.signalCode);
    const attempt = () => {
      if (settled) return;
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        finish();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline)
          finish(failure(`${what} did not listen on port ${port} within ${timeoutMs / 1000} s`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  // No pid: the program could not be started at all, and no exit will follow.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    // SIGKILL ends what it started too; another signal goes to it alone, to stop as it does.
    if (signal === 'SIGKILL') killGroup(child, signal);
    else child.kill(signal);
  });
}
