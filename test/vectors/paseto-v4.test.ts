/**
 * The official PASETO v4 test vectors (test/vectors/paseto/README.md): every vector runs.
 * Success vectors decrypt or verify to their payload, and are reproduced exactly from their key,
 * nonce, footer and implicit assertion (Ed25519 is deterministic; v4.local takes the nonce).
 * Every vector also goes through the product, `PasetoVerifier`, with the vector's own keys in
 * their real roles: failure vectors are refused with the product's code, success vectors get
 * past the cryptography and stop only at Tessera's claim rules (they carry no `iss`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TokenError } from '../../src/token/errors.js';
import {
  createFixedNonceEncrypt,
  createV4LocalKey,
  decryptV4Local,
  encryptV4Local,
  importV4PublicKey,
  importV4SecretKey,
  signV4Public,
  verifyV4Public,
} from '../../src/token/internal/paseto-v4.js';
import type { PasetoPurpose } from '../../src/token/paseto-token.js';
import { PasetoVerifier } from '../../src/token/paseto-verifier.js';

interface Vector {
  readonly name: string;
  readonly 'expect-fail': boolean;
  readonly token: string;
  readonly payload: string | null;
  readonly footer: string;
  readonly 'implicit-assertion': string;
  readonly key?: string;
  readonly nonce?: string;
  readonly 'public-key'?: string;
  readonly 'secret-key-seed'?: string;
}

const { tests } = JSON.parse(
  readFileSync(new URL('./paseto/v4.json', import.meta.url), 'utf8'),
) as { tests: Vector[] };

/** Vector times are in 2022; the crypto is what is tested here, so read them before then. */
const BEFORE_EXPIRY = new Date('2021-06-01T00:00:00Z');

function hex(value: string | undefined): Buffer {
  if (value === undefined) throw new Error('vector field missing');
  return Buffer.from(value, 'hex');
}

async function open(vector: Vector): Promise<unknown> {
  const options = {
    footer: Buffer.from(vector.footer),
    implicitAssertion: Buffer.from(vector['implicit-assertion']),
    now: BEFORE_EXPIRY,
  };
  if (vector.token.startsWith('v4.local.')) {
    return (await decryptV4Local(createV4LocalKey(hex(vector.key)), vector.token, options)).claims;
  }
  const publicKey = await importV4PublicKey(hex(vector['public-key']));
  return (await verifyV4Public(publicKey, vector.token, options)).claims;
}

/** The keys the vector set uses: its Ed25519 pair for v4.public, one 32-byte v4.local key. */
const PUBLIC_KEY = hex(tests.find((t) => t['public-key'] !== undefined)?.['public-key']);
const LOCAL_KEY = hex(tests.find((t) => t.key !== undefined)?.key);
/** The `kid` the vectors' footers name; a footer without one picks the only key. */
const KID = 'zVhMiPBP9fRf2snEcT7gFTioeA9COcNy9DfgL1W60haN';

/** Tessera's verifier, with the vector's keys as a v4.public key and a v4.local key. */
function product(vector: Vector, purposes: readonly PasetoPurpose[]): PasetoVerifier {
  return new PasetoVerifier({
    issuer: 'https://auth.example.com',
    audience: 'orders',
    purposes,
    publicKeys: purposes.includes('v4.public')
      ? [{ kty: 'OKP', crv: 'Ed25519', x: PUBLIC_KEY.toString('base64url'), kid: KID }]
      : [],
    localKeys: purposes.includes('v4.local') ? [{ kid: KID, key: LOCAL_KEY }] : [],
    implicitAssertion: vector['implicit-assertion'],
    clock: { now: () => BEFORE_EXPIRY.getTime() },
  });
}

async function productError(vector: Vector, purposes: readonly PasetoPurpose[]): Promise<string> {
  const error: unknown = await product(vector, purposes)
    .verifyAsync(vector.token)
    .then(
      () => new Error(`${vector.name} was accepted`),
      (caught: unknown) => caught,
    );
  if (!(error instanceof TokenError)) throw error;
  return `${error.code}${error.claim === undefined ? '' : ` ${error.claim}`}`;
}

/**
 * What the product answers for each failure vector. `only` is a verifier holding just the key
 * the vector gives, for its own purpose; `both` holds the set's public and local keys.
 * - 4-F-1: a v4.local token to be refused by a holder of a public key: that verifier does not
 *   accept v4.local at all; one that does refuses its footer (not JSON) before any key is used.
 * - 4-F-2: a v4.public token to be refused by a holder of a local key: not accepted at all; with
 *   the real public key its signature fails.
 * - 4-F-3: a v3 token: Tessera speaks v4 only.
 * - 4-F-4: a v4.local token whose base64url text is not canonical (its last character has
 *   trailing bits set). Tessera refuses it before any key is used; the same bytes, canonically
 *   encoded, do open under the vector's key (tested below), so the encoding is all it tests.
 */
