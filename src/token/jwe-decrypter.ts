import { createPrivateKey, type KeyObject } from 'node:crypto';
import { compactDecrypt } from 'jose';
import { decodeBase64Url, hasCanonicalTail } from './base64url.js';
import {
  DEFAULT_JWE_CONTENT_ALGORITHMS,
  DEFAULT_JWE_KEY_ALGORITHMS,
  isJweContentAlgorithm,
  isJweKeyAlgorithm,
  type JweContentAlgorithm,
  type JweKeyAlgorithm,
} from './encrypted-token.js';
import { TokenError } from './errors.js';
import type { Jwk } from './jwk.js';

/** Options of {@link JweDecrypter}. */
export interface JweDecrypterOptions {
  /**
   * The audience's private keys (JWK): EC/X25519 for `ECDH-ES+A256KW`, RSA for `RSA-OAEP-256`,
   * `oct` with `alg` for `dir` or `PBES2-HS512+A256KW`. Each key serves one algorithm: its
   * `alg`, or the one its type implies. With several keys, each needs a distinct `kid`.
   */
  readonly keys: readonly Jwk[];
  /** Allowed `alg` values; default `['ECDH-ES+A256KW', 'RSA-OAEP-256']`. */
  readonly keyAlgorithms?: readonly JweKeyAlgorithm[];
  /** Allowed `enc` values; default `['A256GCM']`. */
  readonly contentAlgorithms?: readonly JweContentAlgorithm[];
  /** Largest PBES2 `p2c` accepted, when PBES2 is allowed; default and most 10 000. */
  readonly maxPbes2Count?: number;
  /** Longer tokens are refused before any decoding; default 16 384, at most 65 536. */
  readonly maxTokenBytes?: number;
}

/** A decryption key bound to its one algorithm. */
interface DecryptionKey {
  readonly kid: string | undefined;
  readonly alg: JweKeyAlgorithm;
  readonly key: KeyObject | Uint8Array;
}

/**
 * Five segments; the encrypted key is empty for `dir` (RFC 7516 §7.1). No character class
 * holds '.', so the test is one linear pass.
 */
const COMPACT_JWE =
  /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Header parameters that carry or point at a key: never trusted (RFC 8725 §3.10). */
const KEY_CARRYING_PARAMETERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;
/**
 * Fewest PBES2 iterations (`p2c`) a token may name: RFC 7518 §4.8.1.2 asks for at least 1000.
 *
 * @example
 * new JweDecrypter({ keys: [passwordJwk], keyAlgorithms: ['PBES2-HS512+A256KW'], maxPbes2Count: MIN_PBES2_COUNT });
 */
export const MIN_PBES2_COUNT = 1000;
/**
 * Most PBES2 iterations (`p2c`) a token may name, and the highest `maxPbes2Count` accepted.
 * Every token's `p2c` is chosen by whoever sent it, and each iteration is work done before the
 * token is known to be authentic: PBKDF2-SHA512 at 10 000 iterations took about 10 ms on our
 * test machine, so the ceiling bounds what one forged token can cost.
 *
 * @example
 * new JweDecrypter({ keys: [passwordJwk], keyAlgorithms: ['PBES2-HS512+A256KW'], maxPbes2Count: MAX_PBES2_COUNT });
 */
export const MAX_PBES2_COUNT = 10_000;
const DEFAULT_MAX_TOKEN_BYTES = 16_384;
const MAX_MAX_TOKEN_BYTES = 65_536;
const MAX_HEADER_CHARS = 4096;
/** RFC 7518 §4.3 (RSA-OAEP-256) asks for 2048 bits or more. */
const MIN_RSA_BITS = 2048;
/**
 * Every token that names an RSA key costs one private-key operation before anything is known
 * to be authentic, and that cost grows about with the cube of the modulus: one RSA-OAEP
 * decryption took about 0.3 ms with 2048 bits, 4 ms with 4096 and 40 ms with 8192 on our
 * (busy, two-core) test machine. The ceiling bounds what one forged token costs, as
 * `MAX_PBES2_COUNT` does for PBES2.
 */
const MAX_RSA_BITS = 4096;

