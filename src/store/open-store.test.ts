import { describe, expect, it } from 'vitest';
import { openStore, storeTarget } from './open-store.js';

describe('storeTarget', () => {
  it.each([
    ['postgres://u@db/tessera', { kind: 'postgres' }],
    ['POSTGRESQL://db/tessera', { kind: 'postgres' }],
    ['sqlite:data/tessera.db', { kind: 'sqlite', path: 'data/tessera.db' }],
    ['sqlite:///var/lib/tessera.db', { kind: 'sqlite', path: '/var/lib/tessera.db' }],
    ['SQLite::memory:', { kind: 'sqlite', path: ':memory:' }],
    ['.tessera/tessera.db', { kind: 'sqlite', path: '.tessera/tessera.db' }],
    // One letter before the colon is a Windows drive, not a scheme.
    ['C:\\data\\tessera.db', { kind: 'sqlite', path: 'C:\\data\\tessera.db' }],
    ['sqlite:', { kind: 'sqlite', path: '' }],
    ['mysql://db/tessera', { kind: 'unknown', scheme: 'mysql' }],
  ])('reads %s', (url, target) => {
    expect(storeTarget(url)).toEqual(target);
  });
});

describe('openStore', () => {
  it('refuses an unknown scheme and an empty path before opening anything', async () => {
    await expect(openStore('mysql://db/tessera')).rejects.toThrow(
      'unknown store URL scheme "mysql:"',
    );
    await expect(openStore('sqlite:')).rejects.toThrow('the store URL names no database file');
  });

  it('opens an SQLite store in memory', async () => {
    const store = await openStore('sqlite::memory:');
    await store.close();
  });
});
