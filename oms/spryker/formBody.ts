/**
 * A form-encoded body in deepObject style, as some Spryker shops send checkout's call
 * (`orderData[items][0][sku]=A&orderData[grandTotal]=1000`), as the nested object it stands for. Numeric
 * segments make arrays; values stay strings (the schema decides what is a number).
 */
export function parseDeepForm(text: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const path = segmentsOf(name);
    if (!path || path.some((segment) => UNSAFE.has(segment))) continue;
    let node: Record<string, unknown> = root;
    path.forEach((segment, index) => {
      if (index === path.length - 1) {
        node[segment] = value;
        return;
      }
      const next = node[segment];
      if (typeof next !== 'object' || next === null) node[segment] = /^\d+$/.test(path[index + 1]!) ? [] : {};
      node = node[segment] as Record<string, unknown>;
    });
  }
  return root;
}

/** Keys that would reach an object's prototype: dropped. */
const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

/** `a[b][0]` → ['a', 'b', '0']; undefined for a malformed name. */
function segmentsOf(name: string): string[] | undefined {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
  if (!match) return undefined;
  const rest = [...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!);
  return [match[1]!, ...rest];
}
