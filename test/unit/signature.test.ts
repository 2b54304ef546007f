import { SignatureError, signPayload, verifySignature } from '../../domain/signature';

describe('webhook signatures', () => {
  const body = Buffer.from('{"id":"evt_1"}');
  const now = 1_800_000_000;

  it('accepts a fresh signature of the exact body', () => {
    expect(() =>
      verifySignature(signPayload('s3cret-key', body, now), body, 's3cret-key', { nowSeconds: now + 10 }),
    ).not.toThrow();
  });

  it.each([
    ['a tampered body', signPayload('s3cret-key', body, now), Buffer.from('{"id":"evt_2"}'), now, /mismatch/],
    ['a wrong secret', signPayload('other-key', body, now), body, now, /mismatch/],
    ['a stale timestamp', signPayload('s3cret-key', body, now), body, now + 301, /tolerance/],
    ['no header', undefined, body, now, /missing/],
    ['a malformed header', 'garbage', body, now, /malformed/],
  ])('refuses %s', (_case, header, payload, at, message) => {
    expect(() => verifySignature(header, payload, 's3cret-key', { nowSeconds: at })).toThrow(SignatureError);
    expect(() => verifySignature(header, payload, 's3cret-key', { nowSeconds: at })).toThrow(message);
  });
});
