import { randomBytes, timingSafeEqual } from 'node:crypto';
import { xchacha20 } from '@noble/ciphers/chacha.js';
import { blake2b } from '@noble/hashes/blake2.js';
import {
  LocalDecrypt,
  LocalEncrypt,
  LocalProtocol,
  PAE,
  PublicProtocol,
  type ConsumeOptions,
  type Key,
  type TokenResult,
} from 'paseto';
import {
  ImportPublicKeyFactory,
  ImportSecretKeyFactory,
  SignFactory,
  VerifyFactory,
  type PublicKey,
  type SecretKey,
} from 'paseto/v4/public';

/**
 * PASETO v4 on the `paseto` package. v4.public (Ed25519) is built into it; v4.local
 * (XChaCha20 + keyed BLAKE2b) is not, for lack of those primitives in Web Cryptography, so it
 * is supplied here through the package's extension API (`LocalEncrypt`/`LocalDecrypt`), which
 * keeps token framing, footers, implicit assertions and claim parsing in the library, and PAE
 * is the library's too. That API's `run` receives the key and the whole payload, not
 * primitives: the v4.local construction (nonce, key split, tag, its check) must be written by
 * whoever supplies it. The two primitives come from the audited `@noble/ciphers` and
 * `@noble/hashes`; the construction around them is ours, and every official v4 vector checks it
 * (test/vectors/paseto-v4.test.ts).
 * Spec: https://github.com/paseto-standard/paseto-spec/blob/master/docs/01-Protocol-Versions/Version4.md
 */

/** A v4.local key: 32 secret bytes, never exported. */
export interface V4LocalKey extends Key {
  readonly algorithm: { readonly name: 'tessera v4.local' };
  readonly extractable: false;
  readonly type: 'secret';
  readonly bytes: Buffer;
}

/**
 * What v4.local decryption throws when the tag does not match: the token is not authentic.
 *
 * @example
 * try { await decryptV4Local(key, token, options); }
 * catch (error) { if (error instanceof LocalAuthenticationError) return refuse(); throw error; }
 */
export class LocalAuthenticationError extends Error {
  override name = 'LocalAuthenticationError';
}

const LOCAL_HEADER = Buffer.from('v4.local.');
const ENCRYPTION_KEY_INFO = Buffer.from('paseto-encryption-key');
const AUTH_KEY_INFO = Buffer.from('paseto-auth-key-for-aead');
const NONCE_BYTES = 32;
const TAG_BYTES = 32;

