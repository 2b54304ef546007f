import { execFile } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { goInstall, resolveBinary, type BinarySpec, type ResolveOptions } from '../temporal-binaries';

/**
 * The programs of a real Temporal cluster, found or built like the Temporal CLI (scripts/temporal-binaries.ts):
 * the multi-service server, its SQL schema tool (with the module's PostgreSQL schemas beside it) and the Web UI
 * server. A cold build takes about 6 minutes on 2 cores, a warm one seconds.
 */

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const UI_SERVER_VERSION = 'v2.42.1';
const SERVER_MODULE = 'go.temporal.io/server';
/** Where the SQL tool's cache entry keeps the module's PostgreSQL schemas. */
const SCHEMA_FOLDER = 'schema-postgresql-v12';

const goHint = (what: string) => `install Go (≥ 1.25) so that Settle can run "go install ${what}"`;

const SERVER: BinarySpec = {
  label: 'Temporal server',
  envVar: 'TEMPORAL_SERVER_PATH',
  commandName: 'temporal-server',
  cacheEntry: `server-${TEMPORAL_SERVER_VERSION}`,
  hint: `${goHint(`${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`)}, or set TEMPORAL_SERVER_PATH`,
  sdkFallback: false,
  async build(dir) {
    await goInstall(dir, `${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`);
    return 'server';
  },
};

const SQL_TOOL: BinarySpec = {
  label: 'Temporal SQL tool',
  envVar: 'TEMPORAL_SQL_TOOL_PATH',
  commandName: 'temporal-sql-tool',
  cacheEntry: `sql-tool-${TEMPORAL_SERVER_VERSION}`,
  hint: `${goHint(`${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`)}, or set TEMPORAL_SQL_TOOL_PATH`,
  sdkFallback: false,
  async build(dir) {
    await goInstall(dir, `${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`);
    // The schemas come with the module the tool was built from; kept beside it, they need no Go at run time.
    cpSync(await moduleSchemas(), join(dir, SCHEMA_FOLDER), { recursive: true });
    return 'sql';
  },
};

const UI_SERVER: BinarySpec = {
  label: 'Temporal Web UI server',
  envVar: 'TEMPORAL_UI_SERVER_PATH',
  commandName: 'temporal-ui-server',
  cacheEntry: `ui-server-${UI_SERVER_VERSION}`,
  hint: `${goHint(`github.com/temporalio/ui-server/v2/cmd/server@${UI_SERVER_VERSION}`)}, or set TEMPORAL_UI_SERVER_PATH`,
  sdkFallback: false,
  async build(dir) {
    await goInstall(dir, `github.com/temporalio/ui-server/v2/cmd/server@${UI_SERVER_VERSION}`);
    return 'server';
  },
};

export interface ClusterBinaries {
  readonly server: string;
  readonly sqlTool: string;
  /** The module's `schema/postgresql/v12` folder: `temporal/` and `visibility/`, each with `versioned/`. */
  readonly schemas: string;
  readonly uiServer: string;
}

/** Finds or builds the three programs, one after the other (two cores: parallel builds only compete). */
export async function resolveClusterBinaries(options?: ResolveOptions): Promise<ClusterBinaries> {
  const path = async (spec: BinarySpec) => {
    const { executable } = await resolveBinary(spec, options);
    if (executable.type !== 'existing-path') throw new Error(`${spec.label}: nothing found`);
    return executable.path;
  };
  const server = await path(SERVER);
  const sqlTool = await path(SQL_TOOL);
  const beside = join(dirname(sqlTool), SCHEMA_FOLDER);
  const schemas = existsSync(beside) ? beside : await moduleSchemas();
  return { server, sqlTool, schemas, uiServer: await path(UI_SERVER) };
}

/** The server module's PostgreSQL schemas in Go's module cache, downloading the module if needed. */
async function moduleSchemas(): Promise<string> {
  const { stdout } = await promisify(execFile)(
    'go',
    ['mod', 'download', '-json', `${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`],
    { env: { ...process.env, GOFLAGS: '-mod=mod' } },
  ).catch((error: Error) => {
    throw new Error(`the Temporal server's schemas: ${error.message}; ${goHint(SERVER_MODULE)}`);
  });
  const schemas = join((JSON.parse(stdout) as { Dir: string }).Dir, 'schema', 'postgresql', 'v12');
  if (!existsSync(join(schemas, 'temporal', 'versioned')))
    throw new Error(`no PostgreSQL schemas at ${schemas}`);
  return schemas;
}
