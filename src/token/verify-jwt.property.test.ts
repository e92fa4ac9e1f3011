import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { forgeJws } from '../../test/support/forge.js';
import {
  header,
  loadKeys,
  signer,
  token,
  verifier,
  type TestKeys,
} from '../../test/support/jwt-fixture.js';
import { TokenError } from './errors.js';
import type { JwtVerifier } from './verify-jwt.js';

let keys: TestKeys;
let strict: JwtVerifier;

beforeAll(async () => {
  keys = await loadKeys();
  strict = verifier([keys.ed, keys.es, keys.hs], { algorithms: ['EdDSA', 'ES256', 'HS256'] });
});

/** Verify and report the outcome; anything thrown that is not a TokenError fails the property. */
/** 'accepted', or the code of the TokenError thrown. */
function outcome(v: JwtVerifier, jwt: string): string {
  try {
    v.verify(jwt);
    return 'accepted';
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return error.code;
  }
}

const base64UrlChar = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \n'.split(''),
);

describe('JwtVerifier on arbitrary input', () => {
  it('never accepts random strings and only throws TokenErrors', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 600 }), fc.string({ unit: base64UrlChar, maxLength: 600 })),
        (s) => {
          expect(outcome(strict, s)).not.toBe('accepted');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never accepts a mutated valid token', () => {
    const originals = [token(keys.ed), token(keys.es), token(keys.hs)];
    const mutation = fc.record({
      which: fc.integer({ min: 0, max: originals.length - 1 }),
      at: fc.nat(),
      kind: fc.constantFrom('replace', 'insert', 'delete', 'swap-segments', 'truncate'),
      char: base64UrlChar,
    });
    fc.assert(
      fc.property(mutation, ({ which, at, kind, char }) => {
        const original = originals[which] ?? '';
        const i = at % original.length;
        let mutated: string;
        switch (kind) {
          case 'replace':
            mutated = original.slice(0, i) + char + original.slice(i + 1);
            break;
          case 'insert':
            mutated = original.slice(0, i) + char + original.slice(i);
            break;
          case 'delete':
            mutated = original.slice(0, i) + original.slice(i + 1);
            break;
          case 'truncate':
            mutated = original.slice(0, i);
            break;
          default: {
            const [h = '', p = '', s = ''] = original.split('.');
            mutated = `${p}.${h}.${s}`;
          }
        }
        fc.pre(mutated !== original);
        expect(outcome(strict, mutated)).not.toBe('accepted');
      }),
      { numRuns: 5000 },
    );
  });

  it('only throws TokenErrors for any JSON header and payload, correctly signed', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const headerValue = fc.oneof(
      json,
      fc.record({
        alg: fc.constantFrom('EdDSA', 'none', 'HS256', 'ES256'),
        kid: fc.oneof(fc.string(), json),
      }),
      fc.dictionary(fc.string(), json).map((extra) => ({ ...extra, ...header(keys.ed) })),
    );
    fc.assert(
      fc.property(headerValue, json, (h, payload) => {
        const jwt = forgeJws(h, payload, signer(keys.ed));
        const result = outcome(strict, jwt);
        // A payload that happens to be a valid claim set under a valid header may pass; any
        // other outcome is a TokenError, which `outcome` enforces.
        if (result === 'accepted')
          expect(payload).toMatchObject({ iss: expect.any(String) as unknown });
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses the largest malformed inputs quickly', () => {
    const inputs = [
      'a'.repeat(8192),
      `${'a'.repeat(4000)}.${'b'.repeat(4000)}.${'c'.repeat(190)}`,
      '.'.repeat(8192),
      `e30.${Buffer.from('['.repeat(6000)).toString('base64url').slice(0, 8000)}.AA`,
    ];
    for (const input of inputs) {
      const started = process.hrtime.bigint();
      expect(outcome(strict, input)).not.toBe('accepted');
      // Generous on a shared machine; the real cost is microseconds.
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(50);
    }
  });
});
