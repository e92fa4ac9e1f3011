import {
  createHash,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { getAlgorithmProfile, isAlgorithm, type Algorithm } from './algorithms.js';
import { decodeBase64Url, isBase64UrlSegment } from './base64url.js';
import { KeyError } from './errors.js';
import { createVerificationKey, type VerificationKey } from './verification-key.js';

/** A JSON Web Key (RFC 7517) as it travels: members are strings unless the RFC says otherwise. */
export type Jwk = JsonWebKey & {
  readonly kid?: string;
  readonly alg?: string;
  readonly use?: string;
};

/** A JWK Set (RFC 7517 §5). */
export interface Jwks {
  readonly keys: readonly Jwk[];
}

/** Members that only private keys have (RFC 7518 §6.2.2, §6.3.2, RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** RFC 7638 §3.2: the members that make up each key type's thumbprint, in order. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
  oct: ['k', 'kty'],
};

/**
 * The RFC 7638 thumbprint of a JWK: SHA-256 over its required members, base64url. Tessera
 * uses it as the default `kid` and, later, for DPoP key binding (RFC 9449 `jkt`).
 *
 * @throws KeyError `ERR_KEY_INVALID` when a required member is missing.
 */
export function computeJwkThumbprint(jwk: Jwk): string {
  const kty = String(jwk.kty);
  const members = Object.hasOwn(THUMBPRINT_MEMBERS, kty) ? THUMBPRINT_MEMBERS[kty] : undefined;
  if (members === undefined)
    throw new KeyError('ERR_KEY_INVALID', `unsupported JWK kty ${String(jwk.kty)}`);
  const canonical: Record<string, unknown> = {};
  for (const member of members) {
    const value = (jwk as Record<string, unknown>)[member];
    if (typeof value !== 'string')
      throw new KeyError('ERR_KEY_INVALID', `JWK is missing ${member}`);
    canonical[member] = value;
  }
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

/** The public members of a key as a JWK (no `kid` or `alg`). Never includes private members. */
export function exportPublicJwk(keyObject: KeyObject): Jwk {
  if (keyObject.type === 'secret') throw new TypeError('a secret key has no public JWK');
  const publicKey = keyObject.type === 'private' ? createPublicKey(keyObject) : keyObject;
  const jwk = publicKey.export({ format: 'jwk' });
  return stripPrivateMembers(jwk);
}

/** A copy of `jwk` without any private member. */
export function stripPrivateMembers(jwk: Jwk): Jwk {
  const copy: Record<string, unknown> = {};
  for (const [member, value] of Object.entries(jwk)) {
    if (!(PRIVATE_MEMBERS as readonly string[]).includes(member)) copy[member] = value;
  }
  return copy;
}

/** True when `jwk` holds private key material (or is a symmetric secret). */
export function hasPrivateMembers(jwk: Jwk): boolean {
  return PRIVATE_MEMBERS.some((member) => (jwk as Record<string, unknown>)[member] !== undefined);
}

/**
 * The algorithm a JWK is for: its `alg` member, which must agree with `expected` when both
 * are given. RSA and symmetric keys fit several algorithms, so they need one or the other.
 *
 * @throws KeyError `ERR_KEY_ALG_MISMATCH`.
 */
export function resolveJwkAlgorithm(jwk: Jwk, expected?: Algorithm): Algorithm {
  const declared = jwk.alg;
  if (declared !== undefined) {
    if (!isAlgorithm(declared))
      throw new KeyError('ERR_KEY_ALG_MISMATCH', `unsupported JWK alg ${declared}`);
    if (expected !== undefined && declared !== expected) {
      throw new KeyError('ERR_KEY_ALG_MISMATCH', `JWK is for ${declared}, not ${expected}`);
    }
    return declared;
  }
  if (expected !== undefined) return expected;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  throw new KeyError('ERR_KEY_ALG_MISMATCH', `a ${String(jwk.kty)} JWK needs an alg`);
}

/**
 * Import a public JWK (or, for HMAC, a secret JWK) as a verification key bound to one
 * algorithm. `kid` defaults to the key's RFC 7638 thumbprint.
 *
 * @throws KeyError `ERR_KEY_INVALID` (malformed, or `use` other than `sig`),
 *   `ERR_KEY_ALG_MISMATCH`, `ERR_KEY_TOO_WEAK`.
 * @example
 * const key = importVerificationJwk({ kty: 'OKP', crv: 'Ed25519', x: '11qY...' });
 */
export function importVerificationJwk(jwk: Jwk, expected?: Algorithm): VerificationKey {
  if (typeof jwk !== 'object' || (jwk as unknown) === null || Array.isArray(jwk)) {
    throw new KeyError('ERR_KEY_INVALID', 'JWK must be an object');
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw new KeyError('ERR_KEY_INVALID', `JWK use ${jwk.use} is not sig`);
  }
  if (
    jwk.key_ops !== undefined &&
    !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))
  ) {
    throw new KeyError('ERR_KEY_INVALID', 'JWK key_ops does not allow verify');
  }
  const alg = resolveJwkAlgorithm(jwk, expected);
  const profile = getAlgorithmProfile(alg);
  if (jwk.kty !== profile.kty) {
    throw new KeyError(
      'ERR_KEY_ALG_MISMATCH',
      `${alg} needs a ${profile.kty} key, got ${String(jwk.kty)}`,
    );
  }
  let keyObject: KeyObject;
  try {
    if (profile.kty === 'oct') {
      const k = jwk.k;
      if (typeof k !== 'string' || !isBase64UrlSegment(k, 0, k.length)) throw new Error('bad k');
      keyObject = createSecretKey(decodeBase64Url(k));
    } else {
      keyObject = createPublicKey({ key: stripPrivateMembers(jwk), format: 'jwk' });
    }
  } catch (error) {
    throw new KeyError('ERR_KEY_INVALID', `JWK is not a valid ${jwk.kty ?? 'unknown'} key`, {
      cause: error,
    });
  }
  const kid = jwk.kid === undefined ? computeJwkThumbprint(jwk) : checkJwkKid(jwk.kid);
  return createVerificationKey(keyObject, alg, kid);
}

/**
 * A JWK's `kid` as given, when it is a usable one.
 *
 * @throws KeyError `ERR_KEY_INVALID` for a `kid` that is not a non-empty string.
 */
export function checkJwkKid(kid: unknown): string {
  if (typeof kid !== 'string' || kid.length === 0) {
    throw new KeyError('ERR_KEY_INVALID', 'JWK kid must be a non-empty string');
  }
  return kid;
}
