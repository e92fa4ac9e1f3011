import { createPublicKey, type KeyObject } from 'node:crypto';
import { CompactEncrypt } from 'jose';
import type { Jwk } from './jwk.js';

/**
 * Key management algorithms Tessera can decrypt (RFC 7518 §4). `RSA1_5` is not among them and
 * never will be: PKCS#1 v1.5 decryption is a padding oracle (RFC 8725 §3.2). Plain `RSA-OAEP`
 * (SHA-1) and the AES key-wrap family are left out: nothing here issues them.
 * - `ECDH-ES+A256KW`, `RSA-OAEP-256`: the defaults, a public key per audience;
 * - `dir`: a shared content key; only when listed, since every holder can also mint tokens;
 * - `PBES2-HS512+A256KW`: a password; only when listed, with a bounded `p2c`.
 */
export type JweKeyAlgorithm = 'ECDH-ES+A256KW' | 'RSA-OAEP-256' | 'dir' | 'PBES2-HS512+A256KW';

/** Content encryption algorithms (RFC 7518 §5): authenticated encryption only. */
export type JweContentAlgorithm = 'A256GCM' | 'A256CBC-HS512';

/** Every key management algorithm Tessera knows, strict ones first. */
export const JWE_KEY_ALGORITHMS: readonly JweKeyAlgorithm[] = Object.freeze([
  'ECDH-ES+A256KW',
  'RSA-OAEP-256',
  'dir',
  'PBES2-HS512+A256KW',
]);

/** Every content encryption algorithm Tessera knows. */
export const JWE_CONTENT_ALGORITHMS: readonly JweContentAlgorithm[] = Object.freeze([
  'A256GCM',
  'A256CBC-HS512',
]);

/** What a verifier accepts when not told otherwise: public-key key management and AES-GCM. */
export const DEFAULT_JWE_KEY_ALGORITHMS: readonly JweKeyAlgorithm[] = Object.freeze([
  'ECDH-ES+A256KW',
  'RSA-OAEP-256',
]);

/** The default content encryption: A256GCM only. */
export const DEFAULT_JWE_CONTENT_ALGORITHMS: readonly JweContentAlgorithm[] = Object.freeze([
  'A256GCM',
]);

/**
 * True when `value` names a key management algorithm Tessera knows (never `RSA1_5`).
 *
 * @example
 * if (!isJweKeyAlgorithm(header.alg)) throw new Error('unsupported alg');
 */
export function isJweKeyAlgorithm(value: unknown): value is JweKeyAlgorithm {
  return typeof value === 'string' && (JWE_KEY_ALGORITHMS as readonly string[]).includes(value);
}

/**
 * True when `value` names a content encryption algorithm Tessera knows.
 *
 * @example
 * isJweContentAlgorithm('A256GCM'); // true
 * isJweContentAlgorithm('A128CBC-HS256'); // false
 */
export function isJweContentAlgorithm(value: unknown): value is JweContentAlgorithm {
  return typeof value === 'string' && (JWE_CONTENT_ALGORITHMS as readonly string[]).includes(value);
}

/** Options of {@link encryptJwt}. */
export interface EncryptJwtOptions {
  /** Key management; default from the key: `ECDH-ES+A256KW` for EC/OKP, `RSA-OAEP-256` for RSA. */
  readonly alg?: 'ECDH-ES+A256KW' | 'RSA-OAEP-256';
  /** Content encryption; default `A256GCM`. */
  readonly enc?: JweContentAlgorithm;
}

/** Three segments of the base64url alphabet: the shape of a compact JWS. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MIN_RSA_BITS = 2048;
const EC_CURVES = new Set(['P-256', 'P-384', 'P-521']);

/**
 * Encrypt a signed JWT for one recipient, as a nested JWT (RFC 7519 §5.2, §11.2: sign, then
 * encrypt). The protected header says `cty: "JWT"` so the recipient knows a JWS is inside, and
 * carries the recipient key's `kid` so a recipient with several keys picks the right one.
 * Only the recipient's public key is used; private members given by mistake are ignored.
 *
 * @throws TypeError when `jws` is not a compact JWS, or the key is not an RSA (2048 bits or
 *   more), P-256/384/521 or X25519 public key fit for `alg`.
 * @example
 * const jws = signAccessToken(input, ring.getSigningKey());
 * const token = await encryptJwt(jws, ordersApiEncryptionJwk); // ECDH-ES+A256KW, A256GCM
 */
export async function encryptJwt(
  jws: string,
  recipient: Jwk,
  options: EncryptJwtOptions = {},
): Promise<string> {
  if (typeof jws !== 'string' || !COMPACT_JWS.test(jws)) {
    throw new TypeError('encryptJwt encrypts a compact JWS (sign first, then encrypt)');
  }
  const { key, alg } = importRecipientKey(recipient, options.alg);
  const enc = options.enc ?? 'A256GCM';
  if (!isJweContentAlgorithm(enc)) throw new TypeError(`unsupported enc: ${String(enc)}`);
  const header: { alg: string; enc: string; [name: string]: string } = {
    alg,
    enc,
    cty: 'JWT',
    typ: 'JWT',
  };
  if (typeof recipient.kid === 'string' && recipient.kid !== '') header['kid'] = recipient.kid;
  return new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader(header).encrypt(key);
}

function importRecipientKey(
  jwk: Jwk,
  wanted: EncryptJwtOptions['alg'],
): { key: KeyObject; alg: 'ECDH-ES+A256KW' | 'RSA-OAEP-256' } {
  if (typeof jwk !== 'object' || (jwk as unknown) === null) {
    throw new TypeError('the recipient key must be a JWK');
  }
  if (jwk.use !== undefined && jwk.use !== 'enc') {
    throw new TypeError('the recipient key is not an encryption key (use is not "enc")');
  }
  const declared = jwk.alg ?? wanted;
  if (wanted !== undefined && jwk.alg !== undefined && jwk.alg !== wanted) {
    throw new TypeError(`the recipient key is for ${jwk.alg}, not ${wanted}`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: publicMembers(jwk), format: 'jwk' });
  } catch (error) {
    throw new TypeError('the recipient key is not a usable public JWK', { cause: error });
  }
  if (jwk.kty === 'RSA') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
      throw new TypeError(`RSA encryption keys need at least ${MIN_RSA_BITS} bits`);
    }
    if (declared !== undefined && declared !== 'RSA-OAEP-256') {
      throw new TypeError(`an RSA key encrypts with RSA-OAEP-256, not ${declared}`);
    }
    return { key, alg: 'RSA-OAEP-256' };
  }
  const curveOk =
    (jwk.kty === 'EC' && EC_CURVES.has(String(jwk.crv))) ||
    (jwk.kty === 'OKP' && jwk.crv === 'X25519');
  if (!curveOk) throw new TypeError('recipient keys are RSA, EC (P-256/384/521) or OKP X25519');
  if (declared !== undefined && declared !== 'ECDH-ES+A256KW') {
    throw new TypeError(`an ${jwk.kty} key encrypts with ECDH-ES+A256KW, not ${declared}`);
  }
  return { key, alg: 'ECDH-ES+A256KW' };
}

/** The public half of a JWK, whatever was given. */
function publicMembers(jwk: Jwk): Jwk {
  const { kty, crv, x, y, n, e } = jwk;
  const out: Record<string, unknown> = { kty };
  for (const [name, value] of Object.entries({ crv, x, y, n, e })) {
    if (value !== undefined) out[name] = value;
  }
  return out;
}
