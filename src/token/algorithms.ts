/**
 * The JWS algorithms Tessera signs and verifies (RFC 7518 §3, RFC 8037 §3.1). Each key is
 * bound to exactly one of them; `none` is not an algorithm here and cannot be named.
 */

/** A JWS `alg` value Tessera supports. */
export type Algorithm = 'EdDSA' | 'ES256' | 'RS256' | 'PS256' | 'HS256' | 'HS384' | 'HS512';

/** Every supported algorithm, asymmetric ones first. */
export const ALGORITHMS: readonly Algorithm[] = Object.freeze([
  'EdDSA',
  'ES256',
  'RS256',
  'PS256',
  'HS256',
  'HS384',
  'HS512',
]);

/** The algorithm a new key gets when none is named: Ed25519 is fast, small and misuse-resistant. */
export const DEFAULT_ALGORITHM: Algorithm = 'EdDSA';

/** What each algorithm needs of its key and signature. */
export interface AlgorithmProfile {
  /** JWK `kty` of keys for this algorithm. */
  readonly kty: 'OKP' | 'EC' | 'RSA' | 'oct';
  /** Curve for OKP and EC keys. */
  readonly crv?: 'Ed25519' | 'P-256';
  /** Node digest name, or null where the algorithm hashes internally (Ed25519). */
  readonly digest: 'sha256' | 'sha384' | 'sha512' | null;
  /** Exact signature length in bytes, or 0 where it depends on the key (RSA). */
  readonly signatureBytes: number;
  /** Minimum secret or modulus size in bits. */
  readonly minKeyBits: number;
}

const PROFILES: Readonly<Record<Algorithm, AlgorithmProfile>> = Object.freeze({
  EdDSA: { kty: 'OKP', crv: 'Ed25519', digest: null, signatureBytes: 64, minKeyBits: 256 },
  ES256: { kty: 'EC', crv: 'P-256', digest: 'sha256', signatureBytes: 64, minKeyBits: 256 },
  // RFC 7518 §3.3 and §3.5: RSA keys of 2048 bits or more.
  RS256: { kty: 'RSA', digest: 'sha256', signatureBytes: 0, minKeyBits: 2048 },
  PS256: { kty: 'RSA', digest: 'sha256', signatureBytes: 0, minKeyBits: 2048 },
  // RFC 7518 §3.2: an HMAC key at least as long as the hash output.
  HS256: { kty: 'oct', digest: 'sha256', signatureBytes: 32, minKeyBits: 256 },
  HS384: { kty: 'oct', digest: 'sha384', signatureBytes: 48, minKeyBits: 384 },
  HS512: { kty: 'oct', digest: 'sha512', signatureBytes: 64, minKeyBits: 512 },
});

/** True when `value` names a supported algorithm (exact, case-sensitive, per RFC 7515 §4.1.1). */
export function isAlgorithm(value: unknown): value is Algorithm {
  return typeof value === 'string' && Object.hasOwn(PROFILES, value);
}

/** What `alg` needs of its key and signature. */
export function getAlgorithmProfile(alg: Algorithm): AlgorithmProfile {
  return PROFILES[alg];
}

/** True for the HMAC algorithms, whose key is a shared secret. */
export function isSymmetricAlgorithm(alg: Algorithm): boolean {
  return PROFILES[alg].kty === 'oct';
}
