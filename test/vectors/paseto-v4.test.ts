/**
 * The official PASETO v4 test vectors (test/vectors/paseto/README.md): every vector runs.
 * Success vectors decrypt or verify to their payload, and are reproduced exactly from their key,
 * nonce, footer and implicit assertion (Ed25519 is deterministic; v4.local takes the nonce);
 * failure vectors are refused.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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
    // A failure vector may carry only a public key: try the local key it has, or none at all.
    const key = vector.key === undefined ? randomBytes(32) : hex(vector.key);
    return (await decryptV4Local(createV4LocalKey(key), vector.token, options)).claims;
  }
  if (vector.token.startsWith('v4.public.')) {
    const publicKey = vector['public-key'] === undefined ? randomBytes(32) : hex(vector['public-key']);
    return (await verifyV4Public(await importV4PublicKey(publicKey), vector.token, options)).claims;
  }
  throw new Error('not a v4 token');
}

describe('official PASETO v4 vectors', () => {
  it('holds every kind of vector', () => {
    expect(tests.length).toBe(16);
    expect(tests.filter((t) => t['expect-fail'])).toHaveLength(4);
  });

  for (const vector of tests) {
    if (vector['expect-fail']) {
      it(`${vector.name} is refused`, async () => {
        await expect(open(vector)).rejects.toThrow();
      });
      continue;
    }
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
