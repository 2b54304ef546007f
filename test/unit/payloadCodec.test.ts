import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { loadConfig } from '../../config';
import {
  ENCRYPTED_ENCODING,
  ENCRYPTED_FAILURES_PATH,
  KEY_ID_METADATA,
  PayloadDecryptionError,
  createPayloadCodec,
  settleDataConverter,
} from '../../config/payloadCodec';
import { PayloadKeysError, parsePayloadKeys } from '../../config/payloadKeys';
import { configError } from '../helpers/configError';

const newKey = () => randomBytes(32).toString('base64');
const codecOf = (text: string) => createPayloadCodec(parsePayloadKeys(text));
const payloadOf = (value: unknown) => defaultPayloadConverter.toPayload(value) as Payload;
const valueOf = (payload: Payload) => defaultPayloadConverter.fromPayload(payload);
const meta = (payload: Payload, key: string) => Buffer.from(payload.metadata![key]!).toString();

describe('PAYLOAD_KEYS', () => {
  const load = (PAYLOAD_KEYS: string) => loadConfig({ PAYLOAD_KEYS }, { owners: ['temporal'] });
  const refusal = (text: string) => configError(() => load(text));

  it('takes id:base64key pairs, the first one current', () => {
    const [a, b] = [newKey(), newKey()];
    const keys = parsePayloadKeys(load(`2026-06:${a}, 2025-12:${b}`).PAYLOAD_KEYS!);
    expect(keys.current.id).toBe('2026-06');
    expect([...keys.byId.keys()]).toEqual(['2026-06', '2025-12']);
    expect(keys.byId.get('2025-12')).toEqual(Buffer.from(b, 'base64'));
  });

  it('refuses a key that is not 32 bytes, naming the setting and the key id but never the key', () => {
    const short = randomBytes(16).toString('base64');
    const message = refusal(`k1:${short}`);
    expect(message).toBe(
      'invalid configuration:\n  temporal.payload_keys (PAYLOAD_KEYS): key "k1" is 16 bytes; AES-256 needs 32 ' +
        '(openssl rand -base64 32) (from the environment)',
    );
    expect(message).not.toContain(short);
  });

  it('refuses what is not base64, a missing id, a repeated id and an empty list', () => {
    expect(refusal(`k1:${newKey().slice(0, -2)}!=`)).toContain('key "k1" is not base64');
    expect(refusal(newKey())).toContain('key 1 needs an id before a colon');
    const key = newKey();
    expect(refusal(`k1:${key},k1:${newKey()}`)).toContain('key id "k1" is given twice');
    expect(refusal(' , ')).toContain('names no key');
  });
});

