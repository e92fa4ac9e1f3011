import { createSecretKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import {
  DEFAULT_ALGORITHM,
  getAlgorithmProfile,
  isAlgorithm,
  type Algorithm,
} from '../token/algorithms.js';
import { computeJwkThumbprint, exportPublicJwk } from '../token/jwk.js';
import { encodeBase64Url } from '../token/base64url.js';
import { SigningKey } from './signing-key.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Options of {@link generateSigningKey}. */
export interface GenerateSigningKeyOptions {
  /** Key id; default the RFC 7638 thumbprint of the public key (or of the secret for HMAC). */
  readonly kid?: string;
  /** RSA modulus size; default 2048, at least 2048. */
  readonly modulusLength?: number;
}

/**
 * Generate a new signing key for `alg` (default EdDSA with Ed25519).
 *
 * @example
 * const key = await generateSigningKey('ES256');
 */
export async function generateSigningKey(
  alg: Algorithm = DEFAULT_ALGORITHM,
  options: GenerateSigningKeyOptions = {},
): Promise<SigningKey> {
  if (!isAlgorithm(alg)) throw new TypeError(`unsupported algorithm: ${String(alg)}`);
  const profile = getAlgorithmProfile(alg);
  let privateKey: KeyObject;
  switch (profile.kty) {
    case 'oct':
      privateKey = createSecretKey(randomBytes(profile.minKeyBits / 8));
      break;
    case 'OKP':
      privateKey = (await generateKeyPairAsync('ed25519')).privateKey;
      break;
    case 'EC':
      privateKey = (await generateKeyPairAsync('ec', { namedCurve: 'P-256' })).privateKey;
      break;
    case 'RSA': {
      const modulusLength = options.modulusLength ?? 2048;
      if (!Number.isInteger(modulusLength) || modulusLength < profile.minKeyBits) {
        throw new TypeError(
          `modulusLength must be a whole number of at least ${profile.minKeyBits}`,
        );
      }
      privateKey = (await generateKeyPairAsync('rsa', { modulusLength })).privateKey;
      break;
    }
  }
  return new SigningKey(privateKey, alg, options.kid ?? defaultKid(privateKey));
}

/** The RFC 7638 thumbprint that serves as `kid` when none is given. */
export function defaultKid(privateKey: KeyObject): string {
  if (privateKey.type === 'secret') {
    return computeJwkThumbprint({ kty: 'oct', k: encodeBase64Url(privateKey.export()) });
  }
  return computeJwkThumbprint(exportPublicJwk(privateKey));
}
