import { TokenError } from './errors.js';
import { JweDecrypter, type JweDecrypterOptions } from './jwe-decrypter.js';
import type { Clock } from './clock.js';
import type { Jwk } from './jwk.js';
import type { JwsHeader } from './jws-header.js';
import type { JwtClaims } from './jwt-claims.js';
import { isCompactJwe, NestedJwtVerifier } from './nested-jwt-verifier.js';
import type { PasetoPurpose } from './paseto-token.js';
import { PasetoVerifier } from './paseto-verifier.js';
import type { VerifiedJwt } from './verified-jwt.js';
import type { JwtVerifier } from './verify-jwt.js';

/** Which format a token that passed came in. */
export type VerifiedFormat = 'jwt' | 'jwt-encrypted' | 'paseto-v4-public' | 'paseto-v4-local';

/** A token of any accepted format that passed every check. */
export interface VerifiedToken {
  readonly format: VerifiedFormat;
  readonly claims: JwtClaims;
  /** The JWS header (the inner one for a nested JWT); null for PASETO, which has none. */
  readonly header: JwsHeader | null;
  /** The id of the key that verified the signature (or decrypted a v4.local token). */
  readonly kid: string;
}

/** Options of {@link MultiFormatVerifier}: one verifier per accepted format, none required. */
export interface MultiFormatVerifierOptions {
  /** Plain JWS tokens; the inner check of nested JWTs is the `nested` verifier's own. */
  readonly jwt?: JwtVerifier;
  readonly nested?: NestedJwtVerifier;
  readonly paseto?: PasetoVerifier;
  /** Refuse plain JWS (`ERR_JWE_REQUIRED`). */
  readonly requireEncryption?: boolean;
}

const V = 0x76; // 'v': every PASETO starts "v<version>."; a JWS or JWE starts "eyJ".

/**
 * Routes each token to the verifier of its format, told apart by shape alone: five segments is
 * a JWE (RFC 7516 §7.1), a leading `v` a PASETO, anything else goes to the JWS verifier, whose
 * own checks refuse what is not a JWS. Formats not configured are refused with
 * `ERR_TOKEN_FORMAT_NOT_ALLOWED`.
 *
 * @example
 * const router = new MultiFormatVerifier({ jwt, nested, paseto });
 * const { format, claims } = await router.verifyAsync(token);
 */
export class MultiFormatVerifier {
  readonly #jwt: JwtVerifier | undefined;
  readonly #nested: NestedJwtVerifier | undefined;
  readonly #paseto: PasetoVerifier | undefined;
  readonly #requireEncryption: boolean;

  /** @throws TypeError when no format is configured, or encryption is required without keys. */
  constructor(options: MultiFormatVerifierOptions) {
    if (options.jwt === undefined && options.nested === undefined && options.paseto === undefined)
      throw new TypeError('at least one format must be configured');
    if (options.requireEncryption === true && options.nested === undefined)
      throw new TypeError('requireEncryption needs a nested JWT verifier');
    this.#jwt = options.jwt;
    this.#nested = options.nested;
    this.#paseto = options.paseto;
    this.#requireEncryption = options.requireEncryption === true;
    Object.freeze(this);
  }