describe('the payload codec (AES-256-GCM)', () => {
  const [old, current] = [newKey(), newKey()];
  const payment = { reference: 'PAY-SECRET-1', amount: '25.00', account: 'acct_confidential' };

  it('seals the whole payload, its encoding included, and opens it again', async () => {
    const codec = codecOf(`k1:${current}`);
    const [sealed] = await codec.encode([payloadOf(payment)]);
    expect(meta(sealed!, 'encoding')).toBe(ENCRYPTED_ENCODING);
    expect(meta(sealed!, KEY_ID_METADATA)).toBe('k1');
    expect(Object.keys(sealed!.metadata!)).toEqual(['encoding', KEY_ID_METADATA]);
    const raw = Buffer.from(sealed!.data!).toString('latin1');
    for (const clear of ['PAY-SECRET-1', '25.00', 'acct_confidential', 'json/plain'])
      expect(raw).not.toContain(clear);
    const [opened] = await codec.decode([sealed!]);
    expect(valueOf(opened!)).toEqual(payment);
  });

  it('uses a new IV for every payload: the same value never seals the same way twice', async () => {
    const codec = codecOf(`k1:${current}`);
    const [a, b] = await codec.encode([payloadOf(payment), payloadOf(payment)]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
  });

  it('rotates: the new key encrypts, the old key still decrypts what it encrypted', async () => {
    const before = codecOf(`old:${old}`);
    const after = codecOf(`new:${current},old:${old}`);
    const [sealedBefore] = await before.encode([payloadOf(payment)]);
    const [sealedAfter] = await after.encode([payloadOf(payment)]);
    expect(meta(sealedAfter!, KEY_ID_METADATA)).toBe('new');
    expect((await after.decode([sealedBefore!, sealedAfter!])).map(valueOf)).toEqual([payment, payment]);
    // A process still on the old keys cannot read the new key's payloads, and says so.
    await expect(before.decode([sealedAfter!])).rejects.toThrow(
      'payload encrypted with key "new", which PAYLOAD_KEYS does not hold (it holds "old")',
    );
  });

  it('refuses a payload sealed under an id whose key differs, relabelled, or altered; never returns garbage', async () => {
    const codec = codecOf(`k1:${current}`);
    const [sealed] = await codec.encode([payloadOf(payment)]);
    const otherKeySameId = codecOf(`k1:${old}`);
    const doesNotDecrypt = /does not decrypt: the key under that id differs, or the payload was altered/;
    await expect(otherKeySameId.decode([sealed!])).rejects.toThrow(doesNotDecrypt);
    const relabelled = {
      ...sealed!,
      metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('k2') },
    };
    await expect(codecOf(`k2:${current}`).decode([relabelled])).rejects.toThrow(doesNotDecrypt);
    const altered = Buffer.from(sealed!.data!);
    altered[20]! ^= 1;
    await expect(codec.decode([{ ...sealed!, data: altered }])).rejects.toThrow(doesNotDecrypt);
  });

  it('leaves payloads in clear as they are, and without keys names the key a sealed one needs', async () => {
    const codec = codecOf(`k1:${current}`);
    const clear = payloadOf(payment);
    expect(await codec.decode([clear])).toEqual([clear]);
    const keyless = createPayloadCodec(undefined);
    expect(await keyless.encode([clear])).toEqual([clear]);
    const [sealed] = await codec.encode([clear]);
    await expect(keyless.decode([sealed!])).rejects.toThrow(
      'payload encrypted with key "k1", but PAYLOAD_KEYS is unset',
    );
  });
});

describe('the data converter', () => {
  it('encodes failure messages only with keys, so that without them Temporal stores what it stored before', () => {
    expect(settleDataConverter({ PAYLOAD_KEYS: `k1:${newKey()}` }).failureConverterPath).toBe(
      ENCRYPTED_FAILURES_PATH,
    );
    expect(settleDataConverter({}).failureConverterPath).toBeUndefined();
  });

  it('with PAYLOAD_REQUIRE_ENCRYPTION refuses a payload in clear, naming its encoding, and opens sealed ones', async () => {
    const settings = { PAYLOAD_KEYS: `k1:${newKey()}`, PAYLOAD_REQUIRE_ENCRYPTION: true };
    const [codec] = settleDataConverter(settings).payloadCodecs!;
    const clear = payloadOf({ reference: 'PAY-CLEAR-1' });
    await expect(codec!.decode([clear])).rejects.toThrow(
      new PayloadDecryptionError(
        'payload in clear (encoding "json/plain") refused: PAYLOAD_REQUIRE_ENCRYPTION accepts only payloads ' +
          'encrypted with PAYLOAD_KEYS',
      ),
    );
    await expect(codec!.decode([{ metadata: {}, data: new Uint8Array() }])).rejects.toThrow(
      'payload in clear (encoding "none") refused',
    );
    const sealed = await codec!.encode([clear]);
    expect(await codec!.decode(sealed)).toEqual([clear]);
    // Without the setting, the same converter reads what was written before the keys.
    const [lenient] = settleDataConverter({ ...settings, PAYLOAD_REQUIRE_ENCRYPTION: false }).payloadCodecs!;
    expect(await lenient!.decode([clear])).toEqual([clear]);
  });

  it('refuses PAYLOAD_REQUIRE_ENCRYPTION without keys', () => {
    expect(() => settleDataConverter({ PAYLOAD_REQUIRE_ENCRYPTION: true })).toThrow(
      new PayloadKeysError(
        'PAYLOAD_REQUIRE_ENCRYPTION is true but PAYLOAD_KEYS is unset: set the keys, or unset PAYLOAD_REQUIRE_ENCRYPTION',
      ),
    );
  });
});
