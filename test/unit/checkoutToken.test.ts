import {
  checkoutPageUrl,
  readCheckoutToken,
  signCheckoutToken,
  verifyCheckoutToken,
} from '../../domain/checkoutToken';

describe('checkout page tokens', () => {
  const key = 'checkout-page-key-0001';
  const expiresAt = '2030-01-01T00:30:00.000Z';
  const before = Date.parse(expiresAt) - 1000;
  const order = 'order:spryker:local-shop:DE--1001';

  it('carries the order workflow id and its expiry, verified with the key', () => {
    const token = signCheckoutToken(order, expiresAt, key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyCheckoutToken(token, key, before)).toEqual({ orderWorkflowId: order, expiresAt });
  });

  it('is refused as expired from its expiry on', () => {
    const token = signCheckoutToken(order, expiresAt, key);
    expect(readCheckoutToken(token, key, Date.parse(expiresAt))).toBe('expired');
    expect(verifyCheckoutToken(token, key, Date.parse(expiresAt))).toBeUndefined();
  });

  it('cannot be made without the key, nor altered', () => {
    const token = signCheckoutToken(order, expiresAt, key);
    const [payload, signature] = token.split('.') as [string, string];
    const otherOrder = Buffer.from(JSON.stringify({ o: 'order:other', e: expiresAt })).toString('base64url');
    const later = Buffer.from(JSON.stringify({ o: order, e: '2031-01-01T00:00:00.000Z' })).toString(
      'base64url',
    );
    for (const forged of [
      signCheckoutToken(order, expiresAt, 'another-key-000001'),
      `${otherOrder}.${signature}`,
      `${later}.${signature}`,
      `${payload}.${signature.slice(0, -2)}AA`,
      payload,
      `${token}.x`,
      '',
      'not a token',
    ])
      expect(readCheckoutToken(forged, key, before)).toBe('invalid');
  });

  it('makes the page URL under the public base URL', () => {
    const url = checkoutPageUrl('https://settle.example.com/', order, expiresAt, key);
    expect(url).toBe(`https://settle.example.com/pay/${signCheckoutToken(order, expiresAt, key)}`);
  });

  it('refuses to sign without an order or a readable expiry', () => {
    expect(() => signCheckoutToken('', expiresAt, key)).toThrow('order workflow id');
    expect(() => signCheckoutToken(order, 'tomorrow', key)).toThrow('"tomorrow" is not an ISO 8601 expiry');
  });
});
