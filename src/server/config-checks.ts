import { isIP } from 'node:net';

// Checks of server settings that need more than a range: kept apart so server-config.ts
// stays one readable table plus its resolver.

/** Names proxy-addr (Fastify's `trustProxy`) knows for the usual private ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Read `--trust-proxy`: IP addresses, CIDR ranges or proxy-addr's range names.
 *
 * @throws what `fail` throws, naming the entry at fault.
 * @example
 * checkProxies('10.0.0.0/8,loopback', '--trust-proxy', fail);
 */
export function checkProxies(
  list: string,
  name: string,
  fail: (message: string) => never,
): string[] {
  if (list === '') return [];
  return list.split(',').map((entry) => {
    const proxy = entry.trim();
    if (PROXY_RANGE_NAMES.has(proxy)) return proxy;
    const [address = '', prefix, extra] = proxy.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk =
      prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) {
      return fail(
        `${name} takes IP addresses or CIDR ranges (or loopback, linklocal, uniquelocal), comma-separated; got ${JSON.stringify(proxy)}`,
      );
    }
    return proxy;
  });
}

/**
 * Check a Redis URL without ever echoing it (it may hold a password).
 *
 * @throws what `fail` throws.
 * @example
 * checkRedisUrl('redis://127.0.0.1:6379', '--redis', fail);
 */
export function checkRedisUrl(url: string, name: string, fail: (message: string) => never): string {
  if (url === '') return url;
  if (!/^rediss?:\/\/[^/]/i.test(url)) {
    return fail(
      // Not echoed: the URL may hold a password.
      `${name} must be a redis:// or rediss:// URL (redis://[user:password@]host[:port][/db])`,
    );
  }
  return url;
}
