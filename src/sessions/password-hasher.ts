import { randomBytes } from 'node:crypto';
import { hash, parseOptions, verify, type Options, type ParsedHashOptions } from '@node-rs/argon2';
import { MAX_PASSWORD_INPUT_LENGTH, normalizePassword } from './password-policy.js';

// Every hash this class makes or accepts as current starts so: argon2id, version 0x13 (RFC 9106).
// The options cannot name the algorithm: `Algorithm` and `Version` are const enums that exist
// only in @node-rs/argon2's index.d.ts (at run time both are `{}`), and `isolatedModules` builds
// (tsc here, esbuild under tsx and vitest) cannot inline them, so `Algorithm.Argon2id` would be
// `undefined`. The library's documented defaults are argon2id and 0x13, and `hash` checks every
// result against this prefix, so a change of default would fail loudly instead of silently.
const PHC_PREFIX = '$argon2id$v=19$';

/** argon2id parameters (RFC 9106 §3.1). */
export interface Argon2Parameters {
  /** Memory per hash in KiB (`m`). */
  readonly memoryKiB: number;
  /** Passes over the memory (`t`). */
  readonly passes: number;
  /** Lanes (`p`). */
  readonly parallelism: number;
}

/**
 * The defaults: OWASP Password Storage Cheat Sheet's argon2id configuration m=19456 (19 MiB),
 * t=2, p=1 (the one @node-rs/argon2 and most libraries default to). Memory is what makes
 * guessing expensive on GPUs, and 19 MiB keeps 4 concurrent logins under 80 MiB.
 */
export const DEFAULT_ARGON2_PARAMETERS: Argon2Parameters = Object.freeze({
  memoryKiB: 19_456,
  passes: 2,
  parallelism: 1,
});

/**
 * The floor: OWASP lists five equally strong argon2id configurations from m=47104/t=1 down to
 * m=7168/t=5, all with memory × passes of at least 35840 KiB. Weaker parameters are refused.
 */
export const MIN_ARGON2_MEMORY_KIB = 7_168;
/** Least memory × passes, in KiB; see {@link MIN_ARGON2_MEMORY_KIB}. */
export const MIN_ARGON2_MEMORY_PASSES = 35_840;
// Above this, the memory was almost certainly given in bytes instead of KiB (4 GiB per hash).
const MAX_MEMORY_KIB = 4 * 1024 * 1024;
const MAX_PASSES = 1_000;
// RFC 9106 allows up to 2^24 - 1 lanes; @node-rs/argon2 up to 255.
const MAX_PARALLELISM = 255;
// RFC 9106 §4 recommends a 128-bit salt and a 256-bit tag; older hashes with less are renewed.
const MIN_SALT_BYTES = 16;
const MIN_OUTPUT_BYTES = 32;

/**
 * Hashes and verifies passwords with argon2id (DESIGN.md invariant 4), on libuv's thread pool
 * so the event loop stays free. Passwords are NFKC-normalised first ({@link normalizePassword}),
 * so the same password typed on another device still matches.
 *
 * At login, call `verify` for a known user and `verifyDummy` for an unknown one, so an unknown
 * username costs the same time as a wrong password; after a success, if `needsRehash` says so,
 * store a new `hash` of the password.
 *
 * @throws TypeError from the constructor when a parameter is below the floor or not an integer.
 * @example
 * const hasher = new PasswordHasher();
 * const stored = await hasher.hash('correct horse battery staple');
 * await hasher.verify(stored, 'correct horse battery staple'); // true
 */
export class PasswordHasher {
  /** The parameters new hashes are made with. */
  readonly parameters: Argon2Parameters;
  readonly #options: Options;
  #dummyHash: Promise<string> | undefined;

