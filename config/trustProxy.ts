import { isIP } from 'node:net';

/**
 * TRUST_PROXY: which proxies in front of the API may tell it the client's address (X-Forwarded-For), so that
 * the abuse limits (http/throttle.ts) count each caller by its own address and not all by the proxy's. Express's
 * `trust proxy` in the forms that cannot be fooled by a caller: `false`, a number of proxy hops, or the proxies'
 * addresses and subnets. (`true` would believe whatever a caller writes in X-Forwarded-For.)
 */
export type TrustProxy = false | number | readonly string[];

/** Why TRUST_PROXY is refused, in words that name the part. */
export class TrustProxyError extends Error {}

/** Express's names for the reserved ranges. */
const RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_HOPS = 10;

export function parseTrustProxy(text: string): TrustProxy {
  const value = text.trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true')
    throw new TrustProxyError(
      'true would take any X-Forwarded-For a caller writes: give the number of proxies in front of the API, or their addresses',
    );
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > MAX_HOPS)
      throw new TrustProxyError(`${value} hops: between 1 and ${MAX_HOPS} proxies, or false`);
    return hops;
  }
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      if (!RANGES.has(part) && !isSubnet(part))
        throw new TrustProxyError(
          `"${part.slice(0, 80)}" is neither an IP address, a subnet (10.0.0.0/8), loopback, linklocal nor uniquelocal`,
        );
      return part;
    });
}

function isSubnet(text: string): boolean {
  const [address, prefix, ...rest] = text.split('/');
  const version = isIP(address ?? '');
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}
