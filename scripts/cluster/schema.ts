import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClusterBinaries } from './binaries';
import { DB_PASSWORD, DB_USER, type Postgres } from './postgres';

/**
 * The server's two databases, created with its SQL tool from the module's schemas. `update-schema` applies
 * only the versions a database lacks, so running this on existing data is safe and upgrades it.
 */
const DATABASES = [
  { name: 'temporal', schema: 'temporal' },
  { name: 'temporal_visibility', schema: 'visibility' },
] as const;

export async function ensureSchemas(binaries: ClusterBinaries, postgres: Postgres): Promise<void> {
  const tool = (database: string, ...args: string[]) =>
    promisify(execFile)(binaries.sqlTool, [
      '--plugin',
      'postgres12',
      '--ep',
      '127.0.0.1',
      '-p',
      String(postgres.port),
      '-u',
      DB_USER,
      '--pw',
      DB_PASSWORD,
      '--db',
      database,
      ...args,
    ]).catch((error: { stderr?: string; message: string }) => {
      throw new Error(
        `the Temporal SQL tool (${args[0]} ${database}): ${error.stderr?.trim() || error.message}`,
      );
    });
  for (const { name, schema } of DATABASES) {
    const exists = await postgres.sql('postgres', `SELECT 1 FROM pg_database WHERE datname = '${name}'`);
    if (exists !== '1') {
      await tool(name, 'create');
      await tool(name, 'setup-schema', '-v', '0.0');
    }
    await tool(name, 'update-schema', '-d', join(binaries.schemas, schema, 'versioned'));
  }
}
