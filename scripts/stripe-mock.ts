import type { ChildProcess } from 'node:child_process';
import { spawnGuarded } from './processGuard';
import { resolveBinary, run, type ResolveOptions } from './temporal-binaries';

/**
 * stripe-mock, Stripe's own mock of its API (it checks every request against Stripe's OpenAPI spec), for the
 * Stripe adapter's tests. Found like the Temporal binaries: STRIPE_MOCK_PATH, PATH, the project's cache, else
 * built with `go install` into the cache (about 35 s with empty Go caches, under 1 s with warm ones).
 */

export const STRIPE_MOCK_VERSION = 'v0.203.0';

const STRIPE_MOCK = {
  label: 'stripe-mock',
  envVar: 'STRIPE_MOCK_PATH',
  commandName: 'stripe-mock',
  cacheEntry: `stripe-mock-${STRIPE_MOCK_VERSION}`,
  hint: `install Go so that Settle can run "go install github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}", or put stripe-mock on PATH, or set STRIPE_MOCK_PATH`,
  sdkFallback: false,
  async build(dir: string) {
    await run('go', ['install', `github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}`], {
      ...process.env,
      GOBIN: dir,
      GOFLAGS: '-buildvcs=false',
    });
    return 'stripe-mock';
  },
};

/** The stripe-mock executable's path, building it when needed. */
export async function resolveStripeMock(options?: ResolveOptions): Promise<string> {
  const resolution = await resolveBinary(STRIPE_MOCK, options);
  if (resolution.executable.type !== 'existing-path') throw new Error('stripe-mock: nothing found');
  return resolution.executable.path;
}

export interface RunningStripeMock {
  /** Its HTTP API base, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts stripe-mock on free loopback ports (it always opens an HTTPS port too) and waits until it listens. */
export async function startStripeMock(executable?: string): Promise<RunningStripeMock> {
  const path = executable ?? (await resolveStripeMock());
  const child: ChildProcess = spawnGuarded(
    path,
    ['-http-addr', '127.0.0.1:0', '-https-addr', '127.0.0.1:0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((done, fail) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`stripe-mock did not start within 20 s:\n${output}`)),
      20_000,
    );
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const address = /Listening for HTTP at address: (\S+)/.exec(output)?.[1];
      if (address) {
        clearTimeout(timer);
        done(`http://${address}`);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`stripe-mock exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
