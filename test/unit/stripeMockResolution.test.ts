import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveStripeMock, STRIPE_MOCK_VERSION } from '../../scripts/stripe-mock';

/** stripe-mock is found like the Temporal binaries, but has no download to fall back on. */
describe('resolving stripe-mock', () => {
  const saved = { ...process.env };
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'settle-stripe-mock-'));
    mkdirSync(join(dir, 'bin'));
    Object.assign(process.env, { PATH: join(dir, 'bin'), SETTLE_CACHE_DIR: join(dir, 'cache') });
    delete process.env.STRIPE_MOCK_PATH;
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  const script = (path: string, lines: string[]) => {
    writeFileSync(path, ['#!/bin/sh', ...lines, ''].join('\n'));
    chmodSync(path, 0o755);
    return path;
  };

  it('takes STRIPE_MOCK_PATH first, and refuses one that is not an executable', async () => {
    process.env.STRIPE_MOCK_PATH = script(join(dir, 'my-stripe-mock'), ['echo mock']);
    expect(await resolveStripeMock()).toBe(join(dir, 'my-stripe-mock'));
    process.env.STRIPE_MOCK_PATH = join(dir, 'missing');
    await expect(resolveStripeMock()).rejects.toThrow(/STRIPE_MOCK_PATH=.* is not an executable file/);
  });

  it('builds the pinned version with go install into the cache once, then reads the cache', async () => {
    const calls = join(dir, 'go-calls');
    script(join(dir, 'bin', 'go'), [
      `echo "$@" >> ${calls}`,
      `printf '#!/bin/sh\\n' > "$GOBIN/stripe-mock"`,
      '/bin/chmod +x "$GOBIN/stripe-mock"',
    ]);
    const built = join(dir, 'cache', `stripe-mock-${STRIPE_MOCK_VERSION}`, 'stripe-mock');
    expect(await resolveStripeMock()).toBe(built);
    expect(await resolveStripeMock()).toBe(built);
    expect(readFileSync(calls, 'utf8')).toBe(
      `install github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}\n`,
    );
  });

  it('fails without Go, listing what it tried and what to install', async () => {
    await expect(resolveStripeMock()).rejects.toThrow(
      /stripe-mock: not found\. Tried:\n {2}- STRIPE_MOCK_PATH: not set\n {2}- PATH: no "stripe-mock"\n {2}- cache: nothing at .*\n {2}- build: go is not on PATH\nTo fix: install Go/,
    );
  });
});
