import type { AttackCatalogue, ForgedAttack } from './attack-types.js';
import { buildAlgNoneAttacks } from './catalogue/alg-none-attacks.js';
import type { CatalogueContext } from './catalogue/catalogue-context.js';
import { buildEmbeddedKeyAttacks } from './catalogue/embedded-key-attacks.js';
import { buildKeyConfusionAttacks } from './catalogue/key-confusion-attacks.js';
import { buildKidAttacks } from './catalogue/kid-attacks.js';
import { buildMalformedAttacks, buildOversizedAttacks } from './catalogue/malformed-attacks.js';
import { buildRealKeyAttacks } from './catalogue/real-key-attacks.js';
import { buildSignatureAttacks } from './catalogue/signature-attacks.js';

/** The most attacks one run sends, whatever the keys: the run stays bounded. */
export const MAX_ATTACKS = 200;

/**
 * Every attack that can be built from the context, in report order, at most
 * {@link MAX_ATTACKS}; the ones that need a missing input, and any past the bound, are
 * listed as skipped. The real-key control comes first among its own.
 *
 * @example
 * const { attacks, skipped } = buildAttackCatalogue(context);
 */
export function buildAttackCatalogue(context: CatalogueContext): AttackCatalogue {
  const confusion = buildKeyConfusionAttacks(context);
  const realKey = buildRealKeyAttacks(context);
  const attacks: ForgedAttack[] = [
    ...buildAlgNoneAttacks(context),
    ...confusion.attacks,
    ...buildEmbeddedKeyAttacks(context),
    ...buildKidAttacks(context),
    ...buildSignatureAttacks(context),
    ...buildMalformedAttacks(context),
    ...buildOversizedAttacks(context),
    ...realKey.attacks,
  ];
  const bounded = limitAttacks(attacks, MAX_ATTACKS);
  return {
    attacks: bounded.attacks,
    skipped: [...confusion.skipped, ...realKey.skipped, ...bounded.skipped],
  };
}

/**
 * The first `limit` attacks; the rest are reported as skipped, by name, rather than dropped
 * unseen (a report must say what it did not try).
 *
 * @example
 * const { attacks, skipped } = limitAttacks(all, MAX_ATTACKS);
 */
export function limitAttacks(attacks: readonly ForgedAttack[], limit: number): AttackCatalogue {
  return {
    attacks: attacks.slice(0, limit),
    skipped: attacks.slice(limit).map(({ id, category }) => ({
      id,
      category,
      reason: `over the ${limit} forged tokens one run sends`,
    })),
  };
}
