import { describe, expect, it } from 'vitest';
import { redactDatabaseUrl } from './redact-database-url.js';

describe('redactDatabaseUrl', () => {
  it.each([
    ['postgres://app:s3cret@db:5432/tessera', 'postgres://app:***@db:5432/tessera'],
    [
      'postgresql://app:p%40ss@[::1]/t?sslmode=require',
      'postgresql://app:***@[::1]/t?sslmode=require',
    ],
    ['postgres://app@db/t?password=s3cret', 'postgres://app@db/t?password=***'],
    ['postgres://app:s3c ret@db/t', 'postgres://app:***@db/t'],
    // Not a URL at all: everything between // and the last @ goes.
    ['postgres://app:s3cret@[bad/t', 'postgres://***@[bad/t'],
  ])('hides the password of %s', (url, shown) => {
    expect(redactDatabaseUrl(url)).toBe(shown);
  });

  it.each([
    'postgres://app@db/tessera',
    '/var/lib/tessera/tessera.db',
    'sqlite:/data/t.db',
    ':memory:',
  ])('leaves %s as it is', (url) => {
    expect(redactDatabaseUrl(url)).toBe(url);
  });
});
