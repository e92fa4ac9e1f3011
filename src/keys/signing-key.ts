import {
  constants,
  createHmac,
  createPublicKey,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto';
import { inspect } from 'node:util';
import { getAlgorithmProfile, type Algorithm } from '../token/algorithms.js';
import { encodeBase64Url } from '../token/base64url.js';
import { exportPublicJwk, type Jwk } from '../token/jwk.js';
import type { JwsSigner } from '../token/sign-jwt.js';
import { createVerificationKey, type VerificationKey } from '../token/verification-key.js';

/**
 * A private key (or HMAC secret) bound to one algorithm. The private material stays in a
 * private field: `JSON.stringify`, `console.log` and loggers see only `kid`, `alg` and the
 * public key. {@link exportPrivateJwk} is the one way out, and it is explicit.
 */
export class SigningKey implements JwsSigner {
  readonly kid: string;
  readonly alg: Algorithm;
  /** The matching public key (or, for HMAC, the secret) as a verification key. */
  readonly verificationKey: VerificationKey;
  readonly #privateKey: KeyObject;
  readonly #sign: (data: Buffer) => Buffer;

  /**
   * Use `generateSigningKey` or `importSigningKey` rather than this constructor: they check
   * the key material first.
   *
   * @throws KeyError `ERR_KEY_ALG_MISMATCH`, `ERR_KEY_TOO_WEAK`.
   */
  constructor(privateKey: KeyObject, alg: Algorithm, kid: string) {
    if (privateKey.type === 'public') throw new TypeError('a signing key needs a private key');
    const publicKey = privateKey.type === 'secret' ? privateKey : createPublicKey(privateKey);
    this.verificationKey = createVerificationKey(publicKey, alg, kid);
    this.kid = kid;
    this.alg = alg;
    this.#privateKey = privateKey;
    this.#sign = makeSigner(privateKey, alg);
    Object.freeze(this);
  }

  /** Sign the JWS signing input. */
  sign(data: Buffer): Buffer {
    return this.#sign(data);
  }

  /** True for HMAC keys, which must never be published. */
  get isSymmetric(): boolean {
    return this.#privateKey.type === 'secret';
  }

  /** The public JWK with `kid`, `alg` and `use`; null for HMAC secrets, which have no public half. */
  getPublicJwk(): Jwk | null {
    if (this.isSymmetric) return null;
    return { ...exportPublicJwk(this.#privateKey), kid: this.kid, alg: this.alg, use: 'sig' };
  }

  /** The private key as a JWK, for storing it encrypted or moving it. Handle with care. */
  exportPrivateJwk(): Jwk {
    const base: Jwk = this.isSymmetric
      ? { kty: 'oct', k: encodeBase64Url(this.#privateKey.export()) }
      : this.#privateKey.export({ format: 'jwk' });
    return { ...base, kid: this.kid, alg: this.alg, use: 'sig' };
  }

  /** What `JSON.stringify` sees: identification and the public key only. */
  toJSON(): { kid: string; alg: Algorithm; publicJwk: Jwk | null } {
    return { kid: this.kid, alg: this.alg, publicJwk: this.getPublicJwk() };
  }

  /** What string conversion sees. */
  toString(): string {
    return `SigningKey { kid: ${JSON.stringify(this.kid)}, alg: ${this.alg} }`;
  }

  /** What `console.log` and `util.inspect` see. */
  [inspect.custom](): string {
    return this.toString();
  }
}

function makeSigner(privateKey: KeyObject, alg: Algorithm): (data: Buffer) => Buffer {
  const profile = getAlgorithmProfile(alg);
  const digest = profile.digest;
  switch (profile.kty) {
    case 'oct': {
      const hash = digest ?? 'sha256';
      return (data) => createHmac(hash, privateKey).update(data).digest();
    }
    case 'EC':
      return (data) => cryptoSign(digest, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    case 'RSA':
      if (alg === 'PS256') {
        return (data) =>
          cryptoSign(digest, data, {
            key: privateKey,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: 32,
          });
      }
      return (data) => cryptoSign(digest, data, privateKey);
    case 'OKP':
      return (data) => cryptoSign(null, data, privateKey);
  }
}
