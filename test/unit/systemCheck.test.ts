import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { missingForTests } from '../../scripts/systemCheck';
import { findOnPath } from '../../scripts/temporal-binaries';
import { PROJECT_ROOT } from '../helpers/paths';

/**
 * The README's test command on a machine without the system programs it needs: `npm test` (and jest's global
 * setup, for `npx jest`) stops with one message naming each missing piece and its install command, before it
 * typechecks or builds anything. The machine is this one, seen through a PATH that holds none of them but
 * `node` and `sh` (and no RabbitMQ folder, an empty binaries' cache), so that nothing is installed either.
 */
describe("the test suite's system check", () => {
  const dirs: string[] = [];
  const dir = (prefix: string) => {
    const made = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(made);
    return made;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /**
   * `command` run with a PATH holding only `node`, no RabbitMQ folder, an empty binaries' cache and a
   * CHROMIUM_PATH that does not exist.
   */
  async function runWithout(command: string[]) {
    const [path, rabbitmq, cache] = [dir('settle-path-'), dir('settle-no-rabbitmq-'), dir('settle-cache-')];
    // npm runs its scripts with sh.
    symlinkSync(process.execPath, join(path, 'node'));
    symlinkSync('/bin/sh', join(path, 'sh'));
    const env = {
      HOME: process.env.HOME,
      PATH: path,
      RABBITMQ_BIN: rabbitmq,
      SETTLE_CACHE_DIR: cache,
      CHROMIUM_PATH: join(path, 'chromium'),
    };
    const { code, output } = await promisify(execFile)(process.execPath, command, {
      cwd: PROJECT_ROOT,
      env,
      timeout: 60_000,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        output: error.stdout + error.stderr,
      }),
    );
    return { code, output, built: readdirSync(cache) };
  }

  const MESSAGE = [
    "Settle's tests need system programs that are missing:",
    "  - RabbitMQ (the Deity door's tests start brokers of their own): ",
    '  - Java 17 or later (runs the time-skipping test server). To install: apt-get install openjdk-17-jre-headless',
    '  - Maven (fetches the time-skipping test server from Maven Central). To install: apt-get install maven',
    '  - Go 1.25 or later (builds the Temporal CLI, stripe-mock and Helm). To install: install Go from https://go.dev/doc/install',
    "  - openssl (makes the Adyen stand-in's throw-away certificate). To install: apt-get install openssl",
    "  - Chromium (the payment page's browser tests): CHROMIUM_PATH ",
    'To install: apt-get install chromium (or set CHROMIUM_PATH to a Chromium or Chrome executable)',
    'On Debian or Ubuntu, as root: apt-get install -y rabbitmq-server openjdk-17-jre-headless maven openssl chromium',
  ];

  /** The run failed with the one message, having built nothing; resolves with its output. */
  async function expectStopped(command: string[]): Promise<string> {
    const { code, output, built } = await runWithout(command);
    expect(code).not.toBe(0);
    for (const line of MESSAGE) expect(output).toContain(line);
    expect(output.split('need system programs that are missing').length).toBe(2);
    expect(built).toEqual([]);
    return output;
  }

  it('stops `npm test` before its typecheck with one message naming every missing piece and how to install it', async () => {
    // npm's own script, run by node: the PATH has no npm.
    const npm = realpathSync(findOnPath('npm')!);
    // Before the typecheck.
    expect(await expectStopped([npm, 'test'])).not.toContain('tsc -p');
  });

  it('stops jest (`npx jest`) in its global setup with the same message, before the tests', async () => {
    const jest = join(PROJECT_ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
    // Before the test file.
    expect(await expectStopped([jest, '--ci', 'test/unit/money.test.ts'])).not.toContain('money.test');
  });

  it('finds nothing missing on a machine that has it all (the one running this suite)', async () => {
    expect(await missingForTests()).toEqual([]);
  });
});