/**
 * Decrypts nested JWTs (RFC 7516 compact serialisation holding a JWS, RFC 7519 §5.2) with the
 * audience's own keys, after refusing, from the protected header alone, anything it was not
 * told to accept: algorithms, compression, `crit`, embedded keys, a content type other than
 * `JWT`. What comes out is the inner JWS, still to be verified.
 *
 * @example
 * const decrypter = new JweDecrypter({ keys: [ordersPrivateJwk] });
 * const jws = await decrypter.decrypt(token);
 * const { claims } = jwtVerifier.verify(jws);
 */
export class JweDecrypter {
  readonly #keys: readonly DecryptionKey[];
  readonly #keyAlgorithms: ReadonlySet<string>;
  readonly #contentAlgorithms: readonly JweContentAlgorithm[];
  readonly #maxPbes2Count: number;
  readonly #maxTokenBytes: number;

  /** @throws TypeError for a missing, weak or unusable key, or an unknown algorithm. */
  constructor(options: JweDecrypterOptions) {
    if (typeof options !== 'object' || (options as unknown) === null)
      throw new TypeError('options are required');
    const keyAlgorithms: readonly JweKeyAlgorithm[] =
      options.keyAlgorithms ?? DEFAULT_JWE_KEY_ALGORITHMS;
    if (!isNonEmptyList(keyAlgorithms))
      throw new TypeError('keyAlgorithms must be a non-empty list');
    for (const alg of keyAlgorithms) {
      if (!isJweKeyAlgorithm(alg))
        throw new TypeError(`unsupported JWE key algorithm: ${String(alg)} (RSA1_5 never is)`);
    }
    const contentAlgorithms: readonly JweContentAlgorithm[] =
      options.contentAlgorithms ?? DEFAULT_JWE_CONTENT_ALGORITHMS;
    if (!isNonEmptyList(contentAlgorithms))
      throw new TypeError('contentAlgorithms must be a non-empty list');
    for (const enc of contentAlgorithms) {
      if (!isJweContentAlgorithm(enc))
        throw new TypeError(`unsupported JWE content algorithm: ${String(enc)}`);
    }
    const maxPbes2Count = options.maxPbes2Count ?? MAX_PBES2_COUNT;
    requireRange(maxPbes2Count, MIN_PBES2_COUNT, MAX_PBES2_COUNT, 'maxPbes2Count');
    const maxTokenBytes = options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES;
    requireRange(maxTokenBytes, 256, MAX_MAX_TOKEN_BYTES, 'maxTokenBytes');
    const jwks: readonly Jwk[] = options.keys;
    if (!isNonEmptyList(jwks)) throw new TypeError('keys must be a non-empty list of private JWKs');
    const allowed = new Set<string>(keyAlgorithms);
    const keys = jwks.map((jwk) => importDecryptionKey(jwk, allowed));
    const kids = new Set<string | undefined>();
    for (const key of keys) {
      if (keys.length > 1 && key.kid === undefined)
        throw new TypeError('with several decryption keys, each needs a kid');
      if (kids.has(key.kid)) throw new TypeError(`duplicate kid ${String(key.kid)}`);
      kids.add(key.kid);
    }
    this.#keys = Object.freeze(keys);
    this.#keyAlgorithms = allowed;
    this.#contentAlgorithms = Object.freeze([...contentAlgorithms]);
    this.#maxPbes2Count = maxPbes2Count;
    this.#maxTokenBytes = maxTokenBytes;
    Object.freeze(this);
  }

