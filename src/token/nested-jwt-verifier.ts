import type { JweDecrypter } from './jwe-decrypter.js';
import type { VerifiedJwt } from './verified-jwt.js';
import type { JwtVerifier } from './verify-jwt.js';

/** Options of {@link NestedJwtVerifier}. */
export interface NestedJwtVerifierOptions {
  /** Opens the JWE with the audience's keys. */
  readonly decrypter: JweDecrypter;
  /** Verifies the JWS inside: the very verifier plain tokens go through, same checks and codes. */
  readonly verifier: JwtVerifier;
  /**
   * Remember, by the exact token text, which JWS a JWE held, so a client's next request with
   * the same token skips decryption; the inner JWS still goes through `verifier` (expiry,
   * key set, revocations) every time. Default off; `createVerifier` turns it on with its cache.
   */
  readonly cache?: { readonly maxEntries: number } | false;
}

/**
 * Verifies nested JWTs: decrypt (RFC 7516), then verify the JWS inside with the same
 * {@link JwtVerifier} that plain tokens meet (RFC 7519 §5.2, §11.2). Refusals keep their
 * codes: `ERR_JWE_*` for the envelope, `ERR_JWS_*`/`ERR_JWT_*` for what is inside.
 *
 * @example
 * const nested = new NestedJwtVerifier({ decrypter: new JweDecrypter({ keys }), verifier });
 * const { claims } = await nested.verifyAsync(token);
 */
export class NestedJwtVerifier {
  readonly #decrypter: JweDecrypter;
  readonly #verifier: JwtVerifier;
  readonly #cache: Map<string, string> | undefined;
  readonly #maxEntries: number;

  /** @throws TypeError for a missing decrypter or verifier, or a bad cache size. */
  constructor(options: NestedJwtVerifierOptions) {
    if (typeof options !== 'object' || (options as unknown) === null)
      throw new TypeError('options are required');
    if (typeof (options.decrypter as Partial<JweDecrypter> | undefined)?.decrypt !== 'function')
      throw new TypeError('decrypter is required');
    if (typeof (options.verifier as Partial<JwtVerifier> | undefined)?.verify !== 'function')
      throw new TypeError('verifier is required');
    const cache = options.cache ?? false;
    if (cache !== false) {
      const max = cache.maxEntries;
      if (!Number.isInteger(max) || max < 1 || max > 10_000_000)
        throw new TypeError('cache.maxEntries must be a whole number from 1 to 10000000');
    }
    this.#decrypter = options.decrypter;
    this.#verifier = options.verifier;
    this.#cache = cache === false ? undefined : new Map();
    this.#maxEntries = cache === false ? 0 : cache.maxEntries;
    Object.freeze(this);
  }

  /**
   * Decrypt, then verify.
   *
   * @throws TokenError with an `ERR_JWE_*` code for the envelope, or the inner verifier's code.
   */
  async verifyAsync(token: string): Promise<VerifiedJwt> {
    const cache = this.#cache;
    const known = typeof token === 'string' ? cache?.get(token) : undefined;
    if (known !== undefined) return this.#verifier.verify(known);
    const inner = await this.#decrypter.decrypt(token);
    const verified = this.#verifier.verify(inner);
    if (cache !== undefined) {
      if (cache.size >= this.#maxEntries) {
        const oldest = cache.keys().next();
        if (oldest.done !== true) cache.delete(oldest.value);
      }
      cache.set(token, inner);
    }
    return verified;
  }
}

/**
 * True when `token` has the shape of a compact JWE: five segments (RFC 7516 §7.1). Only the
 * count of dots is looked at; the decrypter checks the rest.
 *
 * @example
 * isCompactJwe('a.b.c.d.e'); // true
 * isCompactJwe(jws); // false: three segments
 */
export function isCompactJwe(token: string): boolean {
  // Four dots and no more; cheaper than a split, and a JWS has two.
  let dots = 0;
  for (let i = token.indexOf('.'); i !== -1; i = token.indexOf('.', i + 1)) {
    if (++dots > 4) return false;
  }
  return dots === 4;
}
