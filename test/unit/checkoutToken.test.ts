import { checkoutPageUrl, signCheckoutToken, verifyCheckoutToken } from '../../domain/checkoutToken';

describe('checkout page tokens', () => {
  const key = 'page-key-for-tests';
  const id = 'order:spryker:shop-eu:DE--1';
  const expiresAt = '2030-01-01T00:30:00.000Z';
  const before = new Date('2030-01-01T00:00:00Z');

  it('names the order and its expiry, verified with the key before it expires', () => {
    const token = signCheckoutToken(id, expiresAt, key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyCheckoutToken(token, key, before)).toEqual({ orderWorkflowId: id, expiresAt });
  });

  it('verifies as nothing once expired, under another key, or altered', () => {
    const token = signCheckoutToken(id, expiresAt, key);
    expect(verifyCheckoutToken(token, key, new Date(expiresAt))).toBeUndefined();
    expect(verifyCheckoutToken(token, 'another key', before)).toBeUndefined();
    const [payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ o: 'order:spryker:shop-eu:OTHER', e: expiresAt })).toString(
      'base64url',
    );
    expect(verifyCheckoutToken(`${forged}.${signature}`, key, before)).toBeUndefined();
    expect(verifyCheckoutToken(`${payload}.${signature}x`, key, before)).toBeUndefined();
    expect(verifyCheckoutToken('not-a-token', key, before)).toBeUndefined();
  });

  it('builds the page address under the public URL', () => {
    const url = checkoutPageUrl('https://settle.example/', id, expiresAt, key);
    expect(url).toBe(`https://settle.example/pay/${signCheckoutToken(id, expiresAt, key)}`);
  });
});
