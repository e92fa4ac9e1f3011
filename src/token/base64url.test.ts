import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url, isBase64UrlSegment } from './base64url.js';

const check = (s: string): boolean => isBase64UrlSegment(s, 0, s.length);

describe('isBase64UrlSegment', () => {
  it('accepts what Node encodes, for every length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (bytes) => {
        const encoded = encodeBase64Url(bytes);
        expect(check(encoded)).toBe(true);
        expect(decodeBase64Url(encoded)).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it('accepts only the canonical encoding of any bytes', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'AQgw-_xyz019'.split('')), maxLength: 40 }),
        (s) => {
          if (check(s)) expect(encodeBase64Url(decodeBase64Url(s))).toBe(s);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['empty', ''],
    ['padding', 'YQ=='],
    ['a single padding', 'YWI='],
    ['whitespace', 'YW I'],
    ['base64 characters', 'a+/b'],
    ['length 1 mod 4', 'YWJjZ'],
    ['non-zero unused bits', 'YR'],
    ['non-zero unused bits after three', 'YWJ'],
    ['non-ASCII', 'YWé'],
  ])('refuses %s', (_name, s) => {
    expect(check(s)).toBe(false);
  });

  it('checks only the given range', () => {
    expect(isBase64UrlSegment('==YQ==', 2, 4)).toBe(true);
  });
});
