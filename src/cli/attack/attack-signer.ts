import {
  constants,
  createHmac,
  generateKeyPairSync,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto';

/** JWS algorithms the attacks sign with (RFC 7518 §3.1, RFC 8037 §3.1). */
export type AttackAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA';

const DIGESTS: Readonly<Record<string, string>> = {
  '256': 'sha256',
  '384': 'sha384',
  '512': 'sha512',
};

/** True when `alg` is one the attacks can sign with. */
export function isAttackAlgorithm(alg: unknown): alg is AttackAlgorithm {
  return typeof alg === 'string' && /^(?:[HRPE]S(?:256|384|512)|EdDSA)$/.test(alg);
}

/**
 * Sign a JWS signing input with any key for any algorithm, with none of the checks a real
 * signer makes: forging is the point. HMAC keys may be any bytes, even empty ones.
 *
 * @throws Error from node:crypto when the key does not fit the algorithm.
 * @example
 * const signature = signWith('HS256', Buffer.from(publicPem), signingInput);
 */
export function signWith(alg: AttackAlgorithm, key: KeyObject | Buffer, data: Buffer): Buffer {
  if (alg === 'EdDSA') return cryptoSign(null, data, key);
  const digest = DIGESTS[alg.slice(2)] ?? 'sha256';
  if (alg.startsWith('HS')) {
    const secret = Buffer.isBuffer(key) ? key : key.export();
    return createHmac(digest, secret).update(data).digest();
  }
  if (alg.startsWith('PS')) {
    return cryptoSign(digest, data, {
      key: key as KeyObject,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
  }
  // RFC 7518 §3.4: ECDSA signatures are R || S, not DER.
  return cryptoSign(digest, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
}

/** The attacker's own key pairs, one per key type, made fresh for each run. */
export interface AttackerKeys {
  readonly EdDSA: KeyObject;
  readonly ES256: KeyObject;
  readonly RS256: KeyObject;
}

/**
 * Generate the attacker's keys. RSA at 2048 bits: what a verifier's minimum would accept.
 *
 * @example
 * const keys = generateAttackerKeys();
 */
export function generateAttackerKeys(): AttackerKeys {
  return {
    EdDSA: generateKeyPairSync('ed25519').privateKey,
    ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  };
}

/** The attacker key and algorithm closest to the target's: same key type when possible. */
export function attackerKeyFor(
  alg: string,
  keys: AttackerKeys,
): { readonly alg: AttackAlgorithm; readonly key: KeyObject } {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return { alg: 'RS256', key: keys.RS256 };
  if (alg.startsWith('ES')) return { alg: 'ES256', key: keys.ES256 };
  return { alg: 'EdDSA', key: keys.EdDSA };
}
