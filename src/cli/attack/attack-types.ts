/**
 * The vocabulary of `tessera attack`: what a forged token is, what happened to it, and the
 * context every part of the catalogue builds its tokens from.
 */

/** The families of attacks, as the report groups them. */
export type AttackCategory =
  | 'alg-none'
  | 'key-confusion'
  | 'embedded-key'
  | 'kid'
  | 'signature'
  | 'psychic'
  | 'malformed'
  | 'oversized'
  | 'real-key';

/** One forged token to present to the target. */
export interface ForgedAttack {
  /** Stable name, `<category>/<variant>`, e.g. `alg-none/None-empty-signature`. */
  readonly id: string;
  readonly category: AttackCategory;
  /** What was sent, in words; never contains the valid token. */
  readonly sent: string;
  /** The forged token itself: sent to the target, never printed. */
  readonly token: string;
  /** Paths on the attacker server this token points at; a request to one is a finding. */
  readonly watchPaths?: readonly string[];
  /** A connection closed without an answer counts as a refusal (oversized tokens). */
  readonly closeIsRefusal?: boolean;
  /** Not an attack but a check that the supplied key is the real one: it should be accepted. */
  readonly isControl?: boolean;
}

/** An attack the catalogue could not build, and why (a missing `--jwks` or `--key`). */
export interface SkippedAttack {
  readonly id: string;
  readonly category: AttackCategory;
  readonly reason: string;
}

/** What the catalogue built. */
export interface AttackCatalogue {
  readonly attacks: readonly ForgedAttack[];
  readonly skipped: readonly SkippedAttack[];
}

/** How the target answered one request. */
export type TargetAnswer =
  | {
      readonly kind: 'status';
      readonly status: number;
      /** The `error` of a Bearer `WWW-Authenticate` challenge (RFC 6750 §3), if any. */
      readonly error?: string;
    }
  | { readonly kind: 'no-answer'; readonly reason: string };

/**
 * The verdict on one attack. `accepted`: a success status, as for the valid token.
 * `fetched`: the target requested a URL the token named (a finding even when refused).
 * `no-answer`: a timeout or a network failure; the attack could not be judged.
 */
export type AttackOutcome = 'accepted' | 'fetched' | 'refused' | 'no-answer';

/** One attack as the report shows it. */
export interface AttackResult {
  readonly id: string;
  readonly category: AttackCategory;
  readonly sent: string;
  readonly answer: TargetAnswer;
  readonly outcome: AttackOutcome;
  /** Attacker-server paths the target requested because of this token. */
  readonly fetched: readonly string[];
  /** Something worth a look that is not a forgery accepted (a 5xx for a bad token). */
  readonly note?: string;
  readonly isControl?: boolean;
}
