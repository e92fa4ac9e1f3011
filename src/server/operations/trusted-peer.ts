import { BlockList, isIP } from 'node:net';

/** The ranges behind proxy-addr's names, as Fastify's `trustProxy` reads them. */
const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/**
 * A test of the connection's peer address against `--trust-proxy` (addresses, CIDR ranges, or
 * `loopback`, `linklocal`, `uniquelocal`), as Fastify applies it to `X-Forwarded-For`. An
 * IPv4 peer seen as IPv4-mapped IPv6 (`::ffff:10.0.0.1`) counts as its IPv4 address.
 *
 * @example
 * const trusted = trustedPeer(['10.0.0.0/8', 'loopback']);
 * trusted('10.1.2.3'); // true
 */
export function trustedPeer(proxies: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of proxies.flatMap((proxy) => NAMED_RANGES[proxy] ?? [proxy])) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    if (address === undefined || proxies.length === 0) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const peer = mapped ?? address;
    const family = isIP(peer);
    return family !== 0 && list.check(peer, family === 6 ? 'ipv6' : 'ipv4');
  };
}
