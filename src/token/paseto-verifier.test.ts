import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/forge.js';
import { AUDIENCE, claims, ISSUER, NOW_MS } from '../../test/support/jwt-fixture.js';
import { TokenError } from './errors.js';
import { encryptPaseto, signPaseto } from './paseto-token.js';
import { PasetoVerifier } from './paseto-verifier.js';

// PASETO v4 tokens meet the JWT claim rules; whatever is changed in one, it never passes, and
// nothing but a TokenError comes out.

const pair = generateKeyPairSync('ed25519');
const privateJwk = pair.privateKey.export({ format: 'jwk' });
const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'p1' };
const localKey = randomBytes(32);
let publicToken: string;
let localToken: string;

function verifier(
  revoked: (kid: string, jti: unknown) => boolean = () => false,
  cache: { maxEntries: number } | false = false,
): PasetoVerifier {
  return new PasetoVerifier({
    cache,
    issuer: ISSUER,
    audience: AUDIENCE,
    purposes: ['v4.public', 'v4.local'],
    publicKeys: [publicJwk],
    localKeys: [{ kid: 'l1', key: localKey }],
    clock: new TestClock(NOW_MS),
    isRevoked: (c, kid) => revoked(kid, c.jti),
  });
}

async function rejection(run: Promise<unknown>): Promise<TokenError> {
  const error: unknown = await run.then(
    () => new Error('token was accepted'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof TokenError)) throw error;
  return error;
}

beforeAll(async () => {
  publicToken = await signPaseto(claims(), privateJwk, { kid: 'p1' });
  localToken = await encryptPaseto(claims(), localKey, { kid: 'l1' });
});

describe('PasetoVerifier', () => {
  it('accepts both purposes, with NumericDate times and the key id', async () => {
    const v = verifier();
    expect(await v.verifyAsync(publicToken)).toMatchObject({ purpose: 'v4.public', kid: 'p1' });
    const local = await v.verifyAsync(localToken);
    expect(local).toMatchObject({ purpose: 'v4.local', kid: 'l1' });
    expect(local.claims.exp).toBe(NOW_MS / 1000 + 900);
    // The payload of v4.local is not readable; v4.public's is.
    expect(Buffer.from(localToken.split('.')[2] ?? '', 'base64url').toString()).not.toContain(
      'user-1',
    );
  });

  it('refuses a revoked token, from the cache too', async () => {
    let revoked = false;
    const v = verifier(() => revoked, { maxEntries: 16 });
    for (const presented of [publicToken, localToken]) {
      revoked = false;
      const first = await v.verifyAsync(presented);
      // A hit hands back the very result the first call cached; a miss builds a new one.
      expect(await v.verifyAsync(presented)).toBe(first);
      // Revoked after it was cached: the hit must still ask.
      revoked = true;
      expect((await rejection(v.verifyAsync(presented))).code).toBe('ERR_JWT_REVOKED');
    }
    // Without a cache each call builds its own result: the identity above is the cache's.
    const uncached = verifier();
    expect(await uncached.verifyAsync(localToken)).not.toBe(await uncached.verifyAsync(localToken));
  });

  it('refuses keys without kid and purposes without keys at construction', () => {
    const base = { issuer: ISSUER, audience: AUDIENCE };
    expect(
      () =>
        new PasetoVerifier({
          ...base,
          purposes: ['v4.public'],
          publicKeys: [{ ...publicJwk, kid: '' }],
        }),
    ).toThrow(TypeError);
    expect(() => new PasetoVerifier({ ...base, purposes: ['v4.local'] })).toThrow(/no key/);
    expect(
      () =>
        new PasetoVerifier({
          ...base,
          purposes: ['v4.public'],
          publicKeys: [
            {
              ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
                format: 'jwk',
              }),
              kid: 'e',
            },
          ],
        }),
    ).toThrow(TypeError);
  });

  it('a mutated token never verifies, and fails only with a TokenError', async () => {
    const v = verifier();
    const alphabet = Array.from(
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(publicToken, localToken),
        fc.nat(),
        fc.constantFrom(...alphabet),
        fc.boolean(),
        async (original, at, char, cut) => {
          const i = at % original.length;
          const mutated = cut
            ? original.slice(0, i) + original.slice(i + 1)
            : original.slice(0, i) + char + original.slice(i + 1);
          fc.pre(mutated !== original);
          const error = await rejection(v.verifyAsync(mutated));
          expect(error.code).toMatch(/^ERR_(PASETO|JWT)_/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