  /**
   * Decrypt `token` and return the JWS inside, unverified.
   *
   * @throws TokenError `ERR_JWE_TOO_LARGE`, `ERR_JWE_MALFORMED`, `ERR_JWE_HEADER_INVALID`,
   *   `ERR_JWE_ALG_NOT_ALLOWED`, `ERR_JWE_ENC_NOT_ALLOWED`, `ERR_JWE_KEY_NOT_FOUND`,
   *   `ERR_JWE_DECRYPTION_FAILED`, `ERR_JWE_CONTENT_INVALID`; never anything else.
   */
  async decrypt(token: string): Promise<string> {
    if (typeof token !== 'string')
      throw new TokenError('ERR_JWE_MALFORMED', 'token must be a string');
    if (token.length > this.#maxTokenBytes) {
      throw new TokenError(
        'ERR_JWE_TOO_LARGE',
        `token is longer than ${this.#maxTokenBytes} bytes`,
      );
    }
    if (!COMPACT_JWE.test(token)) {
      throw new TokenError('ERR_JWE_MALFORMED', 'token must be five base64url segments');
    }
    // One text per token: a segment whose unused trailing bits are set would decode the same,
    // and a mutated token must never pass (nor be a second cache entry for the same one).
    let start = 0;
    for (let end = token.indexOf('.'); ; end = token.indexOf('.', start)) {
      const stop = end === -1 ? token.length : end;
      // Only the encrypted key may be empty (`dir`); the pattern above saw to the others.
      if (stop > start && !hasCanonicalTail(token, start, stop))
        throw new TokenError('ERR_JWE_MALFORMED', 'token segments must be canonical base64url');
      if (end === -1) break;
      start = end + 1;
    }
    const headerEnd = token.indexOf('.');
    if (headerEnd > MAX_HEADER_CHARS)
      throw new TokenError('ERR_JWE_HEADER_INVALID', 'JWE header is too long');
    const header = parseHeader(token.slice(0, headerEnd));
    const key = this.#checkHeader(header);
    let plaintext: Uint8Array;
    try {
      ({ plaintext } = await compactDecrypt(token, key.key, {
        keyManagementAlgorithms: [key.alg],
        contentEncryptionAlgorithms: [...this.#contentAlgorithms],
        maxPBES2Count: this.#maxPbes2Count,
      }));
    } catch (error) {
      // One code for every cryptographic failure: which step failed is no one's business.
      throw new TokenError('ERR_JWE_DECRYPTION_FAILED', 'JWE could not be decrypted', undefined, {
        cause: error,
      });
    }
    const inner = Buffer.from(plaintext).toString('latin1');
    if (!COMPACT_JWS.test(inner)) {
      throw new TokenError('ERR_JWE_CONTENT_INVALID', 'JWE does not hold a compact JWS', 'cty');
    }
    return inner;
  }

  #checkHeader(header: Record<string, unknown>): DecryptionKey {
    // RFC 7516 §4.1.13: unknown critical extensions must be refused; Tessera knows none.
    if (header['crit'] !== undefined) throw headerInvalid('crit', 'JWE crit is not supported');
    // Compression before encryption leaks the plaintext through its length (CRIME), and
    // inflating is work a forger chooses; tokens are small anyway.
    if (header['zip'] !== undefined) throw headerInvalid('zip', 'JWE zip is not accepted');
    for (const name of KEY_CARRYING_PARAMETERS) {
      if (header[name] !== undefined)
        throw headerInvalid(name, `JWE header parameter ${name} is not accepted`);
    }
    const { alg, enc, kid, cty } = header;
    if (typeof alg !== 'string' || !this.#keyAlgorithms.has(alg)) {
      throw new TokenError('ERR_JWE_ALG_NOT_ALLOWED', 'JWE algorithm is not allowed', 'alg');
    }
    if (typeof enc !== 'string' || !(this.#contentAlgorithms as readonly string[]).includes(enc)) {
      throw new TokenError(
        'ERR_JWE_ENC_NOT_ALLOWED',
        'JWE content algorithm is not allowed',
        'enc',
      );
    }
    if (alg.startsWith('PBES2')) {
      const p2c = header['p2c'];
      if (
        typeof p2c !== 'number' ||
        !Number.isInteger(p2c) ||
        p2c < MIN_PBES2_COUNT ||
        p2c > this.#maxPbes2Count
      ) {
        throw headerInvalid(
          'p2c',
          `JWE p2c must be from ${MIN_PBES2_COUNT} to ${this.#maxPbes2Count}`,
        );
      }
    }
    // RFC 7519 §5.2: a nested JWT says so with cty "JWT".
    if (typeof cty !== 'string' || !isJwtContentType(cty)) {
      throw new TokenError('ERR_JWE_CONTENT_INVALID', 'JWE cty must be "JWT"', 'cty');
    }
    if (kid !== undefined && (typeof kid !== 'string' || kid === '')) {
      throw headerInvalid('kid', 'JWE kid must be a non-empty string');
    }
    const key =
      kid === undefined
        ? this.#keys.length === 1
          ? this.#keys[0]
          : undefined
        : this.#keys.find((candidate) => candidate.kid === kid);
    if (key === undefined)
      throw new TokenError('ERR_JWE_KEY_NOT_FOUND', 'no decryption key matches the token', 'kid');
    // One algorithm per key: a token cannot choose how a key is used (RFC 8725 §3.1).
    if (key.alg !== alg) {
      throw new TokenError(
        'ERR_JWE_ALG_NOT_ALLOWED',
        'JWE algorithm does not match the key',
        'alg',
      );
    }
    return key;
  }
}

/** RFC 7515 §4.1.10: `cty` is a media type, `application/` optional, case-insensitive. */
function isJwtContentType(cty: string): boolean {
  const lower = cty.toLowerCase();
  return lower === 'jwt' || lower === 'application/jwt';
}

function parseHeader(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decodeBase64Url(segment).toString('utf8'));
  } catch {
    throw new TokenError('ERR_JWE_MALFORMED', 'JWE header is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenError('ERR_JWE_HEADER_INVALID', 'JWE header is not a JSON object');
  }
  return value as Record<string, unknown>;
}

