import type { ForgedAttack, SkippedAttack } from '../attack-types.js';
import { signWith } from '../attack-signer.js';
import type { JsonObject } from '../jws-parts.js';
import { forgeToken, withHeader, type CatalogueContext } from './catalogue-context.js';

/** An issuer and audience no real deployment uses. */
const ELSEWHERE = 'https://attacker.invalid';

/**
 * Tokens signed with the target's real key (`--key`) that must still be refused (RFC 8725
 * §3.8 to §3.11, RFC 7519 §4.1, RFC 7515 §4.1.11): expired, not yet valid, for another
 * audience or issuer, of another type, and with a `crit` extension nobody understands. A
 * control token, the valid one re-signed, comes first: it must be accepted, or `--key` is
 * not the target's key and the others prove nothing.
 *
 * @example
 * const { attacks, skipped } = buildRealKeyAttacks(context);
 */
export function buildRealKeyAttacks(context: CatalogueContext): {
  attacks: ForgedAttack[];
  skipped: SkippedAttack[];
} {
  const { parts, realKey, nowSeconds: now } = context;
  if (realKey === null) {
    return {
      attacks: [],
      skipped: [
        {
          id: 'real-key/*',
          category: 'real-key',
          reason: 'needs the real signing key: --key <file>',
        },
      ],
    };
  }
  const sign = (header: JsonObject, payload: JsonObject): string =>
    forgeToken(withHeader(parts, { ...header, alg: realKey.alg }), payload, (input) =>
      signWith(realKey.alg, realKey.key, input),
    );
  const claims = (changes: JsonObject): JsonObject => ({ ...parts.payload, ...changes });
  const audience = Array.isArray(parts.payload['aud']) ? [ELSEWHERE] : ELSEWHERE;
  const typ =
    typeof parts.header['typ'] === 'string' && parts.header['typ'].toLowerCase() === 'jwt'
      ? 'dpop+jwt'
      : 'JWT';
  const attack = (id: string, sent: string, token: string): ForgedAttack => ({
    id: `real-key/${id}`,
    category: 'real-key',
    sent,
    token,
  });
  return {
    attacks: [
      {
        ...attack(
          'control-resigned',
          'the valid claims re-signed with --key (should be ACCEPTED)',
          sign({}, parts.payload),
        ),
        isControl: true,
      },
      attack(
        'expired',
        'signed with the real key, exp an hour ago',
        sign({}, claims({ iat: now - 7200, nbf: undefined, exp: now - 3600 })),
      ),
      attack(
        'not-yet-valid',
        'signed with the real key, nbf an hour from now',
        sign({}, claims({ iat: now, nbf: now + 3600, exp: now + 7200 })),
      ),
      attack(
        'wrong-audience',
        `signed with the real key, aud "${ELSEWHERE}"`,
        sign({}, claims({ aud: audience })),
      ),
      attack(
        'wrong-issuer',
        `signed with the real key, iss "${ELSEWHERE}"`,
        sign({}, claims({ iss: ELSEWHERE })),
      ),
      attack('wrong-typ', `signed with the real key, typ "${typ}"`, sign({ typ }, parts.payload)),
      attack(
        'crit-unknown-extension',
        'signed with the real key, crit ["x-tessera-attack"] (RFC 7515 §4.1.11)',
        sign({ crit: ['x-tessera-attack'], 'x-tessera-attack': true }, parts.payload),
      ),
    ],
    skipped: [],
  };
}
