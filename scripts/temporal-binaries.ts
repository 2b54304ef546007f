import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { startListening } from './listeningProcess';

/**
 * Finds or builds the two Temporal programs Settle runs on: the Temporal CLI (`temporal server start-dev`,
 * the dev server with SQLite and the Web UI) and the time-skipping test server. Resolution order:
 *   1. an explicit environment variable (TEMPORAL_CLI_PATH, TEMPORAL_TEST_SERVER_PATH);
 *   2. PATH (`temporal`, `temporal-test-server`);
 *   3. the project's git-ignored cache (.cache/temporal, or SETTLE_CACHE_DIR);
 *   4. a build from the package registries: `go install` of the CLI, Maven Central for the test server;
 *   5. the Temporal SDK's own download (needs internet).
 * Builds go to a private temporary folder renamed into place, under a lock, so concurrent runs neither
 * corrupt the cache nor build twice.
 */

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEST_SERVER_VERSION = '1.38.0';

export type EphemeralServerExecutable = { type: 'cached-download' } | { type: 'existing-path'; path: string };

export interface Resolution {
  readonly label: string;
  readonly executable: EphemeralServerExecutable;
  readonly source: 'environment' | 'PATH' | 'cache' | 'build' | 'sdk-download';
  /** What was tried before, in order, with why it did not serve. */
  readonly tried: readonly string[];
  /** What to install when even the SDK download fails. */
  readonly hint: string;
}

export interface BinarySpec {
  readonly label: string;
  readonly envVar: string;
  readonly commandName: string;
  readonly cacheEntry: string;
  readonly hint: string;
  /** Builds the program into `dir` (which it may fill as it likes) and returns the executable's name in it. */
  build(dir: string): Promise<string>;
  /** Runs once the build is in its final folder `entry`, for what needs the final paths; must not throw. */
  installed?(entry: string, log: (line: string) => void): Promise<void>;
  /** False for programs the Temporal SDK cannot download: then nothing found is an error naming what was tried. */
  readonly sdkFallback?: boolean;
}

const projectRoot = resolve(__dirname, '..');
export const cacheDir = () =>
  resolve(process.env.SETTLE_CACHE_DIR ?? join(projectRoot, '.cache', 'temporal'));

const CLI: BinarySpec = {
  label: 'Temporal CLI',
  envVar: 'TEMPORAL_CLI_PATH',
  commandName: 'temporal',
  cacheEntry: `cli-${TEMPORAL_CLI_VERSION}`,
  hint: `install Go (≥ 1.25) so that Settle can run "go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}", or put the temporal CLI on PATH, or set TEMPORAL_CLI_PATH`,
  async build(dir) {
    await goInstall(dir, `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`);
    return 'temporal';
  },
};

/** `go install package@version` with its executable put in `dir` (a cache entry being built). */
export function goInstall(dir: string, versionedPackage: string): Promise<void> {
  return run('go', ['install', versionedPackage], { ...process.env, GOBIN: dir, GOFLAGS: '-buildvcs=false' });
}

/**
 * The test server is a JVM; how fast it starts decides how long every time-skipping test file waits for it.
 * C1 only and the serial GC start it faster; its classes come from a class-data-sharing archive made once
 * after the build (-Xshare:auto: without the archive, or with one another JDK made, the JVM loads them from
 * the jars as usual). Idle on 2 cores the server listens after about 0.6 s with the archive, 1.2 s without.
 */
const TEST_SERVER_MAIN = 'io.temporal.testserver.TestServer';
const TEST_SERVER_JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
const TEST_SERVER_ARCHIVE = 'classes.jsa';