function importDecryptionKey(jwk: Jwk, allowed: ReadonlySet<string>): DecryptionKey {
  if (typeof jwk !== 'object' || (jwk as unknown) === null)
    throw new TypeError('each decryption key must be a private JWK');
  if (jwk.use !== undefined && jwk.use !== 'enc')
    throw new TypeError('a decryption key must not be a signing key (use is not "enc")');
  const kid = typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : undefined;
  const alg = jwk.alg ?? impliedAlgorithm(jwk);
  if (!isJweKeyAlgorithm(alg)) throw new TypeError(`unsupported JWE key algorithm: ${alg}`);
  if (!allowed.has(alg))
    throw new TypeError(`key ${kid ?? ''} is for ${alg}, which is not allowed`);
  if (alg === 'dir' || alg === 'PBES2-HS512+A256KW') {
    if (jwk.kty !== 'oct' || typeof jwk.k !== 'string')
      throw new TypeError(`${alg} needs an oct JWK`);
    const secret = decodeBase64Url(jwk.k);
    if (secret.length < 32) throw new TypeError(`${alg} needs at least 32 bytes of key`);
    return { kid, alg, key: new Uint8Array(secret) };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: jwk, format: 'jwk' });
  } catch (error) {
    throw new TypeError('a decryption key is not a usable private JWK', { cause: error });
  }
  const type = key.asymmetricKeyType;
  if (alg === 'RSA-OAEP-256') {
    if (type !== 'rsa') throw new TypeError('RSA-OAEP-256 needs an RSA key');
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS)
      throw new TypeError(`RSA decryption keys need at least ${MIN_RSA_BITS} bits`);
    if (bits > MAX_RSA_BITS)
      throw new TypeError(`RSA decryption keys are at most ${MAX_RSA_BITS} bits`);
  } else if (type !== 'ec' && type !== 'x25519') {
    throw new TypeError('ECDH-ES+A256KW needs an EC (P-256/384/521) or X25519 key');
  }
  return { kid, alg, key };
}

function impliedAlgorithm(jwk: Jwk): string {
  if (jwk.kty === 'RSA') return 'RSA-OAEP-256';
  if (jwk.kty === 'EC' || jwk.kty === 'OKP') return 'ECDH-ES+A256KW';
  throw new TypeError('an oct decryption key needs alg: "dir" or "PBES2-HS512+A256KW"');
}

/** A non-empty array, without letting `Array.isArray` widen the element type to `any`. */
function isNonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function headerInvalid(parameter: string, message: string): TokenError {
  return new TokenError('ERR_JWE_HEADER_INVALID', message, parameter);
}

function requireRange(value: unknown, min: number, max: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new TypeError(`${name} must be a number from ${min} to ${max}`);
}
