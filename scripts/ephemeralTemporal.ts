import type { defineSearchAttributeKey } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SQLITE_PRAGMAS } from './devServer';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';
import { cliType, ensureSearchAttributes } from '../worker/searchAttributes';
import { startListening } from './listeningProcess';
import { untilServing } from './temporalServing';
import { resolveTemporalCli, resolveTestServer, withResolution } from './temporal-binaries';

/** Throw-away Temporal servers for the tests, the replay recorder and the benchmark. */

/**
 * The time-skipping test server (Java, from Maven Central or the SDK's download), with Settle's search
 * attributes. A server on disk is started here, not by the SDK: the SDK gives it a fixed 5 seconds to accept
 * connections, which a JVM on a loaded machine overruns.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await withResolution(await resolveTestServer(), (executable) =>
    executable.type === 'existing-path'
      ? startTimeSkippingEnv(executable.path)
      : TestWorkflowEnvironment.createTimeSkipping({ server: { executable } }),
  );
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/** Generous: the JVM listens within about a second on an idle machine, and within several under load. */
const TEST_SERVER_START_TIMEOUT_MS = 180_000;

async function startTimeSkippingEnv(executable: string): Promise<TestWorkflowEnvironment> {
  const server = await startListening({
    what: 'the time-skipping test server',
    command: executable,
    args: (port) => [String(port)],
    timeoutMs: TEST_SERVER_START_TIMEOUT_MS,
  });
  try {
    const env = await connectTimeSkipping(`127.0.0.1:${server.port}`);
    const teardown = env.teardown.bind(env);
    env.teardown = async () => {
      await teardown();
      await server.stop();
    };
    return env;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * The SDK connects to a running server only as one without time skipping (`createFromExistingServer`); the
 * general factory behind it and `createTimeSkipping` takes the flag, and leaves the server running at teardown.
 */
type CreateEnvironment = (options: {
  server: { type: 'existing' };
  address: string;
  namespace: string;
  supportsTimeSkipping: boolean;
}) => Promise<TestWorkflowEnvironment>;

function connectTimeSkipping(address: string): Promise<TestWorkflowEnvironment> {
  const { create } = TestWorkflowEnvironment as unknown as { create?: CreateEnvironment };
  if (typeof create !== 'function')
    throw new Error(
      '@temporalio/testing no longer has TestWorkflowEnvironment.create; see scripts/ephemeralTemporal.ts',
    );
  return create.call(TestWorkflowEnvironment, {
    server: { type: 'existing' },
    address,
    namespace: 'default',
    supportsTimeSkipping: true,
  });
}

/**
 * A real, headless Temporal dev server (the CLI's `server start-dev`) with Settle's search attributes (or
 * `searchAttributes`); in memory, or in the SQLite file `dbFilename` (the benchmark's, which measures a server
 * that writes to disk). A CLI on disk is started here, guarded (scripts/processGuard.ts), not by the SDK: the
 * SDK's server is a child of its native code that a killed test process leaves running.
 */
export async function createDevServerEnv({
  dbFilename,
  searchAttributes = ALL_SEARCH_ATTRIBUTES,
  extraArgs = [],
}: {
  dbFilename?: string;
  searchAttributes?: SearchAttributeKeys;
  /** More of the CLI's arguments: dynamic config values, a metrics port (the benchmark's). */
  extraArgs?: readonly string[];
} = {}): Promise<TestWorkflowEnvironment> {
  return withResolution(await resolveTemporalCli(), (executable) =>
    executable.type === 'existing-path'
      ? startDevServerEnv(executable.path, dbFilename, searchAttributes, extraArgs)
      : TestWorkflowEnvironment.createLocal({
          server: {
            executable,
            extraArgs: [...(dbFilename ? SQLITE_PRAGMAS : []), ...extraArgs],
            ...(dbFilename ? { dbFilename } : {}),
            searchAttributes: [...searchAttributes],
            log: { format: 'pretty', level: 'error' },
          },
        }),
  );
}

type SearchAttributeKeys = readonly ReturnType<typeof defineSearchAttributeKey>[];

/** The arguments the SDK gives the dev server, and the search attributes (Settle's). */
function devServerArgs(
  port: number,
  dbFilename: string | undefined,
  searchAttributes: SearchAttributeKeys,
  extraArgs: readonly string[],
): string[] {
  return [
    ...['server', 'start-dev', '--port', String(port), '--namespace', 'default', '--ip', '127.0.0.1'],
    ...['--log-format', 'pretty', '--log-level', 'error', '--headless'],
    ...['--dynamic-config-value', 'frontend.enableServerVersionCheck=false'],
    ...['--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true'],
    ...['--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true'],
    ...(dbFilename ? ['--db-filename', dbFilename, ...SQLITE_PRAGMAS] : []),
    ...searchAttributes.flatMap(({ name, type }) => ['--search-attribute', `${name}=${cliType(type)}`]),
    ...extraArgs,
  ];
}

async function startDevServerEnv(
  executable: string,
  dbFilename: string | undefined,
  searchAttributes: SearchAttributeKeys,
  extraArgs: readonly string[],
): Promise<TestWorkflowEnvironment> {
  const server = await startListening({
    what: 'the Temporal dev server',
    command: executable,
    args: (port) => devServerArgs(port, dbFilename, searchAttributes, extraArgs),
    timeoutMs: 60_000,
  });
  try {
    const address = `127.0.0.1:${server.port}`;
    await untilServing(address, { what: 'the Temporal dev server', timeoutMs: 60_000 });
    const env = await TestWorkflowEnvironment.createFromExistingServer({ address, namespace: 'default' });
    const teardown = env.teardown.bind(env);
    env.teardown = async () => {
      await teardown();
      // SIGINT: the server closes its database (a file one) cleanly.
      await server.stop('SIGINT');
    };
    return env;
  } catch (error) {
    await server.stop();
    throw error;
  }
}
