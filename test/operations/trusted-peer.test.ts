import { describe, expect, it } from 'vitest';
import { trustedPeer } from '../../src/server/operations/trusted-peer.js';

// The peer test behind request ids: the same addresses, ranges and names as --trust-proxy.

describe('trustedPeer', () => {
  it('trusts exactly the listed addresses, ranges and named ranges', () => {
    const trusted = trustedPeer(['10.0.0.1', '192.168.0.0/16', 'fd00::/8', 'loopback']);
    for (const peer of [
      '10.0.0.1',
      '::ffff:10.0.0.1',
      '192.168.4.5',
      'fd12::1',
      '127.0.0.9',
      '::1',
    ])
      expect(trusted(peer), peer).toBe(true);
    for (const peer of ['10.0.0.2', '172.16.0.1', 'fe80::1', '2001:db8::1', 'x', undefined])
      expect(trusted(peer), String(peer)).toBe(false);
  });

  it('trusts no one when no proxy is named', () => {
    const trusted = trustedPeer([]);
    expect(trusted('127.0.0.1')).toBe(false);
    expect(trusted('::1')).toBe(false);
  });
});
