import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SQLITE_PRAGMAS } from './devServer';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';
import { ensureSearchAttributes } from '../worker/searchAttributes';
import { resolveTemporalCli, resolveTestServer, withResolution } from './temporal-binaries';

/** Throw-away Temporal servers for the tests, the replay recorder and the benchmark. */

/** The time-skipping test server (Java, from Maven Central or the SDK's download), with Settle's search attributes. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await withResolution(await resolveTestServer(), (executable) =>
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable } }),
  );
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/**
 * A real, headless Temporal dev server (the CLI's `server start-dev`) with Settle's search attributes; in
 * memory, or in the SQLite file `dbFilename` (the benchmark's, which measures a server that writes to disk).
 */
export async function createDevServerEnv({
  dbFilename,
}: { dbFilename?: string } = {}): Promise<TestWorkflowEnvironment> {
  return withResolution(await resolveTemporalCli(), (executable) =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable,
        ...(dbFilename ? { dbFilename, extraArgs: SQLITE_PRAGMAS } : {}),
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        log: { format: 'pretty', level: 'error' },
      },
    }),
  );
}