const TEST_SERVER: BinarySpec = {
  label: 'Temporal time-skipping test server',
  envVar: 'TEMPORAL_TEST_SERVER_PATH',
  commandName: 'temporal-test-server',
  // "-cds": the entry holds a class archive beside the jars; older entries without one are rebuilt.
  cacheEntry: `test-server-${TEST_SERVER_VERSION}-cds`,
  hint: 'install Java (≥ 17) and Maven so that Settle can fetch io.temporal:temporal-test-server from Maven Central, or set TEMPORAL_TEST_SERVER_PATH',
  async build(dir) {
    if (!findOnPath('java')) throw new Error('java is not on PATH');
    const pom = join(dir, 'pom.xml');
    writeFileSync(pom, testServerPom());
    await run('mvn', [
      '-B',
      '-q',
      '-f',
      pom,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${join(dir, 'lib')}`,
    ]);
    rmSync(pom);
    // exec: the server is stopped with SIGKILL, which must reach the JVM, not a shell around it.
    const wrapper = join(dir, 'temporal-test-server');
    const flags = [
      ...TEST_SERVER_JVM_FLAGS,
      `-XX:SharedArchiveFile="$dir/${TEST_SERVER_ARCHIVE}"`,
      '-Xshare:auto',
    ];
    writeFileSync(
      wrapper,
      [
        '#!/bin/sh',
        `# Temporal's time-skipping test server ${TEST_SERVER_VERSION}, from Maven Central (scripts/temporal-binaries.ts).`,
        // pwd -P: the archive names the jars by their physical paths, whatever symlink leads here.
        'dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd -P)',
        `exec "\${JAVA_HOME:+$JAVA_HOME/bin/}java" ${flags.join(' ')} -cp "$dir/lib/*" ${TEST_SERVER_MAIN} "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    return 'temporal-test-server';
  },
  async installed(entry, log) {
    try {
      await archiveTestServerClasses(entry);
    } catch (error) {
      // The archive only makes the start faster; the server runs without it.
      log(`${this.label}: no class archive (${(error as Error).message}); it starts without one`);
    }
  },
};

/**
 * Records the classes the server loads until it listens, then dumps them into the archive. It runs in the
 * entry's final folder: the archive names the jars by path, and the JVM uses it only with those paths.
 */
async function archiveTestServerClasses(installedAt: string): Promise<void> {
  const entry = realpathSync(installedAt);
  const java = `${process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin') + '/' : ''}java`;
  const classpath = ['-cp', join(entry, 'lib', '*')];
  const classList = join(entry, 'classes.lst');
  const server = await startListening({
    what: 'the time-skipping test server (recording its classes)',
    command: java,
    args: (port) => [
      ...TEST_SERVER_JVM_FLAGS,
      `-XX:DumpLoadedClassList=${classList}`,
      ...classpath,
      TEST_SERVER_MAIN,
      String(port),
    ],
    timeoutMs: 300_000,
  });
  // SIGTERM: the JVM exits normally and completes the class list.
  await server.stop('SIGTERM');
  const staging = join(entry, `${TEST_SERVER_ARCHIVE}.tmp`);
  try {
    await run(
      java,
      [
        '-Xshare:dump',
        `-XX:SharedClassListFile=${classList}`,
        `-XX:SharedArchiveFile=${staging}`,
        ...TEST_SERVER_JVM_FLAGS,
        ...classpath,
      ],
      process.env,
      'ignore',
    );
    renameSync(staging, join(entry, TEST_SERVER_ARCHIVE));
  } finally {
    rmSync(classList, { force: true });
    rmSync(staging, { force: true });
  }
}

function testServerPom(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.settle</groupId>
  <artifactId>temporal-test-server-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;
}

export const resolveTemporalCli = (options?: ResolveOptions) => resolveBinary(CLI, options);
export const resolveTestServer = (options?: ResolveOptions) => resolveBinary(TEST_SERVER, options);

export interface ResolveOptions {
  /** Skip step 4 (no build), e.g. when a caller only wants to know what is there. */
  readonly build?: boolean;
  readonly log?: (line: string) => void;
}

export async function resolveBinary(
  spec: BinarySpec,
  { build = true, log = () => {} }: ResolveOptions = {},
): Promise<Resolution> {
  const tried: string[] = [];
  const found = (source: Resolution['source'], path: string): Resolution => ({
    label: spec.label,
    executable: { type: 'existing-path', path },
    source,
    tried,
    hint: spec.hint,
  });

  const explicit = process.env[spec.envVar];
  if (explicit) {
    // An explicit choice that does not work is an error, not a reason to pick something else.
    if (!isExecutable(explicit)) throw new Error(`${spec.envVar}=${explicit} is not an executable file`);
    return found('environment', resolve(explicit));
  }
  tried.push(`${spec.envVar}: not set`);

  const onPath = findOnPath(spec.commandName);
  if (onPath) return found('PATH', onPath);
  tried.push(`PATH: no "${spec.commandName}"`);

  const entry = join(cacheDir(), spec.cacheEntry);
  const cached = cachedExecutable(entry);
  if (cached) return found('cache', cached);
  tried.push(`cache: nothing at ${entry}`);

  if (build) {
    try {
      return found('build', await buildIntoCache(spec, entry, log));
    } catch (error) {
      tried.push(`build: ${(error as Error).message}`);
    }
  }
  if (spec.sdkFallback === false) {
    throw new Error(`${spec.label}: not found. Tried:\n  - ${tried.join('\n  - ')}\nTo fix: ${spec.hint}.`);
  }
  log(`${spec.label}: falling back to the Temporal SDK's own download (needs internet)`);
  return {
    label: spec.label,
    executable: { type: 'cached-download' },
    source: 'sdk-download',
    tried,
    hint: spec.hint,
  };
}

/** The executable a finished cache entry names, or undefined when the entry is absent or incomplete. */
function cachedExecutable(entry: string): string | undefined {
  try {
    const name = readFileSync(join(entry, '.executable'), 'utf8').trim();
    const path = join(entry, name);
    return isExecutable(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

async function buildIntoCache(spec: BinarySpec, entry: string, log: (line: string) => void): Promise<string> {
  mkdirSync(cacheDir(), { recursive: true });
  const release = await acquireLock(`${entry}.lock`, log);
  try {
    const builtMeanwhile = cachedExecutable(entry);
    if (builtMeanwhile) return builtMeanwhile;
    const staging = `${entry}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    mkdirSync(staging, { recursive: true });
    try {
      log(`${spec.label}: building from the package registries into ${entry} (a few minutes, once)`);
      const started = Date.now();
      const name = await spec.build(staging);
      writeFileSync(join(staging, '.executable'), name);
      rmSync(entry, { recursive: true, force: true });
      renameSync(staging, entry);
      await spec.installed?.(entry, log);
      log(`${spec.label}: built in ${Math.round((Date.now() - started) / 1000)} s`);
      return join(entry, name);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  } finally {
    release();
  }
}

/** A lock folder holding the owner's pid; a lock whose owner died is taken over. */
async function acquireLock(lock: string, log: (line: string) => void): Promise<() => void> {
  const deadline = Date.now() + 30 * 60_000;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (lockOwnerIsGone(lock)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
    if (!announced) log(`waiting for another build that holds ${lock}`);
    announced = true;
    await new Promise((done) => setTimeout(done, 1000));
  }
}

function lockOwnerIsGone(lock: string): boolean {
  try {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // ESRCH: no such process. A lock without a pid file yet is young unless it is old.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return Date.now() - statSync(lock).mtimeMs > 60_000;
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate) && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  output: 'inherit' | 'ignore' = 'inherit',
): Promise<void> {
  if (!command.includes('/') && !findOnPath(command))
    return Promise.reject(new Error(`${command} is not on PATH`));
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env, stdio: ['ignore', output, output] });
    child.once('error', fail);
    child.once('exit', (code) =>
      code === 0 ? done() : fail(new Error(`"${command} ${args.join(' ')}" exited with ${code}`)),
    );
  });
}

/** Runs `start` with the resolved program; a failure says what was tried and what to install. */
export async function withResolution<T>(
  resolution: Resolution,
  start: (executable: EphemeralServerExecutable) => Promise<T>,
): Promise<T> {
  try {
    return await start(resolution.executable);
  } catch (error) {
    const tried = [...resolution.tried, `${resolution.source}: ${(error as Error).message}`];
    throw new Error(
      `could not start the ${resolution.label}. Tried:\n  - ${tried.join('\n  - ')}\nTo fix: ${resolution.hint}.`,
    );
  }
}
