import { chmodSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { resolveClusterBinaries, type ClusterBinaries } from '../../scripts/cluster/binaries';
import { DB_PASSWORD, DB_USER, preparePostgres, type Postgres } from '../../scripts/cluster/postgres';
import { runToEnd } from '../helpers/processes';

/**
 * docker-compose.yml's schema setup (deploy/compose/temporal-schema.sh) as its one-shot container runs it, but
 * under dash, a POSIX sh as strict as the busybox sh of Temporal's images, with nothing but Temporal's SQL tool
 * on its PATH (no psql): against a new PostgreSQL, then again against the databases it made.
 */

// A fixed port outside Linux's ephemeral range, apart from the other cluster test's.
const POSTGRES_PORT = 25533;

let dir: string;
let postgres: Postgres;
let binaries: ClusterBinaries;

beforeAll(async () => {
  binaries = await resolveClusterBinaries();
  dir = mkdtempSync(join(tmpdir(), 'settle-compose-schema-'));
  // As root, PostgreSQL runs as the postgres user, who must reach its data folder.
  chmodSync(dir, 0o755);
  postgres = await preparePostgres(join(dir, 'cluster'), POSTGRES_PORT);
  await postgres.start();
});

afterAll(async () => {
  await postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A PATH with `temporal-sql-tool`, as in the admin-tools image, and the system's basic programs. */
function mkdirBin() {
  const bin = mkdtempSync(join(dir, 'bin-'));
  symlinkSync(binaries.sqlTool, join(bin, 'temporal-sql-tool'));
  return bin;
}

function runSchemaScript(bin: string) {
  // The variables compose gives the container, and where this machine keeps the schemas.
  return runToEnd('dash', ['deploy/compose/temporal-schema.sh'], {
    PATH: `${bin}${delimiter}/usr/bin${delimiter}/bin`,
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(POSTGRES_PORT),
    POSTGRES_USER: DB_USER,
    POSTGRES_PWD: DB_PASSWORD,
    TEMPORAL_SCHEMAS: binaries.schemas,
  });
}

/** The newest version among a schema's versioned folders (v1.9 < v1.10). */
function newest(schema: string): string {
  const versions = readdirSync(join(binaries.schemas, schema, 'versioned')).map((name) => name.slice(1));
  const key = (version: string) => version.split('.').map(Number);
  return versions.sort((a, b) => key(a)[0]! - key(b)[0]! || key(a)[1]! - key(b)[1]!).at(-1)!;
}

const version = (database: string) =>
  postgres.sql(database, `SELECT curr_version FROM schema_version WHERE db_name = '${database}'`);

describe("compose's temporal-schema.sh under dash", () => {
  it('creates both databases at the newest schema, and runs again on them without a change', async () => {
    const bin = mkdirBin();
    const first = await runSchemaScript(bin);
    expect(first.code).toBe(0);
    expect(first.output).toContain('schema of temporal_visibility is up to date');
    expect(await version('temporal')).toBe(newest('temporal'));
    expect(await version('temporal_visibility')).toBe(newest('visibility'));
    const history = await postgres.sql('temporal', 'SELECT count(*) FROM schema_update_history');

    const again = await runSchemaScript(bin);
    expect(again.code).toBe(0);
    expect(await version('temporal')).toBe(newest('temporal'));
    expect(await postgres.sql('temporal', 'SELECT count(*) FROM schema_update_history')).toBe(history);
  });
});
