import { createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto';
import { getAlgorithmProfile, isAlgorithm, type Algorithm } from '../token/algorithms.js';
import { decodeBase64Url, isBase64UrlSegment } from '../token/base64url.js';
import { KeyError } from '../token/errors.js';
import { checkJwkKid, resolveJwkAlgorithm, type Jwk } from '../token/jwk.js';
import { defaultKid } from './generate-signing-key.js';
import { assertStrongHmacSecret } from './hmac-secret.js';
import { SigningKey } from './signing-key.js';

/** Options of {@link importSigningKey}. */
export interface ImportSigningKeyOptions {
  /** The algorithm to bind the key to; required unless the JWK names it or the key type fits only one. */
  readonly alg?: Algorithm;
  /** Key id; default the JWK's `kid`, else its RFC 7638 thumbprint. */
  readonly kid?: string;
}

/**
 * Import a private key: a private JWK, a PKCS#8 PEM string, or raw HMAC secret bytes.
 * HMAC secrets are checked for length and entropy.
 *
 * @throws KeyError `ERR_KEY_INVALID`, `ERR_KEY_ALG_MISMATCH`, `ERR_KEY_TOO_WEAK`.
 * @example
 * const key = importSigningKey(JSON.parse(fs.readFileSync('key.jwk', 'utf8')));
 */
export function importSigningKey(
  material: Jwk | string | Uint8Array,
  options: ImportSigningKeyOptions = {},
): SigningKey {
  if (options.alg !== undefined && !isAlgorithm(options.alg)) {
    throw new TypeError(`unsupported algorithm: ${String(options.alg)}`);
  }
  if (material instanceof Uint8Array) {
    const alg = options.alg;
    if (alg === undefined || getAlgorithmProfile(alg).kty !== 'oct') {
      throw new KeyError(
        'ERR_KEY_ALG_MISMATCH',
        'raw secret bytes need an HMAC alg (HS256, HS384, HS512)',
      );
    }
    return importSecret(material, alg, options.kid);
  }
  if (typeof material === 'string') {
    const privateKey = parse(() => createPrivateKey(material), 'PEM');
    const alg = options.alg ?? impliedAlgorithm(privateKey);
    return new SigningKey(privateKey, alg, options.kid ?? defaultKid(privateKey));
  }
  if (typeof material !== 'object' || (material as unknown) === null) {
    throw new KeyError('ERR_KEY_INVALID', 'key must be a JWK, a PEM string or secret bytes');
  }
  const alg = resolveJwkAlgorithm(material, options.alg);
  const kid = options.kid ?? (material.kid === undefined ? undefined : checkJwkKid(material.kid));
  if (material.kty === 'oct') {
    const k = material.k;
    if (typeof k !== 'string' || !isBase64UrlSegment(k, 0, k.length)) {
      throw new KeyError('ERR_KEY_INVALID', 'oct JWK needs a base64url k');
    }
    return importSecret(decodeBase64Url(k), alg, kid);
  }
  if (material.d === undefined)
    throw new KeyError('ERR_KEY_INVALID', 'JWK has no private part (d)');
  const privateKey = parse(() => createPrivateKey({ key: material, format: 'jwk' }), 'JWK');
  return new SigningKey(privateKey, alg, kid ?? defaultKid(privateKey));
}

function importSecret(secret: Uint8Array, alg: Algorithm, kid: string | undefined): SigningKey {
  if (getAlgorithmProfile(alg).kty !== 'oct') {
    throw new KeyError('ERR_KEY_ALG_MISMATCH', `${alg} does not use a shared secret`);
  }
  assertStrongHmacSecret(secret, alg);
  const key = createSecretKey(secret);
  return new SigningKey(key, alg, kid ?? defaultKid(key));
}

function impliedAlgorithm(privateKey: KeyObject): Algorithm {
  if (privateKey.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (privateKey.asymmetricKeyType === 'ec') return 'ES256';
  throw new KeyError(
    'ERR_KEY_ALG_MISMATCH',
    `a ${String(privateKey.asymmetricKeyType)} key needs an alg`,
  );
}

function parse(create: () => KeyObject, what: string): KeyObject {
  try {
    return create();
  } catch (error) {
    throw new KeyError('ERR_KEY_INVALID', `not a valid private key ${what}`, { cause: error });
  }
}
