import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HELM_VERSION, resolveHelm } from '../../scripts/helm';
import { resolveStripeMock, STRIPE_MOCK_VERSION } from '../../scripts/stripe-mock';

/**
 * stripe-mock (the Stripe tests) and Helm (the chart's tests) are found like the Temporal binaries, but have no
 * download to fall back on.
 */
describe.each([
  {
    label: 'stripe-mock',
    envVar: 'STRIPE_MOCK_PATH',
    command: 'stripe-mock',
    module: `github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}`,
    entry: `stripe-mock-${STRIPE_MOCK_VERSION}`,
    resolve: resolveStripeMock,
  },
  {
    label: 'Helm',
    envVar: 'HELM_PATH',
    command: 'helm',
    module: `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`,
    entry: `helm-${HELM_VERSION}`,
    resolve: resolveHelm,
  },
])('resolving $label', ({ label, envVar, command, module, entry, resolve }) => {
  const saved = { ...process.env };
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `settle-${command}-`));
    mkdirSync(join(dir, 'bin'));
    Object.assign(process.env, { PATH: join(dir, 'bin'), SETTLE_CACHE_DIR: join(dir, 'cache') });
    delete process.env[envVar];
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  const script = (path: string, lines: string[]) => {
    writeFileSync(path, ['#!/bin/sh', ...lines, ''].join('\n'));
    chmodSync(path, 0o755);
    return path;
  };

  it(`takes ${envVar} first, and refuses one that is not an executable`, async () => {
    process.env[envVar] = script(join(dir, `my-${command}`), ['echo mine']);
    expect(await resolve()).toBe(join(dir, `my-${command}`));
    process.env[envVar] = join(dir, 'missing');
    await expect(resolve()).rejects.toThrow(new RegExp(`${envVar}=.* is not an executable file`));
  });

  it('builds the pinned version with go install into the cache once, then reads the cache', async () => {
    const calls = join(dir, 'go-calls');
    script(join(dir, 'bin', 'go'), [
      `echo "$@" >> ${calls}`,
      `printf '#!/bin/sh\\n' > "$GOBIN/${command}"`,
      `/bin/chmod +x "$GOBIN/${command}"`,
    ]);
    const built = join(dir, 'cache', entry, command);
    expect(await resolve()).toBe(built);
    expect(await resolve()).toBe(built);
    expect(readFileSync(calls, 'utf8')).toBe(`install ${module}\n`);
  });

  it('fails without Go, listing what it tried and what to install', async () => {
    await expect(resolve()).rejects.toThrow(
      new RegExp(
        `${label}: not found\\. Tried:\\n {2}- ${envVar}: not set\\n {2}- PATH: no "${command}"\\n {2}- cache: nothing at .*\\n {2}- build: go is not on PATH\\nTo fix: install Go`,
      ),
    );
  });
});
