import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { rabbitMqBin } from './rabbitmq';
import { resolveHelm } from './helm';
import { resolveStripeMock } from './stripe-mock';
import { findOnPath, resolveTemporalCli, resolveTestServer } from './temporal-binaries';

/**
 * The system programs `npm test` needs beyond Node, checked in its first seconds: RabbitMQ (the Deity door's
 * tests start brokers), Java 17 and Maven (the time-skipping test server, fetched from Maven Central and run
 * on the JVM) unless it is at hand already, Go 1.25 (builds the Temporal CLI, stripe-mock and Helm) unless they are,
 * openssl (the Adyen stand-in's certificate) and Chromium (the payment page's browser tests, driven by
 * playwright-core, which never downloads a browser of its own). As root where apt-get is, the Debian packages among them are
 * installed; otherwise, or if a piece has no package, it stops with one message naming each missing piece and
 * the command that installs it, before minutes of building or of tests failing one by one.
 */

export interface MissingPiece {
  /** What is missing and what needs it. */
  readonly what: string;
  /** How to install it. */
  readonly install: string;
  /** Debian's package, when one serves. */
  readonly debianPackage?: string;
}

const GO_VERSION = [1, 25] as const;
const JAVA_VERSION = 17;

/**
 * What of `npm test`'s system programs is missing, as this process's environment finds them (PATH,
 * RABBITMQ_BIN, JAVA_HOME, the binaries' variables and cache).
 */
export async function missingForTests(): Promise<MissingPiece[]> {
  const env = process.env;
  const missing: MissingPiece[] = [];
  try {
    rabbitMqBin(env);
  } catch (error) {
    missing.push({
      what: `RabbitMQ (the Deity door's tests start brokers of their own): ${(error as Error).message.replace(/^RabbitMQ: /, '').replace(/\. To fix:.*$/, '')}`,
      install: 'apt-get install rabbitmq-server (or set RABBITMQ_BIN to the folder holding rabbitmq-server)',
      debianPackage: 'rabbitmq-server',
    });
  }

  // Found already (a variable, PATH or the cache): nothing to build, so no Maven or Go for it.
  const found = async (resolve: () => Promise<{ source: string }>) => {
    try {
      return (await resolve()).source !== 'sdk-download';
    } catch {
      return false;
    }
  };
  const testServer = await found(() => resolveTestServer({ build: false }));
  const cli = await found(() => resolveTemporalCli({ build: false }));
  const stripeMock = await found(async () => ({ source: await resolveStripeMock({ build: false }) }));
  const helm = await found(async () => ({ source: await resolveHelm({ build: false }) }));

  const explicitTestServer = env.TEMPORAL_TEST_SERVER_PATH || findOnPath('temporal-test-server');
  if (!explicitTestServer) {
    // The server built from Maven Central runs on the JVM.
    const java = env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : findOnPath('java');
    const version = java && existsSync(java) ? await javaVersion(java) : undefined;
    if (version === undefined || version < JAVA_VERSION)
      missing.push({
        what: `Java ${JAVA_VERSION} or later (runs the time-skipping test server)${version ? `: java ${version} found` : ''}`,
        install: 'apt-get install openjdk-17-jre-headless (or set TEMPORAL_TEST_SERVER_PATH)',
        debianPackage: 'openjdk-17-jre-headless',
      });
    if (!testServer && !findOnPath('mvn'))
      missing.push({
        what: 'Maven (fetches the time-skipping test server from Maven Central)',
        install: 'apt-get install maven (or set TEMPORAL_TEST_SERVER_PATH)',
        debianPackage: 'maven',
      });
  }
  if (!cli || !stripeMock || !helm) {
    const go = findOnPath('go');
    const version = go ? await goVersion(go) : undefined;
    const recent =
      version &&
      (version[0] > GO_VERSION[0] || (version[0] === GO_VERSION[0] && version[1] >= GO_VERSION[1]));
    if (!recent)
      missing.push({
        what: `Go ${GO_VERSION.join('.')} or later (builds ${inWords([!cli && 'the Temporal CLI', !stripeMock && 'stripe-mock', !helm && 'Helm'])})${version ? `: go ${version.join('.')} found` : ''}`,
        install:
          'install Go from https://go.dev/doc/install (Debian\'s "golang" package is older), or set TEMPORAL_CLI_PATH, STRIPE_MOCK_PATH and HELM_PATH',
      });
  }
  if (!findOnPath('openssl'))
    missing.push({
      what: "openssl (makes the Adyen stand-in's throw-away certificate)",
      install: 'apt-get install openssl',
      debianPackage: 'openssl',
    });
  const chromium = env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(chromium))
    missing.push({
      what: `Chromium (the payment page's browser tests)${env.CHROMIUM_PATH ? `: CHROMIUM_PATH ${chromium} does not exist` : ''}`,
      install: 'apt-get install chromium (or set CHROMIUM_PATH to a Chromium or Chrome executable)',
      debianPackage: 'chromium',
    });
  return missing;
}

