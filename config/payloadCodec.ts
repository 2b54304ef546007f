import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  METADATA_ENCODING_KEY,
  type DataConverter,
  type Payload,
  type PayloadCodec,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { ConfigOf } from './catalogue';
import type { Logger } from './logger';
import { PayloadKeysError, parsePayloadKeys, type PayloadKeys } from './payloadKeys';

/**
 * What Settle stores in Temporal, encrypted: every payload (workflow inputs and results, activity arguments,
 * queries, signals, memos) is sealed with AES-256-GCM before it leaves the process and opened when it comes
 * back. The codec runs in the client and in the worker's main thread, never inside the workflow sandbox.
 * Search attributes are not payloads: Temporal indexes them in clear (workflows/searchAttributes.ts).
 */

/** The encoding of a sealed payload; its data is IV, ciphertext and tag of the whole original payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Which key sealed it, so that keys can rotate. */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

/** A payload that cannot be opened: its key is not configured, or it was altered. */
export class PayloadDecryptionError extends Error {}

const text = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/**
 * Seals with the current key, opens with whichever key sealed; without keys, payloads pass in clear. With
 * `requireEncrypted`, a payload read in clear is refused rather than passed on.
 */
export function createPayloadCodec(
  keys: PayloadKeys | undefined,
  { requireEncrypted = false }: { requireEncrypted?: boolean } = {},
): PayloadCodec {
  return {
    encode: async (payloads) => (keys ? payloads.map((payload) => seal(payload, keys)) : payloads),
    decode: async (payloads) =>
      payloads.map((payload) => {
        if (requireEncrypted) refuseInClear(payload);
        return open(payload, keys);
      }),
  };
}

/** A payload that is not sealed, where PAYLOAD_REQUIRE_ENCRYPTION wants every one sealed. */
function refuseInClear(payload: Payload): void {
  const encoding = text(payload.metadata?.[METADATA_ENCODING_KEY]);
  if (encoding !== ENCRYPTED_ENCODING)
    throw new PayloadDecryptionError(
      `payload in clear (encoding "${encoding ?? 'none'}") refused: PAYLOAD_REQUIRE_ENCRYPTION accepts only ` +
        `payloads encrypted with PAYLOAD_KEYS`,
    );
}

function seal(payload: Payload, { current }: PayloadKeys): Payload {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, current.key, iv, { authTagLength: TAG_BYTES });
  // The key id is authenticated too: a payload relabelled with another id does not open.
  cipher.setAAD(Buffer.from(current.id));
  const plain = temporal.api.common.v1.Payload.encode(payload).finish();
  return {
    metadata: {
      [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
      [KEY_ID_METADATA]: Buffer.from(current.id),
    },
    data: Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]),
  };
}

/** A payload stored before encryption was turned on (or by a client without keys) stays as it is. */
function open(payload: Payload, keys: PayloadKeys | undefined): Payload {
  if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
  const id = text(payload.metadata?.[KEY_ID_METADATA]) ?? '';
  if (!keys)
    throw new PayloadDecryptionError(`payload encrypted with key "${id}", but PAYLOAD_KEYS is unset`);
  const key = keys.byId.get(id);
  if (!key)
    throw new PayloadDecryptionError(
      `payload encrypted with key "${id}", which PAYLOAD_KEYS does not hold (it holds ${[...keys.byId.keys()]
        .map((held) => `"${held}"`)
        .join(', ')})`,
    );
  const data = Buffer.from(payload.data ?? new Uint8Array());
  if (data.length < IV_BYTES + TAG_BYTES)
    throw new PayloadDecryptionError(`payload encrypted with key "${id}" is truncated`);
  const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(id));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([
      decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw new PayloadDecryptionError(
      `payload encrypted with key "${id}" does not decrypt: the key under that id differs, or the payload was altered`,
    );
  }
  const { metadata, data: inner } = temporal.api.common.v1.Payload.decode(plain);
  return { metadata: metadata ?? {}, data: inner ?? new Uint8Array() };
}

/** The failure converter that moves failure messages and stack traces into an (encrypted) payload. */
export const ENCRYPTED_FAILURES_PATH = require.resolve('./encryptedFailures');

/** The settings the data converter is made of (a process passes its loaded configuration). */
export type EncryptionSettings = Partial<
  Pick<ConfigOf<'temporal'>, 'PAYLOAD_KEYS' | 'PAYLOAD_REQUIRE_ENCRYPTION'>
>;

/**
 * How every Settle client and worker converts what it stores in Temporal, from PAYLOAD_KEYS: encrypted
 * payloads and failure messages with keys, in clear (as Temporal's default) without. Requiring encryption
 * without keys is refused: nothing could be read.
 */
export function settleDataConverter({
  PAYLOAD_KEYS,
  PAYLOAD_REQUIRE_ENCRYPTION = false,
}: EncryptionSettings): DataConverter {
  const keys = PAYLOAD_KEYS === undefined ? undefined : parsePayloadKeys(PAYLOAD_KEYS);
  if (PAYLOAD_REQUIRE_ENCRYPTION && !keys)
    throw new PayloadKeysError(
      'PAYLOAD_REQUIRE_ENCRYPTION is true but PAYLOAD_KEYS is unset: set the keys, or unset PAYLOAD_REQUIRE_ENCRYPTION',
    );
  return {
    payloadCodecs: [createPayloadCodec(keys, { requireEncrypted: PAYLOAD_REQUIRE_ENCRYPTION })],
    ...(keys ? { failureConverterPath: ENCRYPTED_FAILURES_PATH } : {}),
  };
}

/** Said once at a process's start: without keys, Temporal's history holds the payment data readable. */
export function warnIfStoredInClear(payloadKeys: string | undefined, logger: Logger): void {
  if (payloadKeys === undefined)
    logger.warn('PAYLOAD_KEYS is unset: payloads are stored in Temporal in clear (docs/operations.md)');
}
