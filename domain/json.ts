/** JSON.parse that answers undefined for text that is not JSON, for bodies of peers that may send anything. */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
