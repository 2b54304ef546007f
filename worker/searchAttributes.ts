import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';

/** The server's enum for an SDK search-attribute type: KEYWORD → INDEXED_VALUE_TYPE_KEYWORD. */
function indexedValueType(type: string): temporal.api.enums.v1.IndexedValueType {
  const { IndexedValueType } = temporal.api.enums.v1;
  return IndexedValueType[`INDEXED_VALUE_TYPE_${type}` as keyof typeof IndexedValueType];
}

/**
 * Registers Settle's search attributes on the namespace where they are missing. The dev server's
 * `--search-attribute` flag only applies to a new database, so an existing `.data/` needs this too.
 * Returns the names it added.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const known = new Set(Object.keys((await listCustom(connection, namespace)) ?? {}));
  const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, indexedValueType(key.type)])),
  });
  return missing.map((key) => key.name);
}

/** The namespace's custom search attributes; {} where the server cannot list them (the time-skipping server). */
async function listCustom(connection: Connection, namespace: string) {
  try {
    return (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes;
  } catch (error) {
    if ((error as { code?: number }).code === GRPC_UNIMPLEMENTED) return {};
    throw error;
  }
}

const GRPC_UNIMPLEMENTED = 12;