/** The message naming every missing piece and how to install each. */
export function describeMissing(missing: readonly MissingPiece[], forWhat = "Settle's tests"): string {
  const packages = missing.flatMap((piece) => (piece.debianPackage ? [piece.debianPackage] : []));
  return [
    `${forWhat} need system programs that are missing:`,
    ...missing.map((piece) => `  - ${piece.what}. To install: ${piece.install}.`),
    ...(packages.length > 0
      ? [`On Debian or Ubuntu, as root: apt-get install -y ${packages.join(' ')}`]
      : []),
  ].join('\n');
}

export class MissingSystemPiecesError extends Error {
  override readonly name = 'MissingSystemPiecesError';
  constructor(readonly missing: readonly MissingPiece[]) {
    super(describeMissing(missing));
    // The message is the whole story; a stack under it would only bury it.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * Jest's global setup: installs what Debian's packages provide when it may (root, apt-get), then fails with
 * one message if anything is still missing.
 */
export async function ensureTestSystem(log: (line: string) => void = () => {}): Promise<void> {
  let missing = await missingForTests();
  const installable = missing.every((piece) => piece.debianPackage);
  const apt = findOnPath('apt-get');
  if (missing.length > 0 && installable && apt && process.getuid?.() === 0) {
    const packages = missing.map((piece) => piece.debianPackage!);
    log(`installing ${packages.join(', ')} from Debian's packages (as root)`);
    await aptInstall(apt, packages).catch((error: Error) => log(error.message));
    missing = await missingForTests();
  }
  if (missing.length > 0) throw new MissingSystemPiecesError(missing);
}

/** `apt-get install`, with `apt-get update` first when the package lists are empty or stale. */
async function aptInstall(apt: string, packages: string[]): Promise<void> {
  const run = (args: string[]) =>
    new Promise<void>((done, fail) => {
      const child = spawn(apt, args, {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.once('error', fail);
      child.once('exit', (code) =>
        code === 0 ? done() : fail(new Error(`apt-get ${args.join(' ')} exited with ${code}`)),
      );
    });
  const install = () => run(['install', '-y', '-q', '--no-install-recommends', ...packages]);
  await install().catch(async () => {
    await run(['update', '-q']);
    await install();
  });
}

/** `java -version`'s major version ("1.8.0" → 8, "17.0.2" → 17). */
async function javaVersion(java: string): Promise<number | undefined> {
  const output = await promisify(execFile)(java, ['-version'], { timeout: 10_000 }).then(
    ({ stdout, stderr }) => `${stdout}${stderr}`,
    () => '',
  );
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return undefined;
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

async function goVersion(go: string): Promise<[number, number] | undefined> {
  const output = await promisify(execFile)(go, ['version'], { timeout: 10_000 }).then(
    ({ stdout }) => stdout,
    () => '',
  );
  const match = /go(\d+)\.(\d+)/.exec(output);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

// `npm test` runs this first, before the typecheck and the linters, so that it stops in its first seconds.
if (require.main === module)
  ensureTestSystem((line) => console.log(`system check: ${line}`)).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });

/** `a`, `a and b`, `a, b and c`: the named ones of `parts`. */
function inWords(parts: readonly (string | false)[]): string {
  const named = parts.filter((part): part is string => part !== false);
  return named.length <= 1 ? (named[0] ?? '') : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
}