const FAILURES: Readonly<Record<string, { only: string; both: string }>> = {
  '4-F-1': { only: 'ERR_PASETO_PURPOSE_NOT_ALLOWED', both: 'ERR_PASETO_FOOTER_INVALID' },
  '4-F-2': { only: 'ERR_PASETO_PURPOSE_NOT_ALLOWED', both: 'ERR_PASETO_SIGNATURE_INVALID' },
  '4-F-3': { only: 'ERR_PASETO_PURPOSE_NOT_ALLOWED', both: 'ERR_PASETO_PURPOSE_NOT_ALLOWED' },
  '4-F-4': { only: 'ERR_PASETO_MALFORMED', both: 'ERR_PASETO_MALFORMED' },
};

/** The purpose a failure vector's own key is for: the kind of key it carries. */
function ownPurpose(vector: Vector): PasetoPurpose {
  return vector.key === undefined ? 'v4.public' : 'v4.local';
}

describe('official PASETO v4 vectors', () => {
  it('holds every kind of vector', () => {
    expect(tests.length).toBe(16);
    expect(tests.filter((t) => t['expect-fail']).map((t) => t.name)).toEqual(Object.keys(FAILURES));
    // One key pair and one local key across the set: the roles above are the set's own.
    for (const t of tests) {
      if (t.key !== undefined) expect(hex(t.key)).toEqual(LOCAL_KEY);
      if (t['public-key'] !== undefined) expect(hex(t['public-key'])).toEqual(PUBLIC_KEY);
    }
  });

  for (const vector of tests) {
    if (vector['expect-fail']) {
      it(`${vector.name} is refused by the product with its code`, async () => {
        const expected = FAILURES[vector.name];
        expect(expected, `no expectation for ${vector.name}`).toBeDefined();
        // The vector's own key, and only it, in its real role.
        if (vector.key !== undefined) expect(hex(vector.key)).toEqual(LOCAL_KEY);
        else expect(hex(vector['public-key'])).toEqual(PUBLIC_KEY);
        expect(await productError(vector, [ownPurpose(vector)])).toBe(expected?.only);
        expect(await productError(vector, ['v4.public', 'v4.local'])).toBe(expected?.both);
        if (vector.name === '4-F-4') {
          const payload = vector.token.slice('v4.local.'.length);
          const canonical = `v4.local.${Buffer.from(payload, 'base64url').toString('base64url')}`;
          expect(canonical).not.toBe(vector.token);
          expect(await productError({ ...vector, token: canonical }, ['v4.local'])).toBe(
            'ERR_JWT_CLAIM_MISSING iss',
          );
        }
      });
      continue;
    }
    it(`${vector.name} passes the product's cryptography`, async () => {
      const purpose = vector.token.startsWith('v4.local.') ? 'v4.local' : 'v4.public';
      // Tessera reads a footer only as {"kid":…}: 4-E-9's free-form footer is refused by design.
      const expected = vector.footer === '' || vector.footer.startsWith('{')
        ? 'ERR_JWT_CLAIM_MISSING iss'
        : 'ERR_PASETO_FOOTER_INVALID';
      expect(await productError(vector, [purpose])).toBe(expected);
      if (expected === 'ERR_PASETO_FOOTER_INVALID') return;
      // Under another implicit assertion the same token no longer opens (Version4.md: it is
      // part of the authenticated data).
      const other = { ...vector, 'implicit-assertion': `${vector['implicit-assertion']}x` };
      expect(await productError(other, [purpose])).toBe(
        purpose === 'v4.local' ? 'ERR_PASETO_DECRYPTION_FAILED' : 'ERR_PASETO_SIGNATURE_INVALID',
      );
    });
    it(`${vector.name} opens to its payload and is reproduced exactly`, async () => {
      expect(await open(vector)).toEqual(JSON.parse(vector.payload ?? 'null'));
      const claims = JSON.parse(vector.payload ?? '{}') as Record<string, unknown>;
      const options = {
        footer: Buffer.from(vector.footer),
        implicitAssertion: Buffer.from(vector['implicit-assertion']),
      };
      const made = vector.token.startsWith('v4.local.')
        ? await encryptV4Local(
            createV4LocalKey(hex(vector.key)),
            claims,
            options,
            createFixedNonceEncrypt(hex(vector.nonce)),
          )
        : await signV4Public(
            await importV4SecretKey(hex(vector['secret-key-seed']), hex(vector['public-key'])),
            claims,
            options,
          );
      expect(made).toBe(vector.token);
    });
  }
});
