import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveTemporalCli, TEMPORAL_CLI_VERSION, withResolution } from '../../scripts/temporal-binaries';

/**
 * The resolution order of the Temporal binaries, with real files and processes: a fake `go` on PATH stands
 * in for the registry build, so that these tests need neither the network nor minutes of compiling.
 */
describe('resolving the Temporal CLI', () => {
  const saved = { ...process.env };
  let dir: string;
  let bin: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'settle-binaries-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    process.env.PATH = bin;
    process.env.SETTLE_CACHE_DIR = join(dir, 'cache');
    process.env.COUNTER = join(dir, 'builds');
    delete process.env.TEMPORAL_CLI_PATH;
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  const executable = (path: string, body = 'echo fake temporal') => {
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  // A stand-in for `go install`: counts its runs, takes a moment, and leaves a program in $GOBIN.
  const fakeGo = () =>
    executable(
      join(bin, 'go'),
      [
        'echo "$@" >> "$COUNTER"',
        '/bin/sleep 1',
        `printf '#!/bin/sh\\necho built\\n' > "$GOBIN/temporal"`,
        '/bin/chmod +x "$GOBIN/temporal"',
      ].join('\n'),
    );
  const cacheEntry = () => join(process.env.SETTLE_CACHE_DIR!, `cli-${TEMPORAL_CLI_VERSION}`);

  it('takes an explicit TEMPORAL_CLI_PATH first, even with a temporal on PATH', async () => {
    executable(join(bin, 'temporal'));
    process.env.TEMPORAL_CLI_PATH = executable(join(dir, 'my-temporal'));
    const resolution = await resolveTemporalCli();
    expect(resolution.source).toBe('environment');
    expect(resolution.executable).toEqual({ type: 'existing-path', path: join(dir, 'my-temporal') });
  });

  it('refuses an explicit path that is not an executable', async () => {
    process.env.TEMPORAL_CLI_PATH = join(dir, 'missing');
    await expect(resolveTemporalCli()).rejects.toThrow(
      `TEMPORAL_CLI_PATH=${join(dir, 'missing')} is not an executable file`,
    );
  });

  it('takes temporal from PATH before the cache', async () => {
    executable(join(bin, 'temporal'));
    mkdirSync(cacheEntry(), { recursive: true });
    executable(join(cacheEntry(), 'temporal'));
    writeFileSync(join(cacheEntry(), '.executable'), 'temporal');
    expect(await resolveTemporalCli()).toMatchObject({
      source: 'PATH',
      executable: { path: join(bin, 'temporal') },
    });
  });

  it('builds once with go into the cache, even when two runs ask at once, then reads the cache', async () => {
    fakeGo();
    const [a, b] = await Promise.all([resolveTemporalCli(), resolveTemporalCli()]);
    const built = join(cacheEntry(), 'temporal');
    expect(a).toMatchObject({ source: 'build', executable: { path: built } });
    expect(b).toMatchObject({ source: 'build', executable: { path: built } });
    expect(readFileSync(process.env.COUNTER!, 'utf8')).toBe(
      `install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}\n`,
    );
    expect(spawnSync(built).stdout.toString()).toBe('built\n');
    expect(await resolveTemporalCli()).toMatchObject({ source: 'cache', executable: { path: built } });
  });

  it('takes over the lock of a build whose process died', async () => {
    fakeGo();
    const dead = spawnSync('/bin/true').pid;
    mkdirSync(`${cacheEntry()}.lock`, { recursive: true });
    writeFileSync(join(`${cacheEntry()}.lock`, 'pid'), String(dead));
    expect((await resolveTemporalCli()).source).toBe('build');
  });

  it('falls back to the SDK download, and a failure then says what was tried and what to install', async () => {
    const resolution = await resolveTemporalCli();
    expect(resolution.source).toBe('sdk-download');
    expect(resolution.executable).toEqual({ type: 'cached-download' });
    const failing = withResolution(resolution, async () => {
      throw new Error('download failed: network unreachable');
    });
    await expect(failing).rejects.toThrow(/could not start the Temporal CLI/);
    await expect(failing).rejects.toThrow(/TEMPORAL_CLI_PATH: not set/);
    await expect(failing).rejects.toThrow(/PATH: no "temporal"/);
    await expect(failing).rejects.toThrow(/build: go is not on PATH/);
    await expect(failing).rejects.toThrow(/sdk-download: download failed: network unreachable/);
    await expect(failing).rejects.toThrow(/install Go/);
  });
});
