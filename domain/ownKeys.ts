/**
 * Lookups by a key a caller chose (a header, a body field, a name in the configuration): only the record's
 * own entries answer, never what its prototype holds (`constructor`, `toString`, `__proto__`).
 */
export function ownValue<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
