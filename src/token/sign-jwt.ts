import type { Algorithm } from './algorithms.js';
import { encodeBase64Url } from './base64url.js';

/** Something that signs with one key and one algorithm; the key ring's signing keys are. */
export interface JwsSigner {
  readonly kid: string;
  readonly alg: Algorithm;
  /** Sign the JWS signing input (RFC 7515 §5.1) and return the raw signature. */
  sign(data: Buffer): Buffer;
}

/** Options of {@link signJwt}. */
export interface SignJwtOptions {
  /** Header `typ`; default `JWT`. Access tokens use `at+jwt` (RFC 9068 §2.1). */
  readonly typ?: string;
}

/**
 * Sign `claims` as a compact JWS (RFC 7515 §7.1). The header holds only `alg`, `kid` and
 * `typ`: everything a verifier needs, nothing it should trust.
 *
 * @example
 * const jwt = signJwt({ iss, sub: 'u1', aud: 'api', exp }, ring.getSigningKey(), { typ: 'at+jwt' });
 */
export function signJwt(
  claims: Readonly<Record<string, unknown>>,
  signer: JwsSigner,
  options: SignJwtOptions = {},
): string {
  if (typeof claims !== 'object' || (claims as unknown) === null || Array.isArray(claims)) {
    throw new TypeError('claims must be an object');
  }
  const header = { alg: signer.alg, kid: signer.kid, typ: options.typ ?? 'JWT' };
  const signingInput = `${encodeBase64Url(JSON.stringify(header))}.${encodeBase64Url(JSON.stringify(claims))}`;
  const signature = signer.sign(Buffer.from(signingInput, 'latin1'));
  return `${signingInput}.${encodeBase64Url(signature)}`;
}
