import { isCommonPassword } from './common-passwords.js';

/**
 * Default shortest password, in Unicode code points after NFKC. NIST SP 800-63B-4 §3.1.1.2
 * requires 8 when the password is one factor of several and 15 when it is the only one; 12
 * sits between. Deployments without a second factor should pass `minLength: 15`.
 */
export const DEFAULT_MIN_PASSWORD_LENGTH = 12;
/** Default longest password, in Unicode code points after NFKC. */
export const DEFAULT_MAX_PASSWORD_LENGTH = 256;
/** NIST SP 800-63B-4 §3.1.1.2 never allows fewer than 8; a configured minimum below is refused. */
const LOWEST_MIN_PASSWORD_LENGTH = 8;
/** Highest configurable maximum; keeps passwords under {@link MAX_PASSWORD_INPUT_LENGTH}. */
const HIGHEST_MAX_PASSWORD_LENGTH = 1024;
/**
 * Longest raw input, in UTF-16 code units, that is even normalised. Anything longer is refused
 * before any work is done on it, so a megabyte "password" costs nothing. The password hasher
 * applies the same bound as a backstop for callers that skip the policy.
 */
export const MAX_PASSWORD_INPUT_LENGTH = 4096;
/** Usernames shorter than this are not looked for inside passwords: "al" would forbid "always". */
const MIN_USERNAME_CHECKED = 3;

/** Stable codes of {@link checkPassword}'s problems. Never renamed, never reused. */
export type PasswordProblemCode =
  | 'ERR_PASSWORD_TOO_SHORT'
  | 'ERR_PASSWORD_TOO_LONG'
  | 'ERR_PASSWORD_COMMON'
  | 'ERR_PASSWORD_CONTAINS_USERNAME'
  | 'ERR_PASSWORD_ONE_CHARACTER';

/**
 * Why a password was refused. `message` is written for the person choosing the password and
 * is safe to show them: it never repeats the password. Length problems carry the limit so a
 * client can write its own (translated) message from the code.
 */
export type PasswordProblem =
  | {
      readonly code: 'ERR_PASSWORD_TOO_SHORT';
      readonly message: string;
      readonly minLength: number;
    }
  | { readonly code: 'ERR_PASSWORD_TOO_LONG'; readonly message: string; readonly maxLength: number }
  | {
      readonly code: Exclude<
        PasswordProblemCode,
        'ERR_PASSWORD_TOO_SHORT' | 'ERR_PASSWORD_TOO_LONG'
      >;
      readonly message: string;
    };

/** Options of {@link checkPassword}. */
export interface PasswordCheckOptions {
  /** The account's username (or email); a password containing it is refused. */
  readonly username?: string;
  /** Shortest accepted password in code points; default 12, at least 8. */
  readonly minLength?: number;
  /** Longest accepted password in code points; default 256, at most 1024. */
  readonly maxLength?: number;
}

/**
 * The form of a password that is measured, compared and hashed: Unicode NFKC. The same
 * password typed on another keyboard or input method can arrive composed ("é") or decomposed
 * ("e" + combining accent), or in full-width forms; without one normal form the user could not
 * log in from the other device. NIST SP 800-63B-4 §3.1.1.2 asks for NFKC or NFKD.
 *
 * @example
 * normalizePassword('e\u0301') === '\u00e9'; // true
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/**
 * Check a new password against the policy (NIST SP 800-63B-4 §3.1.1.2: length, a blocklist of
 * common passwords, context-specific words; no composition rules, no forced expiry).
 * A refused password is an expected outcome, so it is returned, not thrown.
 *
 * Lengths count Unicode code points after NFKC ({@link normalizePassword}), as NIST asks: an
 * emoji or a CJK character is one character to the person typing it, whatever its UTF-16 or
 * UTF-8 length, and the count is of exactly the string that gets hashed. The maximum exists
 * because every login hashes the whole input: an unbounded password is a cheap way to make the
 * server work.
 *
 * @returns the first problem found, or null when the password is acceptable.
 * @throws TypeError when `minLength` or `maxLength` is out of range (a caller mistake).
 * @example
 * const problem = checkPassword(form.password, { username: form.username });
 * if (problem !== null) return badRequest(problem.code, problem.message); // safe to show
 */
export function checkPassword(
  password: string,
  options: PasswordCheckOptions = {},
): PasswordProblem | null {
  const { minLength, maxLength } = readLengths(options);
  const tooLong: PasswordProblem = {
    code: 'ERR_PASSWORD_TOO_LONG',
    message: `Your password must be at most ${maxLength} characters long.`,
    maxLength,
  };
  if (password.length > MAX_PASSWORD_INPUT_LENGTH) return tooLong;
  const codePoints = Array.from(normalizePassword(password));
  if (codePoints.length > maxLength) return tooLong;
  if (codePoints.length < minLength) {
    return {
      code: 'ERR_PASSWORD_TOO_SHORT',
      message: `Your password must be at least ${minLength} characters long.`,
      minLength,
    };
  }
  if (new Set(codePoints).size === 1) {
    return {
      code: 'ERR_PASSWORD_ONE_CHARACTER',
      message: 'Your password must not be a single character repeated.',
    };
  }
  const folded = codePoints.join('').toLowerCase();
  if (containsUsername(folded, options.username)) {
    return {
      code: 'ERR_PASSWORD_CONTAINS_USERNAME',
      message: 'Your password must not contain your username.',
    };
  }
  if (isCommonPassword(folded)) {
    return {
      code: 'ERR_PASSWORD_COMMON',
      message:
        'This password is one of the most commonly used and would be guessed quickly. ' +
        'Choose something less predictable; several unrelated words work well.',
    };
  }
  return null;
}

function readLengths(options: PasswordCheckOptions): { minLength: number; maxLength: number } {
  const minLength = options.minLength ?? DEFAULT_MIN_PASSWORD_LENGTH;
  const maxLength = options.maxLength ?? DEFAULT_MAX_PASSWORD_LENGTH;
  if (!Number.isInteger(minLength) || minLength < LOWEST_MIN_PASSWORD_LENGTH) {
    throw new TypeError(
      `minLength must be an integer of at least ${LOWEST_MIN_PASSWORD_LENGTH} (NIST SP 800-63B)`,
    );
  }
  if (
    !Number.isInteger(maxLength) ||
    maxLength < minLength ||
    maxLength > HIGHEST_MAX_PASSWORD_LENGTH
  ) {
    throw new TypeError(
      `maxLength must be an integer from minLength to ${HIGHEST_MAX_PASSWORD_LENGTH}`,
    );
  }
  return { minLength, maxLength };
}

/**
 * Whether the case-folded password contains the username, or the local part of an email
 * username ("alice" of "alice@example.com"), since people reuse either.
 */
function containsUsername(folded: string, username: string | undefined): boolean {
  if (username === undefined) return false;
  const name = normalizePassword(username).toLowerCase();
  const at = name.lastIndexOf('@');
  const candidates = at > 0 ? [name, name.slice(0, at)] : [name];
  return candidates.some(
    (candidate) =>
      Array.from(candidate).length >= MIN_USERNAME_CHECKED && folded.includes(candidate),
  );
}
