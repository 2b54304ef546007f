import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './paths';
import { eventually } from './temporal';

/** A Settle entry point (`scripts/start.ts`, `worker/main.ts`, …) run as its own process, as a user runs it. */
export interface SettleProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves once its output contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface RunOptions {
  /**
   * Run the script in this one process (`node --import tsx`), as a container runs `node dist/worker/main.js`.
   * The tsx command runs the script in a child process of its own, which a SIGKILL to tsx would not reach.
   */
  readonly oneProcess?: boolean;
  /** In a process group of its own, which a test signals as a terminal or a supervisor does. */
  readonly group?: boolean;
}

export function runEntryPoint(
  script: string,
  env: NodeJS.ProcessEnv,
  args: string[] = [],
  { oneProcess = false, group = false }: RunOptions = {},
): SettleProcess {
  const [command, ...prefix] = oneProcess
    ? [process.execPath, '--import', 'tsx']
    : [join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx')];
  const child = spawn(command!, [...prefix, script, ...args], { cwd: PROJECT_ROOT, env, detached: group });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    exited,
    output: () => output,
    waitFor: async (text, timeoutMs = 120_000) => {
      await eventually(
        async () => (output.includes(text) ? true : undefined),
        timeoutMs,
        `"${text}" from ${script}:\n${output}`,
      );
    },
    stop: async (signal = 'SIGINT') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * The worker (`worker/main.ts`) in one process (no tsx wrapper), so that a SIGKILL hits the process that holds
 * the work, as it would in a container; resolves once it has started.
 */
export async function startWorker(env: NodeJS.ProcessEnv): Promise<SettleProcess> {
  const started = runEntryPoint('worker/main.ts', env, [], { oneProcess: true });
  await started.waitFor('"message":"worker started"');
  return started;
}

/** The API (`api/main.ts`) in one process, like the worker; resolves once it listens. */
export async function startApi(env: NodeJS.ProcessEnv): Promise<SettleProcess> {
  const started = runEntryPoint('api/main.ts', env, [], { oneProcess: true });
  await started.waitFor('"message":"API listening"');
  return started;
}

/** Kills the process with SIGKILL and checks that it died of it, not of an exit of its own. */
export async function killHard(settle: SettleProcess): Promise<void> {
  settle.child.kill('SIGKILL');
  expect(await settle.exited).toBeNull();
  expect(settle.child.signalCode).toBe('SIGKILL');
}

/** Drained by SIGTERM; killed if it has not exited within a minute, so that a hang fails no later test. */
export async function stopOrKill(settle: SettleProcess): Promise<void> {
  const timer = setTimeout(() => settle.child.kill('SIGKILL'), 60_000);
  await settle.stop('SIGTERM');
  clearTimeout(timer);
}

/**
 * Runs `command` in the project with exactly `env` (a test's own, sparse environment), and resolves with its
 * exit code and what it printed on stdout and stderr together.
 */
export function runToEnd(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, [...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, output }));
  });
}
