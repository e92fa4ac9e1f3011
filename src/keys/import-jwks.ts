import { getAlgorithmProfile, type Algorithm } from '../token/algorithms.js';
import { KeyError } from '../token/errors.js';
import { hasPrivateMembers, importVerificationJwk, type Jwk } from '../token/jwk.js';
import { KeySet } from '../token/key-set.js';
import type { VerificationKey } from '../token/verification-key.js';

/** Largest JWKS accepted; a real issuer publishes a handful of keys. */
const MAX_KEYS = 100;

/**
 * Turn a JWKS (RFC 7517 §5) into a key set for a verifier. Only signature keys for the
 * allowlisted algorithms are kept; a key without `alg` is kept only when exactly one
 * allowlisted algorithm fits its type. A JWKS that carries private or symmetric keys is
 * refused whole: its publisher is leaking secrets, and trusting any of it would be unwise.
 *
 * @throws KeyError `ERR_JWKS_INVALID`.
 * @example
 * const keys = importJwks(await (await fetch(jwksUri)).json(), ['EdDSA']);
 */
export function importJwks(jwks: unknown, algorithms: readonly Algorithm[]): KeySet {
  if (
    typeof jwks !== 'object' ||
    jwks === null ||
    !Array.isArray((jwks as { keys?: unknown }).keys)
  ) {
    throw new KeyError('ERR_JWKS_INVALID', 'JWKS must be an object with a keys array');
  }
  const entries = (jwks as { keys: unknown[] }).keys;
  if (entries.length > MAX_KEYS)
    throw new KeyError('ERR_JWKS_INVALID', `JWKS has more than ${MAX_KEYS} keys`);
  const keys: VerificationKey[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new KeyError('ERR_JWKS_INVALID', 'JWKS entries must be objects');
    }
    const jwk = entry as Jwk;
    if (hasPrivateMembers(jwk)) {
      throw new KeyError('ERR_JWKS_INVALID', 'JWKS holds private or symmetric key material');
    }
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    const alg = pickAlgorithm(jwk, algorithms);
    if (alg === undefined) continue;
    let key: VerificationKey;
    try {
      key = importVerificationJwk(jwk, alg);
    } catch (error) {
      throw new KeyError('ERR_JWKS_INVALID', 'JWKS holds an invalid key', { cause: error });
    }
    if (seen.has(key.kid)) throw new KeyError('ERR_JWKS_INVALID', 'JWKS has two keys with one kid');
    seen.add(key.kid);
    keys.push(key);
  }
  return new KeySet(keys);
}

function pickAlgorithm(jwk: Jwk, algorithms: readonly Algorithm[]): Algorithm | undefined {
  if (jwk.alg !== undefined) return algorithms.find((alg) => alg === jwk.alg);
  const fitting = algorithms.filter((alg) => {
    const profile = getAlgorithmProfile(alg);
    return profile.kty === jwk.kty && (profile.crv === undefined || profile.crv === jwk.crv);
  });
  return fitting.length === 1 ? fitting[0] : undefined;
}
