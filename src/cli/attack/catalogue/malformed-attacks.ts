import type { ForgedAttack } from '../attack-types.js';
import { encodeSegment } from '../jws-parts.js';
import { ATTACKER_SUBJECT } from './signature-attacks.js';
import {
  forgeToken,
  originalSignature,
  withHeader,
  type CatalogueContext,
} from './catalogue-context.js';

/** Nesting depth of the deep-nesting tokens: far past any sane claim, still under 8 KiB. */
const DEPTH = 1500;

/** Sizes of the oversized tokens: around common header limits (8 KiB, 16 KiB) and past them. */
const OVERSIZED_BYTES = [8 * 1024, 15 * 1024, 64 * 1024] as const;

/**
 * Tokens a strict parser refuses before any crypto (RFC 7515 §7.1, RFC 7519 §7.2): extra
 * segments, text that is not base64url, segments that are not JSON objects, deep nesting,
 * numbers past double precision, duplicate claim names. Each keeps the valid signature, so
 * acceptance means the parser recovered something it should have refused; a 5xx means it
 * crashed on a client's input.
 *
 * @example
 * const attacks = buildMalformedAttacks(context);
 */
export function buildMalformedAttacks(context: CatalogueContext): ForgedAttack[] {
  const { parts } = context;
  const { headerSegment: h, payloadSegment: p, signatureSegment: s } = parts;
  const kept = originalSignature(parts);
  const payloadJson = JSON.stringify(parts.payload);
  const inPayload = (extra: string): string => `${payloadJson.slice(0, -1)},${extra}}`;
  const malformed = (id: string, sent: string, token: string): ForgedAttack => ({
    id: `malformed/${id}`,
    category: 'malformed',
    sent,
    token,
  });
  return [
    malformed(
      'four-segments',
      'the valid token with a fourth segment appended',
      `${h}.${p}.${s}.${s}`,
    ),
    malformed('five-segments', 'five segments, shaped like a JWE', `${h}.${p}.${s}.${p}.${s}`),
    malformed(
      'header-not-base64',
      'a header segment of characters outside base64url',
      `%%%!.${p}.${s}`,
    ),
    malformed(
      'payload-not-base64',
      'a payload segment of characters outside base64url',
      `${h}.~~~!!.${s}`,
    ),
    malformed(
      'standard-base64-padded',
      `sub "${ATTACKER_SUBJECT}" in standard base64 with padding, original signature`,
      `${h}.${Buffer.from(JSON.stringify({ ...parts.payload, sub: ATTACKER_SUBJECT })).toString('base64')}.${s}`,
    ),
    malformed(
      'header-not-json',
      'a header that is not JSON',
      `${encodeSegment('alg: none')}.${p}.${s}`,
    ),
    malformed(
      'payload-json-array',
      'a payload that is a JSON array',
      `${h}.${encodeSegment('[1,2,3]')}.${s}`,
    ),
    malformed(
      'payload-json-string',
      'a payload that is a JSON string',
      `${h}.${encodeSegment('"admin"')}.${s}`,
    ),
    malformed(
      'deep-nesting-payload',
      `a claim nested ${DEPTH} arrays deep`,
      forgeToken(parts.header, inPayload(`"nest":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`), kept),
    ),
    malformed(
      'deep-nesting-header',
      `a header member nested ${DEPTH} objects deep`,
      forgeToken(
        `${JSON.stringify(parts.header).slice(0, -1)},"nest":${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}}`,
        parts.payload,
        kept,
      ),
    ),
    malformed(
      'huge-numbers',
      'exp 1e400 (infinite as a double) and iat 1e308',
      forgeToken(parts.header, inPayload('"exp":1e400,"iat":1e308'), kept),
    ),
    malformed(
      'huge-integer-exp',
      'exp 99999999999999999999999 (past 2^53)',
      forgeToken(parts.header, inPayload('"exp":99999999999999999999999'), kept),
    ),
    malformed(
      'duplicate-claims',
      `sub twice, the second "${ATTACKER_SUBJECT}", original signature`,
      forgeToken(parts.header, inPayload(`"sub":"${ATTACKER_SUBJECT}"`), kept),
    ),
  ];
}

/**
 * Tokens padded to and past common header size limits: a verifier should refuse them
 * cheaply (a 401 or a 431), not crash, stall or accept. A closed connection is a refusal.
 *
 * @example
 * const attacks = buildOversizedAttacks(context);
 */
export function buildOversizedAttacks(context: CatalogueContext): ForgedAttack[] {
  const { parts } = context;
  return OVERSIZED_BYTES.map((bytes) => {
    const padding = Math.max(0, Math.floor(((bytes - parts.length) * 3) / 4));
    return {
      id: `oversized/${bytes / 1024}KiB`,
      category: 'oversized' as const,
      sent: `a token of ${bytes / 1024} KiB, the header padded with a ${padding}-character member`,
      token: forgeToken(
        withHeader(parts, { pad: 'A'.repeat(padding) }),
        parts.payload,
        originalSignature(parts),
      ),
      closeIsRefusal: true,
    };
  });
}
