import type { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';

const { IndexedValueType } = temporal.api.enums.v1;

/** The server's enum for an SDK search-attribute type: KEYWORD → INDEXED_VALUE_TYPE_KEYWORD. */
function indexedValueType(type: SearchAttributeType): temporal.api.enums.v1.IndexedValueType {
  return IndexedValueType[`INDEXED_VALUE_TYPE_${type}`];
}

/**
 * Custom search attributes per type that Temporal's SQL visibility (PostgreSQL, MySQL, SQLite: the dev server
 * and `npm start -- --cluster`) allows on a namespace, one column each in its schema (the server's
 * `sqlDbCustomSearchAttributes`, common/searchattribute/defs.go in v1.29.1). Elasticsearch allows more.
 */
export const SQL_VISIBILITY_SLOTS: Readonly<Record<SearchAttributeType, number>> = {
  [SearchAttributeType.KEYWORD]: 10,
  [SearchAttributeType.KEYWORD_LIST]: 3,
  [SearchAttributeType.TEXT]: 3,
  [SearchAttributeType.INT]: 3,
  [SearchAttributeType.DOUBLE]: 3,
  [SearchAttributeType.BOOL]: 3,
  [SearchAttributeType.DATETIME]: 3,
};

/** The most Settle takes of each type: half of SQL visibility's slots, rounded down; the rest is the user's. */
export function searchAttributeBudget(type: SearchAttributeType): number {
  return Math.floor(SQL_VISIBILITY_SLOTS[type] / 2);
}

/** How many of each type Settle registers: `4 Keyword, 1 KeywordList, …`. */
export function searchAttributeNeeds(): string {
  const counts = new Map<SearchAttributeType, number>();
  for (const { type } of ALL_SEARCH_ATTRIBUTES) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts].map(([type, count]) => `${count} ${cliType(type)}`).join(', ');
}

/** KEYWORD_LIST → KeywordList: the spelling of the `temporal` CLI and the Web UI. */
export function cliType(type: string): string {
  return type.toLowerCase().replace(/(^|_)([a-z])/g, (_match, _sep, letter: string) => letter.toUpperCase());
}

/** Settle's search attributes are missing on the namespace and could not be registered: nothing can start. */
export class SearchAttributesMissingError extends Error {
  constructor(
    readonly namespace: string,
    readonly missing: readonly string[],
    reason: string,
  ) {
    super(
      `Temporal namespace "${namespace}" lacks Settle's search attributes ${missing.join(', ')}, and they ` +
        `cannot be registered: ${reason}. Every payment start would be refused, so Settle does not start. ` +
        `Settle needs ${searchAttributeNeeds()} custom search attributes on the namespace (SQL visibility ` +
        `allows 10 Keyword and 3 of each other type per namespace): free enough of them, or have an admin ` +
        `register them (docs/operations.md, "Search attributes"), or use a namespace of Settle's own.`,
    );
    this.name = 'SearchAttributesMissingError';
  }
}

/**
 * Registers Settle's search attributes on the namespace where they are missing, and returns the names it
 * added; throws SearchAttributesMissingError, naming what is missing and why, where they cannot be registered
 * (no slots left of a type, no right to add them) or a name is taken with another type. The worker and the API
 * call it at start. The dev server's `--search-attribute` flag only applies to a new database, so an existing
 * `.data/` needs this too.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const known = await listCustom(connection, namespace).catch((error: unknown) => {
    throw new Error(
      `cannot check Settle's search attributes on Temporal namespace "${namespace}": ${reasonOf(error)}`,
    );
  });
  if (known === undefined) {
    // The time-skipping server lists none: add them all (it takes any), nothing to check against.
    await add(connection, namespace, ALL_SEARCH_ATTRIBUTES);
    return ALL_SEARCH_ATTRIBUTES.map((key) => key.name);
  }
  const mistyped = ALL_SEARCH_ATTRIBUTES.filter(
    (key) => key.name in known && known[key.name] !== indexedValueType(key.type),
  );
  if (mistyped.length > 0)
    throw new SearchAttributesMissingError(
      namespace,
      mistyped.map(described),
      `the namespace has ${mistyped.map((key) => `${key.name} as ${cliType(typeName(known[key.name]!))}`).join(', ')}`,
    );
  const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !(key.name in known));
  if (missing.length === 0) return [];
  try {
    await add(connection, namespace, missing);
  } catch (error) {
    // Another process (the API beside the worker) may have added them meanwhile.
    const now = (await listCustom(connection, namespace).catch(() => undefined)) ?? {};
    const still = missing.filter((key) => !(key.name in now));
    if (still.length > 0)
      throw new SearchAttributesMissingError(namespace, still.map(described), reasonOf(error));
  }
  return missing.map((key) => key.name);
}

type Key = (typeof ALL_SEARCH_ATTRIBUTES)[number];

function described(key: Key): string {
  return `${key.name} (${cliType(key.type)})`;
}

function typeName(value: temporal.api.enums.v1.IndexedValueType): string {
  return (IndexedValueType[value] ?? String(value)).replace(/^INDEXED_VALUE_TYPE_/, '');
}

function add(connection: Connection, namespace: string, keys: readonly Key[]) {
  return connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(keys.map((key) => [key.name, indexedValueType(key.type)])),
  });
}

/** The server's words, without gRPC's status prefix: `3 INVALID_ARGUMENT: Unable to …` → `Unable to …`. */
function reasonOf(error: unknown): string {
  const { code, details, message } = error as { code?: number; details?: string; message?: string };
  const text = details || message || String(error);
  return code === GRPC_PERMISSION_DENIED ? `permission denied (${text})` : text.replace(/\.$/, '');
}

/** The namespace's custom search attributes; undefined where the server cannot list them (time-skipping). */
async function listCustom(
  connection: Connection,
  namespace: string,
): Promise<Record<string, temporal.api.enums.v1.IndexedValueType> | undefined> {
  try {
    return (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch (error) {
    if ((error as { code?: number }).code === GRPC_UNIMPLEMENTED) return undefined;
    throw error;
  }
}

const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNIMPLEMENTED = 12;