  /**
   * Check a plain JWS on the calling thread. Encrypted and PASETO tokens need decryption or
   * Web Crypto, both asynchronous: they fail with `ERR_TOKEN_NEEDS_ASYNC` here.
   *
   * @throws TokenError with the code of the format's verifier.
   */
  verify(token: string): VerifiedToken {
    const format = this.#route(token);
    if (format !== 'jwt') {
      throw new TokenError('ERR_TOKEN_NEEDS_ASYNC', `${format} tokens are checked by verifyAsync`);
    }
    return fromJwt('jwt', this.#jwtVerifier().verify(token));
  }

  /**
   * Check a token of any accepted format.
   *
   * @throws TokenError with the code of the format's verifier.
   */
  async verifyAsync(token: string): Promise<VerifiedToken> {
    const format = this.#route(token);
    if (format === 'jwt') return fromJwt('jwt', this.#jwtVerifier().verify(token));
    if (format === 'jwt-encrypted') {
      return fromJwt(format, await (this.#nested as NestedJwtVerifier).verifyAsync(token));
    }
    const verified = await (this.#paseto as PasetoVerifier).verifyAsync(token);
    return {
      format: verified.purpose === 'v4.public' ? 'paseto-v4-public' : 'paseto-v4-local',
      claims: verified.claims,
      header: null,
      kid: verified.kid,
    };
  }

  #route(token: string): 'jwt' | 'jwt-encrypted' | 'paseto' {
    if (typeof token !== 'string') return 'jwt';
    if (token.charCodeAt(0) === V) {
      if (this.#paseto === undefined) throw notAllowed('PASETO');
      return 'paseto';
    }
    if (isCompactJwe(token)) {
      if (this.#nested === undefined) throw notAllowed('encrypted (JWE)');
      return 'jwt-encrypted';
    }
    if (this.#requireEncryption) {
      throw new TokenError(
        'ERR_JWE_REQUIRED',
        'only encrypted tokens (nested JWT in JWE) are accepted',
      );
    }
    if (this.#jwt === undefined) throw notAllowed('JWT');
    return 'jwt';
  }

  #jwtVerifier(): JwtVerifier {
    if (this.#jwt === undefined) throw notAllowed('JWT');
    return this.#jwt;
  }
}

function fromJwt(format: 'jwt' | 'jwt-encrypted', verified: VerifiedJwt): VerifiedToken {
  return { format, claims: verified.claims, header: verified.header, kid: verified.key.kid };
}

function notAllowed(what: string): TokenError {
  return new TokenError('ERR_TOKEN_FORMAT_NOT_ALLOWED', `${what} tokens are not accepted here`);
}

/** What {@link createMultiFormatVerifier} needs besides the JWS verifier. */
export interface MultiFormatOptions {
  readonly issuer: string;
  readonly audience: string | readonly string[];
  /** `'jwt'`, `'paseto-v4-public'`, `'paseto-v4-local'`. */
  readonly formats: readonly string[];
  readonly requireEncryption: boolean;
  readonly decryption?: JweDecrypterOptions;
  readonly paseto?: {
    readonly publicKeys?: readonly Jwk[];
    readonly localKeys?: readonly { readonly kid: string; readonly key: Uint8Array | string }[];
    readonly implicitAssertion?: string;
  };
  readonly cache: { readonly maxEntries: number } | false;
  readonly clock?: Clock;
  readonly clockToleranceSeconds?: number;
  readonly maxTokenAgeSeconds?: number;
  readonly requiredClaims?: readonly string[];
  readonly isRevoked?: (claims: JwtClaims, kid: string) => boolean;
}

/**
 * A router over `jwt` and the formats the options name, or null when only plain JWS is
 * accepted, so that the JWS hot path stays free of routing. PASETO claims meet the same rules
 * as the JWS verifier's (issuer, audience, tolerance, age, required claims).
 *
 * @throws TypeError for unusable keys or options (from the format verifiers).
 * @example
 * const router = createMultiFormatVerifier(jwt, { ...rules, formats: ['jwt'], decryption: { keys } });
 */
export function createMultiFormatVerifier(
  jwt: JwtVerifier,
  options: MultiFormatOptions,
): MultiFormatVerifier | null {
  const jwtAccepted = options.formats.includes('jwt');
  const purposes: PasetoPurpose[] = [];
  if (options.formats.includes('paseto-v4-public')) purposes.push('v4.public');
  if (options.formats.includes('paseto-v4-local')) purposes.push('v4.local');
  if (jwtAccepted && options.decryption === undefined && purposes.length === 0) return null;
  const nested =
    options.decryption === undefined
      ? undefined
      : new NestedJwtVerifier({
          decrypter: new JweDecrypter(options.decryption),
          verifier: jwt,
          cache: options.cache,
        });
  const {
    paseto: keys,
    clock,
    clockToleranceSeconds,
    maxTokenAgeSeconds,
    requiredClaims,
  } = options;
  const paseto =
    purposes.length === 0
      ? undefined
      : new PasetoVerifier({
          issuer: options.issuer,
          audience: options.audience,
          purposes,
          publicKeys: keys?.publicKeys ?? [],
          localKeys: (keys?.localKeys ?? []).map(({ kid, key }) => ({
            kid,
            key: typeof key === 'string' ? Buffer.from(key, 'base64url') : key,
          })),
          cache: options.cache,
          ...(keys?.implicitAssertion === undefined
            ? {}
            : { implicitAssertion: keys.implicitAssertion }),
          ...(clock === undefined ? {} : { clock }),
          ...(clockToleranceSeconds === undefined ? {} : { clockToleranceSeconds }),
          ...(maxTokenAgeSeconds === undefined ? {} : { maxTokenAgeSeconds }),
          ...(requiredClaims === undefined ? {} : { requiredClaims }),
          ...(options.isRevoked === undefined ? {} : { isRevoked: options.isRevoked }),
        });
  return new MultiFormatVerifier({
    ...(jwtAccepted ? { jwt } : {}),
    ...(nested === undefined ? {} : { nested }),
    ...(paseto === undefined ? {} : { paseto }),
    requireEncryption: options.requireEncryption,
  });
}
