import { describe, expect, it } from 'vitest';
import { GatewayConfigError } from './gateway-config-error.js';
import { parseRouteTable } from './route-table.js';

describe('parseRouteTable', () => {
  const table = parseRouteTable(
    {
      routes: [
        { prefix: '/orders', scopes: ['orders:read'] },
        { prefix: '/orders', methods: ['POST'], scopes: ['orders:write'] },
        { prefix: '/orders/export', scopes: ['orders:export'] },
      ],
      publicPaths: ['/health', '/static/'],
    },
    'gateway.json',
  );

  it('matches whole segments, longest prefix first, method rules before general ones', () => {
    expect(table.match('GET', '/orders')).toMatchObject({ public: false, scopes: ['orders:read'] });
    expect(table.match('GET', '/orders/7')).toMatchObject({ scopes: ['orders:read'] });
    expect(table.match('POST', '/orders/7')).toMatchObject({ scopes: ['orders:write'] });
    expect(table.match('GET', '/orders/export/x')).toMatchObject({ scopes: ['orders:export'] });
    expect(table.match('GET', '/ordersx')).toMatchObject({ public: false, scopes: [] });
    expect(table.match('GET', '/health')).toMatchObject({ public: true });
    expect(table.match('GET', '/health/deep')).toMatchObject({ public: true });
    expect(table.match('GET', '/healthz')).toMatchObject({ public: false });
    expect(table.match('GET', '/static/app.js')).toMatchObject({ public: true });
  });

  it('refuses mistakes with a message naming the entry', () => {
    const cases: [unknown, RegExp][] = [
      [[], /must be a JSON object/],
      [{ route: [] }, /unknown key "route"/],
      [{ routes: [{ prefix: '/a', scope: ['x'] }] }, /routes\[0\]: unknown key "scope"/],
      [{ routes: [{ prefix: '/a' }] }, /routes\[0\]\.scopes/],
      [{ routes: [{ prefix: 'a', scopes: [] }] }, /routes\[0\]\.prefix must be a path/],
      [{ routes: [{ prefix: '/a/../b', scopes: [] }] }, /without "\.\."/],
      [{ routes: [{ prefix: '/a', scopes: ['two words'] }] }, /scope names/],
      [{ routes: [{ prefix: '/a', scopes: [], methods: ['get'] }] }, /upper-case methods/],
      [{ publicPaths: ['/a%2Fb'] }, /encoded slashes/],
    ];
    for (const [value, message] of cases) {
      expect(() => parseRouteTable(value, 'gateway.json'), String(message)).toThrow(
        GatewayConfigError,
      );
      expect(() => parseRouteTable(value, 'gateway.json')).toThrow(message);
    }
  });
});
