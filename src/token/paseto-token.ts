import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { JwtClaims } from './jwt-claims.js';
import type { Jwk } from './jwk.js';
import {
  createV4LocalKey,
  encryptV4Local,
  importV4PublicKey,
  importV4SecretKey,
  signV4Public,
} from './internal/paseto-v4.js';

/** The PASETO purposes Tessera speaks: version 4 only (no v1-v3, no version negotiation). */
export type PasetoPurpose = 'v4.public' | 'v4.local';

/** Options of {@link signPaseto} and {@link encryptPaseto}. */
export interface ProducePasetoOptions {
  /**
   * Key id written to the footer as `{"kid":"…"}`: authenticated, not encrypted, so never put
   * anything secret there. The verifier uses it to pick a key when it holds several.
   */
  readonly kid?: string;
  /**
   * Implicit assertion (PASETO v4): authenticated with the token but not carried in it; the
   * verifier must be configured with the same string. Default empty.
   */
  readonly implicitAssertion?: string;
}

/**
 * Sign claims as a `v4.public` PASETO (Ed25519). Numeric `exp`, `iat` and `nbf` (as
 * {@link createAccessTokenClaims} makes them) become the RFC 3339 strings PASETO uses; `exp`
 * is required. The payload is readable by anyone: use {@link encryptPaseto} for privacy.
 *
 * @throws TypeError for a key that is not an Ed25519 private JWK, or claims without `exp`.
 * @example
 * const token = await signPaseto(createAccessTokenClaims(input), ed25519PrivateJwk, { kid: 'p1' });
 */
export async function signPaseto(
  claims: JwtClaims | Readonly<Record<string, unknown>>,
  privateJwk: Jwk,
  options: ProducePasetoOptions = {},
): Promise<string> {
  const { seed, publicKey } = ed25519PrivateBytes(privateJwk);
  const key = await importV4SecretKey(seed, publicKey);
  return signV4Public(key, toPasetoClaims(claims), produceOptions(options));
}

/**
 * Encrypt claims as a `v4.local` PASETO (XChaCha20 + BLAKE2b-MAC) with a 32-byte shared key:
 * only holders of the key can read or make such tokens, so each audience should have its own.
 *
 * @throws TypeError for a key that is not 32 bytes, or claims without `exp`.
 * @example
 * const token = await encryptPaseto(createAccessTokenClaims(input), ordersLocalKey, { kid: 'l1' });
 */
export async function encryptPaseto(
  claims: JwtClaims | Readonly<Record<string, unknown>>,
  key: Uint8Array,
  options: ProducePasetoOptions = {},
): Promise<string> {
  return encryptV4Local(createV4LocalKey(key), toPasetoClaims(claims), produceOptions(options));
}

/**
 * The raw Ed25519 public key of a JWK (public or private), for a v4.public verifier.
 *
 * @throws TypeError for a JWK that is not an Ed25519 key.
 * @example
 * const raw = ed25519PublicBytes(ed25519PublicJwk); // 32 bytes
 */
export function ed25519PublicBytes(jwk: Jwk): Buffer {
  let key;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch (error) {
    throw new TypeError('a v4.public key must be an Ed25519 JWK', { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('v4.public keys are Ed25519');
  const exported = key.export({ format: 'jwk' });
  return Buffer.from(exported.x ?? '', 'base64url');
}

/**
 * Import a v4.public verification key (Ed25519 JWK).
 *
 * @throws TypeError (synchronously) for a JWK that is not an Ed25519 key.
 * @example
 * const key = await importPasetoPublicJwk(ed25519PublicJwk);
 */
export function importPasetoPublicJwk(jwk: Jwk): ReturnType<typeof importV4PublicKey> {
  return importV4PublicKey(ed25519PublicBytes(jwk));
}

function ed25519PrivateBytes(jwk: Jwk): { seed: Buffer; publicKey: Buffer } {
  let key;
  try {
    key = createPrivateKey({ key: jwk, format: 'jwk' });
  } catch (error) {
    throw new TypeError('a v4.public signing key must be an Ed25519 private JWK', { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('v4.public keys are Ed25519');
  const exported = key.export({ format: 'jwk' });
  return {
    seed: Buffer.from(exported.d ?? '', 'base64url'),
    publicKey: Buffer.from(exported.x ?? '', 'base64url'),
  };
}

function produceOptions(options: ProducePasetoOptions): {
  footer: Uint8Array;
  implicitAssertion: Uint8Array;
} {
  const { kid, implicitAssertion } = options;
  if (kid !== undefined && (typeof kid !== 'string' || kid === ''))
    throw new TypeError('kid must be a non-empty string');
  return {
    footer: kid === undefined ? new Uint8Array(0) : Buffer.from(JSON.stringify({ kid })),
    implicitAssertion: Buffer.from(implicitAssertion ?? '', 'utf8'),
  };
}

const TIME_CLAIMS = ['exp', 'iat', 'nbf'] as const;

/** JWT claims with NumericDate times, as PASETO claims with RFC 3339 times. */
function toPasetoClaims(claims: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (typeof claims !== 'object' || (claims as unknown) === null || Array.isArray(claims))
    throw new TypeError('claims must be an object');
  if (claims['exp'] === undefined) throw new TypeError('claims need exp');
  const out: Record<string, unknown> = { ...claims };
  for (const name of TIME_CLAIMS) {
    const value = out[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new TypeError(`${name} must be a NumericDate (seconds)`);
    out[name] = new Date(value * 1000).toISOString().replace(/\.000Z$/, 'Z');
  }
  return out;
}

/**
 * PASETO claims (RFC 3339 times, already checked for form by the library) as JWT claims with
 * NumericDate times, so the JWT claim rules and the denylist apply to them unchanged.
 * Returns the name of a time claim that cannot be read, or the converted claims.
 *
 * @example
 * fromPasetoClaims({ sub: 'u1', exp: '2027-01-15T08:00:00Z' }); // { sub: 'u1', exp: 1800000000 }
 * fromPasetoClaims({ exp: 'soon' }); // 'exp'
 */
export function fromPasetoClaims(
  claims: Readonly<Record<string, unknown>>,
): Record<string, unknown> | string {
  const out: Record<string, unknown> = { ...claims };
  for (const name of TIME_CLAIMS) {
    const value = out[name];
    if (value === undefined) continue;
    const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (!Number.isFinite(ms)) return name;
    out[name] = ms / 1000;
  }
  return out;
}
