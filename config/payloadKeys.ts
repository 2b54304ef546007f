/**
 * PAYLOAD_KEYS, the keys that encrypt what Settle stores in Temporal (config/payloadCodec.ts):
 * `id:base64key,id2:base64key`, each key 32 random bytes (`openssl rand -base64 32`). The first one encrypts;
 * every one decrypts what was encrypted with it, so that a key can be replaced without losing old histories.
 */

export interface PayloadKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface PayloadKeys {
  /** The key new payloads are encrypted with. */
  readonly current: PayloadKey;
  /** Every configured key by its id, the current one included. */
  readonly byId: ReadonlyMap<string, Buffer>;
}

/** Why PAYLOAD_KEYS is refused; never quotes key material. */
export class PayloadKeysError extends Error {}

export const KEY_BYTES = 32;
/** Ids travel in each payload's metadata: short, and readable in a log. */
const ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function parsePayloadKeys(text: string): PayloadKeys {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new PayloadKeysError('names no key: write id:base64key[,id2:base64key…]');
  const byId = new Map<string, Buffer>();
  const keys = entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    if (!ID.test(id))
      throw new PayloadKeysError(
        `key ${index + 1} needs an id before a colon (letters, digits, ".", "_", "-"; up to 64): id:base64key`,
      );
    const encoded = entry.slice(colon + 1);
    const key = Buffer.from(encoded, 'base64');
    if (!BASE64.test(encoded) || key.toString('base64') !== encoded)
      throw new PayloadKeysError(`key "${id}" is not base64`);
    if (key.length !== KEY_BYTES)
      throw new PayloadKeysError(
        `key "${id}" is ${key.length} bytes; AES-256 needs ${KEY_BYTES} (openssl rand -base64 32)`,
      );
    if (byId.has(id)) throw new PayloadKeysError(`key id "${id}" is given twice`);
    byId.set(id, key);
    return { id, key };
  });
  return { current: keys[0]!, byId };
}