/** Keyed BLAKE2b (RFC 7693) of `message`, `outputBytes` long. */
function mac(message: Uint8Array, outputBytes: number, key: Uint8Array): Buffer {
  const digest = blake2b(message, { dkLen: outputBytes, key });
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** The two keys of one v4.local token, derived from its nonce (Version4.md, Encrypt step 4). */
function splitKeys(
  key: Buffer,
  nonce: Uint8Array,
): { ek: Uint8Array; n2: Uint8Array; ak: Uint8Array } {
  const tmp = mac(Buffer.concat([ENCRYPTION_KEY_INFO, nonce]), 56, key);
  return {
    ek: tmp.subarray(0, 32),
    n2: tmp.subarray(32, 56),
    ak: mac(Buffer.concat([AUTH_KEY_INFO, nonce]), 32, key),
  };
}

/**
 * v4.local encryption with a nonce source (random; fixed only for the official vectors), as a
 * capability of the library's `LocalProtocol`.
 *
 * @throws RangeError (when run) for a nonce source that does not give 32 bytes.
 * @example
 * const v4 = new LocalProtocol(createV4LocalEncrypt());
 * const token = await v4.Encrypt(createV4LocalKey(bytes), claims, { footer, implicitAssertion });
 */
export function createV4LocalEncrypt(
  nonceSource: () => Uint8Array = () => randomBytes(NONCE_BYTES),
) {
  return LocalEncrypt<4, V4LocalKey>({
    version: 4,
    run: (key, message, footer, implicitAssertion) => {
      const nonce = nonceSource();
      if (nonce.length !== NONCE_BYTES) throw new RangeError('v4.local nonces are 32 bytes');
      const { ek, n2, ak } = splitKeys(key.bytes, nonce);
      // XChaCha20 with the block counter from 0, as libsodium's crypto_stream_xchacha20_xor.
      const c = xchacha20(ek, n2, message);
      const t = mac(PAE([LOCAL_HEADER, nonce, c, footer, implicitAssertion]), TAG_BYTES, ak);
      return Promise.resolve(new Uint8Array(Buffer.concat([nonce, c, t])));
    },
  });
}

/** v4.local decryption: the tag is checked, in constant time, before anything is decrypted. */
const V4LocalDecrypt = LocalDecrypt<4, V4LocalKey>({
  version: 4,
  run: (key, payload, footer, implicitAssertion) => {
    if (payload.length <= NONCE_BYTES + TAG_BYTES)
      return Promise.reject(new LocalAuthenticationError('v4.local payload is too short'));
    const nonce = payload.subarray(0, NONCE_BYTES);
    const c = payload.subarray(NONCE_BYTES, payload.length - TAG_BYTES);
    const t = payload.subarray(payload.length - TAG_BYTES);
    const { ek, n2, ak } = splitKeys(key.bytes, nonce);
    const expected = mac(PAE([LOCAL_HEADER, nonce, c, footer, implicitAssertion]), TAG_BYTES, ak);
    if (!timingSafeEqual(expected, t))
      return Promise.reject(new LocalAuthenticationError('v4.local tag is invalid'));
    return Promise.resolve(xchacha20(ek, n2, c));
  },
});

const local = new LocalProtocol(createV4LocalEncrypt(), V4LocalDecrypt);
const publicProtocol = new PublicProtocol(
  SignFactory,
  VerifyFactory,
  ImportPublicKeyFactory,
  ImportSecretKeyFactory,
);

/**
 * A v4.local key from its 32 bytes (copied: later changes to `bytes` do not reach it).
 *
 * @throws TypeError when `bytes` is not exactly 32 bytes long.
 * @example
 * const key = createV4LocalKey(randomBytes(32));
 */
export function createV4LocalKey(bytes: Uint8Array): V4LocalKey {
  if (bytes.length !== 32) throw new TypeError('v4.local keys are exactly 32 bytes');
  return Object.freeze({
    algorithm: Object.freeze({ name: 'tessera v4.local' as const }),
    extractable: false as const,
    type: 'secret' as const,
    bytes: Buffer.from(bytes),
  });
}

/**
 * A v4.public verification key from the 32 raw bytes of an Ed25519 public key.
 *
 * @throws (rejects) the library's InvalidKeyError for bytes that are not such a key.
 * @example
 * const key = await importV4PublicKey(Buffer.from(ed25519PublicJwk.x, 'base64url'));
 */
export function importV4PublicKey(raw: Uint8Array): Promise<PublicKey> {
  return publicProtocol.ImportPublicKey(`k4.public.${Buffer.from(raw).toString('base64url')}`);
}

/**
 * A v4.public signing key from an Ed25519 seed and public key (32 bytes each).
 *
 * @throws (rejects) the library's InvalidKeyError for bytes that are not such a pair.
 * @example
 * const key = await importV4SecretKey(Buffer.from(jwk.d, 'base64url'), Buffer.from(jwk.x, 'base64url'));
 */
export function importV4SecretKey(seed: Uint8Array, publicKey: Uint8Array): Promise<SecretKey> {
  const material = Buffer.concat([seed, publicKey]).toString('base64url');
  return publicProtocol.ImportSecretKey(`k4.secret.${material}`);
}

/** Produce-side options shared by both purposes: footer and implicit assertion, as bytes. */
export interface V4ProduceOptions {
  readonly footer: Uint8Array;
  readonly implicitAssertion: Uint8Array;
}

/**
 * Sign `claims` as a v4.public token (Ed25519). `iat` is not added: the caller's claims are
 * signed as given.
 *
 * @throws (rejects) the library's errors for claims it cannot serialise.
 * @example
 * const token = await signV4Public(secretKey, { exp: '2030-01-01T00:00:00Z' }, { footer, implicitAssertion });
 */
export function signV4Public(
  key: SecretKey,
  claims: Record<string, unknown>,
  options: V4ProduceOptions,
): Promise<string> {
  return publicProtocol.Sign(key, claims as never, { ...options, addIssuedAt: false });
}

/**
 * Verify a v4.public token's signature, footer and implicit assertion, then its registered
 * time claims as the library reads them (`options`); returns the claims as the JSON holds them.
 *
 * @throws (rejects) the library's InvalidTokenError for a bad signature or shape, and
 *   ClaimValidationError for a claim it refuses.
 * @example
 * const { claims } = await verifyV4Public(publicKey, token, { footer, implicitAssertion });
 */
export function verifyV4Public(
  key: PublicKey,
  token: string,
  options: ConsumeOptions<4>,
): Promise<TokenResult> {
  return publicProtocol.Verify(key, token, options);
}

/**
 * Encrypt `claims` as a v4.local token with a random nonce (or `encrypt`, for the vectors'
 * fixed nonces). `iat` is not added.
 *
 * @throws (rejects) the library's errors for claims it cannot serialise.
 * @example
 * const token = await encryptV4Local(createV4LocalKey(bytes), claims, { footer, implicitAssertion });
 */
export function encryptV4Local(
  key: V4LocalKey,
  claims: Record<string, unknown>,
  options: V4ProduceOptions,
  encrypt: typeof local.Encrypt = local.Encrypt,
): Promise<string> {
  return encrypt(key, claims as never, { ...options, addIssuedAt: false });
}

/**
 * Check a v4.local token's tag (footer and implicit assertion included), then decrypt it and
 * check its time claims as the library reads them (`options`).
 *
 * @throws (rejects) {@link LocalAuthenticationError} when the tag does not match, the
 *   library's InvalidTokenError for a bad shape, and ClaimValidationError for a claim it refuses.
 * @example
 * const { claims } = await decryptV4Local(key, token, { footer, implicitAssertion });
 */
export function decryptV4Local(
  key: V4LocalKey,
  token: string,
  options: ConsumeOptions<4>,
): Promise<TokenResult> {
  return local.Decrypt(key, token, options);
}

/**
 * A v4.local encryptor with a fixed nonce: only for reproducing the official test vectors
 * (a repeated nonce under one key breaks v4.local's confidentiality).
 *
 * @example
 * const token = await encryptV4Local(key, claims, options, createFixedNonceEncrypt(vectorNonce));
 */
export function createFixedNonceEncrypt(nonce: Uint8Array): typeof local.Encrypt {
  return new LocalProtocol(createV4LocalEncrypt(() => nonce)).Encrypt;
}
