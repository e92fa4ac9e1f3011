import {
  constants,
  createHmac,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { getAlgorithmProfile, isAlgorithm, type Algorithm } from './algorithms.js';
import { KeyError } from './errors.js';

/**
 * A key that checks signatures of exactly one algorithm. The algorithm belongs to the key,
 * never to the token: RFC 8725 §3.1 (a token cannot choose how it is verified).
 */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: Algorithm;
  /** Public key, or the secret for HMAC algorithms. */
  readonly keyObject: KeyObject;
  /** Check `signature` over the ASCII signing input `data` on the calling thread. */
  verifySignature(data: string, signature: Buffer): boolean;
  /** The same check on libuv's thread pool, for servers under concurrent load. */
  verifySignatureAsync(data: string, signature: Buffer): Promise<boolean>;
}

// Order n of the P-256 group (SEC 2 §2.4.2), big-endian.
const P256_ORDER = Buffer.from(
  'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
  'hex',
);
const P256_SCALAR_BYTES = 32;

/** True when the 32-byte big-endian integer at `offset` is in [1, n-1]. */
function isP256Scalar(sig: Buffer, offset: number): boolean {
  let nonZero = 0;
  for (let i = 0; i < P256_SCALAR_BYTES; i++) nonZero |= sig[offset + i] ?? 0;
  if (nonZero === 0) return false;
  return sig.compare(P256_ORDER, 0, P256_SCALAR_BYTES, offset, offset + P256_SCALAR_BYTES) < 0;
}

/**
 * Bind `keyObject` to `alg` after checking that it fits: key type, curve, and size.
 *
 * @throws KeyError `ERR_KEY_ALG_MISMATCH` when the key cannot serve `alg` (an RSA or EC public
 *   key offered as an HMAC secret, say); `ERR_KEY_TOO_WEAK` below the minimum size.
 * @example
 * const key = createVerificationKey(createPublicKey(pem), 'ES256', 'key-1');
 */
export function createVerificationKey(
  keyObject: KeyObject,
  alg: Algorithm,
  kid: string,
): VerificationKey {
  if (!isAlgorithm(alg)) throw new TypeError(`unsupported algorithm: ${String(alg)}`);
  if (typeof kid !== 'string' || kid.length === 0)
    throw new TypeError('kid must be a non-empty string');
  const profile = getAlgorithmProfile(alg);
  const wantType = profile.kty === 'oct' ? 'secret' : 'public';
  if (keyObject.type !== wantType) {
    throw new KeyError(
      'ERR_KEY_ALG_MISMATCH',
      `${alg} needs a ${wantType} key, got a ${keyObject.type} key`,
    );
  }
  const verify = makeSignatureCheck(keyObject, alg);
  return Object.freeze({ kid, alg, keyObject, ...verify });
}

type SignatureChecks = Pick<VerificationKey, 'verifySignature' | 'verifySignatureAsync'>;

function makeSignatureCheck(keyObject: KeyObject, alg: Algorithm): SignatureChecks {
  const profile = getAlgorithmProfile(alg);
  const digest = profile.digest;
  if (profile.kty === 'oct') {
    const bits = (keyObject.symmetricKeySize ?? 0) * 8;
    if (bits < profile.minKeyBits) {
      throw new KeyError(
        'ERR_KEY_TOO_WEAK',
        `${alg} needs a secret of at least ${profile.minKeyBits / 8} bytes, got ${bits / 8}`,
      );
    }
    const hashName = digest ?? 'sha256';
    const length = profile.signatureBytes;
    const verifySignature = (data: string, signature: Buffer): boolean =>
      signature.length === length &&
      timingSafeEqual(createHmac(hashName, keyObject).update(data).digest(), signature);
    return {
      verifySignature,
      verifySignatureAsync: (data, signature) => Promise.resolve(verifySignature(data, signature)),
    };
  }

  const details = keyObject.asymmetricKeyDetails ?? {};
  const keyType = keyObject.asymmetricKeyType;
  let length = profile.signatureBytes;
  let verifyKey:
    | KeyObject
    | { key: KeyObject; dsaEncoding?: 'ieee-p1363'; padding?: number; saltLength?: number } =
    keyObject;
  let inRange: (signature: Buffer) => boolean = () => true;

  if (profile.kty === 'OKP') {
    if (keyType !== 'ed25519') throw mismatch(alg, keyType);
  } else if (profile.kty === 'EC') {
    if (keyType !== 'ec' || details.namedCurve !== 'prime256v1') {
      throw mismatch(alg, `${String(keyType)} ${String(details.namedCurve)}`);
    }
    // JWS ECDSA signatures are raw r||s (RFC 7518 §3.4), never DER. Zero or out-of-range
    // r or s are refused before OpenSSL sees them (the "psychic signature" class of bugs).
    verifyKey = { key: keyObject, dsaEncoding: 'ieee-p1363' };
    inRange = (signature) =>
      isP256Scalar(signature, 0) && isP256Scalar(signature, P256_SCALAR_BYTES);
  } else {
    if (keyType !== 'rsa' && !(alg === 'PS256' && keyType === 'rsa-pss'))
      throw mismatch(alg, keyType);
    const modulusBits = details.modulusLength ?? 0;
    if (modulusBits < profile.minKeyBits) {
      throw new KeyError(
        'ERR_KEY_TOO_WEAK',
        `${alg} needs an RSA key of at least ${profile.minKeyBits} bits, got ${modulusBits}`,
      );
    }
    // RFC 8017 §8: an RSA signature is exactly as long as the modulus.
    length = Math.ceil(modulusBits / 8);
    if (alg === 'PS256') {
      // RFC 7518 §3.5: the PSS salt is as long as the hash output.
      verifyKey = { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    }
  }

  const verifySignature = (data: string, signature: Buffer): boolean =>
    signature.length === length &&
    inRange(signature) &&
    cryptoVerify(digest, Buffer.from(data, 'latin1'), verifyKey, signature);
  const verifySignatureAsync = (data: string, signature: Buffer): Promise<boolean> => {
    if (signature.length !== length || !inRange(signature)) return Promise.resolve(false);
    return new Promise((resolve) => {
      cryptoVerify(digest, Buffer.from(data, 'latin1'), verifyKey, signature, (error, ok) => {
        resolve(error === null && ok);
      });
    });
  };
  return { verifySignature, verifySignatureAsync };
}

function mismatch(alg: Algorithm, got: string | undefined): KeyError {
  return new KeyError(
    'ERR_KEY_ALG_MISMATCH',
    `${alg} cannot be verified with a ${String(got)} key`,
  );
}