  constructor(parameters: Partial<Argon2Parameters> = {}) {
    const merged = { ...DEFAULT_ARGON2_PARAMETERS, ...parameters };
    checkParameters(merged);
    this.parameters = Object.freeze(merged);
    this.#options = Object.freeze({
      memoryCost: merged.memoryKiB,
      timeCost: merged.passes,
      parallelism: merged.parallelism,
      outputLen: MIN_OUTPUT_BYTES,
    });
  }

  /**
   * Hash a password into a PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$tag`) with a fresh
   * random 16-byte salt.
   *
   * @throws TypeError when the password is longer than {@link MAX_PASSWORD_INPUT_LENGTH}: check
   * new passwords with `checkPassword` first.
   * @example
   * const stored = await new PasswordHasher().hash(newPassword);
   */
  async hash(password: string): Promise<string> {
    if (password.length > MAX_PASSWORD_INPUT_LENGTH) {
      throw new TypeError(`password longer than ${MAX_PASSWORD_INPUT_LENGTH} characters`);
    }
    const phc = await hash(normalizePassword(password), this.#options);
    if (!phc.startsWith(PHC_PREFIX)) throw new Error('@node-rs/argon2 did not produce argon2id');
    return phc;
  }

  /**
   * Whether `password` matches the stored hash. Never throws: a malformed or unsupported
   * stored hash, or an over-long password, is simply no match. Hashes made with other
   * parameters (older or stronger) verify with their own.
   *
   * @example
   * if (!(await hasher.verify(user.passwordHash, password))) return fail();
   */
  async verify(storedHash: string, password: string): Promise<boolean> {
    if (password.length > MAX_PASSWORD_INPUT_LENGTH) return false;
    try {
      return await verify(storedHash, normalizePassword(password));
    } catch {
      return false;
    }
  }

  /**
   * Whether a stored hash should be replaced by a new one (on the next successful login):
   * true when it is not argon2id v1.3, cannot be parsed, or has less memory, fewer passes, a
   * shorter salt or a shorter tag than this hasher uses. Stronger hashes are kept: rehashing
   * them would weaken them. The lane count alone does not matter: the work is memory × passes.
   *
   * @example
   * if (hasher.needsRehash(user.passwordHash)) await saveHash(user.id, await hasher.hash(pw));
   */
  needsRehash(storedHash: string): boolean {
    const parsed = parseHash(storedHash);
    return (
      parsed === null ||
      !storedHash.startsWith(PHC_PREFIX) ||
      parsed.memoryCost < this.parameters.memoryKiB ||
      parsed.timeCost < this.parameters.passes ||
      parsed.saltLen < MIN_SALT_BYTES ||
      parsed.outputLen < MIN_OUTPUT_BYTES
    );
  }

  /**
   * Spend the time of one verification and answer false: call it when the username is
   * unknown, so that the response time does not tell an attacker which usernames exist
   * (OWASP Authentication Cheat Sheet, "authentication responses"). It verifies against a
   * hash of a random password made with this hasher's parameters, computed on first use and
   * then kept; the first call makes that hash, which costs the same as one verification.
   *
   * @example
   * const ok =
   *   user === null ? await hasher.verifyDummy(pw) : await hasher.verify(user.passwordHash, pw);
   */
  async verifyDummy(password: string): Promise<false> {
    const ready = this.#dummyHash;
    if (ready !== undefined) {
      await this.verify(await ready, password);
      return false;
    }
    const made = hash(randomBytes(32).toString('base64url'), this.#options);
    this.#dummyHash = made;
    try {
      await made;
    } catch (error) {
      // Not cached: the next call tries again.
      this.#dummyHash = undefined;
      throw error;
    }
    return false;
  }
}

function checkParameters(parameters: Argon2Parameters): void {
  const { memoryKiB, passes, parallelism } = parameters;
  const isWhole = (value: number, max: number): boolean =>
    Number.isSafeInteger(value) && value >= 1 && value <= max;
  if (!isWhole(memoryKiB, MAX_MEMORY_KIB) || memoryKiB < MIN_ARGON2_MEMORY_KIB) {
    throw new TypeError(
      `argon2 memoryKiB must be an integer from ${MIN_ARGON2_MEMORY_KIB} to ${MAX_MEMORY_KIB} ` +
        '(KiB, not bytes)',
    );
  }
  if (!isWhole(passes, MAX_PASSES)) {
    throw new TypeError(`argon2 passes must be an integer from 1 to ${MAX_PASSES}`);
  }
  if (!isWhole(parallelism, MAX_PARALLELISM)) {
    throw new TypeError(`argon2 parallelism must be an integer from 1 to ${MAX_PARALLELISM}`);
  }
  if (memoryKiB * passes < MIN_ARGON2_MEMORY_PASSES) {
    throw new TypeError(
      `argon2 memoryKiB × passes must be at least ${MIN_ARGON2_MEMORY_PASSES} ` +
        `(OWASP: m=19456 t=2, m=12288 t=3, m=9216 t=4 or m=7168 t=5); got ${memoryKiB} × ${passes}`,
    );
  }
}

function parseHash(storedHash: string): ParsedHashOptions | null {
  try {
    return parseOptions(storedHash);
  } catch {
    return null;
  }
}
