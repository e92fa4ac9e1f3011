import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { systemClock, type Clock } from '../token/clock.js';

/** Recent failures under one key, as a {@link ThrottleStore} keeps them. Times: ms since epoch. */
export interface ThrottleCounter {
  readonly failures: number;
  readonly lastFailureAt: number;
  /** When the store forgets the counter. */
  readonly expiresAt: number;
}

/** How {@link ThrottleStore.increment} counts one failure. */
export interface ThrottleIncrement {
  readonly nowMs: number;
  readonly windowMs: number;
  /**
   * True: the counter lives `windowMs` after its latest failure (sliding). False: after its
   * first (fixed), like Redis `PEXPIRE … NX`.
   */
  readonly slide: boolean;
}

/**
 * Where failure counters live. The back-off arithmetic stays in {@link LoginThrottle}, so
 * moving counters to Redis for several processes changes only this port: `increment` maps to
 * one `MULTI` of `HINCRBY failures 1`, `HSET lastFailureAt`, `PEXPIRE` (with `NX` when not
 * sliding) and `PEXPIRETIME`; `get` to `HGETALL`; `reset` to `DEL`.
 */
export interface ThrottleStore {
  /** The live counter under `key`, or null when there is none or it has expired. */
  get(key: string, nowMs: number): Promise<ThrottleCounter | null>;
  /** Count one failure under `key`, starting a counter if there is no live one. */
  increment(key: string, increment: ThrottleIncrement): Promise<ThrottleCounter>;
  /** Forget the counter under `key`. */
  reset(key: string): Promise<void>;
}

/** Options of {@link MemoryThrottleStore}. */
export interface MemoryThrottleStoreOptions {
  /** Most counters kept; past it the least recently failed is dropped. Default 100,000. */
  readonly maxKeys?: number;
  /** Expired counters are swept out at most this often. Default 60,000 (a minute). */
  readonly sweepIntervalMs?: number;
}

/**
 * Counters in this process's memory: right for one process; several processes need a shared
 * store, or each would grant its own allowance. Memory is bounded: expired counters are swept
 * out, and past `maxKeys` the counter that failed least recently is dropped first (a Map keeps
 * insertion order, and each failure re-inserts its key). Dropping a counter forgives its
 * failures, so `maxKeys` should stay well above the keys an attacker can create in one window,
 * which the per-IP limit keeps small per address. About 200 bytes per counter.
 *
 * @example
 * const throttle = new LoginThrottle({ store: new MemoryThrottleStore({ maxKeys: 50_000 }) });
 */
export class MemoryThrottleStore implements ThrottleStore {
  readonly #counters = new Map<string, ThrottleCounter>();
  readonly #maxKeys: number;
  readonly #sweepIntervalMs: number;
  #nextSweepAt = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryThrottleStoreOptions = {}) {
    this.#maxKeys = positiveInteger('maxKeys', options.maxKeys ?? 100_000);
    this.#sweepIntervalMs = positiveInteger('sweepIntervalMs', options.sweepIntervalMs ?? 60_000);
  }

  /** Counters held now, expired or not. */
  get size(): number {
    return this.#counters.size;
  }

  get(key: string, nowMs: number): Promise<ThrottleCounter | null> {
    return Promise.resolve(this.#live(key, nowMs));
  }

  increment(key: string, { nowMs, windowMs, slide }: ThrottleIncrement): Promise<ThrottleCounter> {
    this.#sweep(nowMs);
    const live = this.#live(key, nowMs);
    const counter: ThrottleCounter = {
      failures: (live?.failures ?? 0) + 1,
      lastFailureAt: nowMs,
      expiresAt: live !== null && !slide ? live.expiresAt : nowMs + windowMs,
    };
    this.#counters.delete(key);
    this.#counters.set(key, counter);
    for (const oldest of this.#counters.keys()) {
      if (this.#counters.size <= this.#maxKeys) break;
      this.#counters.delete(oldest);
    }
    return Promise.resolve(counter);
  }

  reset(key: string): Promise<void> {
    this.#counters.delete(key);
    return Promise.resolve();
  }

  #live(key: string, nowMs: number): ThrottleCounter | null {
    const counter = this.#counters.get(key);
    if (counter === undefined) return null;
    if (counter.expiresAt > nowMs) return counter;
    this.#counters.delete(key);
    return null;
  }

  // A full pass, but at most once per interval, so its cost spreads thin over the failures.
  #sweep(nowMs: number): void {
    if (nowMs < this.#nextSweepAt) return;
    this.#nextSweepAt = nowMs + this.#sweepIntervalMs;
    for (const [key, counter] of this.#counters) {
      if (counter.expiresAt <= nowMs) this.#counters.delete(key);
    }
  }
}

/** Exponential back-off for one kind of counter (account or IP address). */
export interface BackoffPolicy {
  /** Failures allowed before any wait. */
  readonly freeFailures: number;
  /** The wait after the last free failure; it doubles with each further failure. */
  readonly firstDelayMs: number;
  /** The longest wait. */
  readonly maxDelayMs: number;
  /** How long a counter is remembered (see {@link LoginThrottle} for from when). */
  readonly windowMs: number;
}

const MINUTE_MS = 60_000;

/** Per account: 5 free failures, then 1 s doubling to 15 min; forgotten after a quiet hour. */
export const DEFAULT_ACCOUNT_BACKOFF: BackoffPolicy = Object.freeze({
  freeFailures: 5,
  firstDelayMs: 1_000,
  maxDelayMs: 15 * MINUTE_MS,
  windowMs: 60 * MINUTE_MS,
});

/** Per IP address: 20 failures in 15 minutes, since many users can share one (NAT, offices). */
export const DEFAULT_IP_BACKOFF: BackoffPolicy = Object.freeze({
  freeFailures: 20,
  firstDelayMs: 1_000,
  maxDelayMs: 15 * MINUTE_MS,
  windowMs: 15 * MINUTE_MS,
});

/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  readonly clock?: Clock;
  /** Default: a new {@link MemoryThrottleStore}. */
  readonly store?: ThrottleStore;
  readonly account?: Partial<BackoffPolicy>;
  readonly ip?: Partial<BackoffPolicy>;
}

/** One login attempt: the username as typed and the client's IP address. */
export interface LoginAttempt {
  readonly username: string;
  readonly ip: string;
}

/** Whether an attempt may go ahead; if not, when to try again. */
export type ThrottleVerdict =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * Slows password guessing (NIST SP 800-63B-4 §3.2.2, OWASP Authentication Cheat Sheet) with
 * two counters of recent failures per attempt: one per account, against guessing one user's
 * password, and one per IP address, against credential stuffing across many usernames. Past
 * its free failures a counter imposes a wait that doubles per failure up to a cap.
 *
 * The account counter forgets only after `windowMs` with no failure (sliding), and that window
 * must be at least the cap, so an attacker cannot wait out the counter instead of the back-off:
 * with the defaults, one guess per 15 minutes at most. The IP counter counts from its first
 * failure (fixed), because an address shared by many users may never fall quiet long enough
 * for a sliding window to forget. A success clears the account's counter only, so an attacker
 * cannot clear an address's count by logging into an account of their own.
 *
 * Usernames are compared after NFKC and lower-casing ("Alice" and "alice" share a counter) and
 * stored only as SHA-256 digests. Nothing here knows which accounts exist, so an unknown
 * username is throttled exactly like a known one. IPv6 addresses count per /64, the block one
 * subscriber usually holds. Call `check` before verifying the password, and record the outcome
 * after; attempts refused by `check` should not be recorded.
 *
 * @throws TypeError from the constructor when a policy value is not a positive integer, or the
 * account window is shorter than its longest delay.
 * @example
 * const throttle = new LoginThrottle();
 * const verdict = await throttle.check({ username, ip });
 * if (!verdict.allowed) return tooManyRequests(verdict.retryAfterSeconds); // 429, Retry-After
 * if (await passwordIsRight()) await throttle.recordSuccess({ username, ip });
 * else await throttle.recordFailure({ username, ip });
 */
export class LoginThrottle {
  readonly #clock: Clock;
  readonly #store: ThrottleStore;
  readonly #account: BackoffPolicy;
  readonly #ip: BackoffPolicy;

  constructor(options: LoginThrottleOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#store = options.store ?? new MemoryThrottleStore();
    this.#account = readPolicy('account', DEFAULT_ACCOUNT_BACKOFF, options.account);
    this.#ip = readPolicy('ip', DEFAULT_IP_BACKOFF, options.ip);
    if (this.#account.windowMs < this.#account.maxDelayMs) {
      throw new TypeError('account windowMs must be at least maxDelayMs');
    }
  }

  /** Whether `attempt` may go ahead now. */
  async check(attempt: LoginAttempt): Promise<ThrottleVerdict> {
    const now = this.#clock.now();
    const [account, ip] = await Promise.all([
      this.#store.get(accountKey(attempt.username), now),
      this.#store.get(ipKey(attempt.ip), now),
    ]);
    const waitMs = Math.max(waitFor(account, this.#account, now), waitFor(ip, this.#ip, now));
    return waitMs > 0
      ? { allowed: false, retryAfterSeconds: Math.ceil(waitMs / 1000) }
      : { allowed: true };
  }

  /** Count a failed attempt against both the account and the address. */
  async recordFailure(attempt: LoginAttempt): Promise<void> {
    const nowMs = this.#clock.now();
    const count = (key: string, windowMs: number, slide: boolean): Promise<ThrottleCounter> =>
      this.#store.increment(key, { nowMs, windowMs, slide });
    await Promise.all([
      count(accountKey(attempt.username), this.#account.windowMs, true),
      count(ipKey(attempt.ip), this.#ip.windowMs, false),
    ]);
  }

  /** Clear the account's counter after a successful login; the address keeps its count. */
  async recordSuccess(attempt: LoginAttempt): Promise<void> {
    await this.#store.reset(accountKey(attempt.username));
  }
}

/** Milliseconds until `counter` allows another attempt; 0 or less when it allows one now. */
function waitFor(counter: ThrottleCounter | null, policy: BackoffPolicy, now: number): number {
  if (counter === null || counter.failures < policy.freeFailures) return 0;
  // 2 ** large is Infinity, which min() caps.
  const delay = Math.min(
    policy.maxDelayMs,
    policy.firstDelayMs * 2 ** (counter.failures - policy.freeFailures),
  );
  return Math.min(counter.lastFailureAt + delay, counter.expiresAt) - now;
}

function readPolicy(
  name: string,
  defaults: BackoffPolicy,
  overrides: Partial<BackoffPolicy> = {},
): BackoffPolicy {
  const policy = { ...defaults, ...overrides };
  for (const [field, value] of Object.entries(policy)) positiveInteger(`${name} ${field}`, value);
  if (policy.maxDelayMs < policy.firstDelayMs) {
    throw new TypeError(`${name} maxDelayMs must be at least firstDelayMs`);
  }
  return Object.freeze(policy);
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a positive integer`);
  }
  return value;
}

// A digest keeps keys short whatever is typed, and keeps usernames out of a shared store.
function accountKey(username: string): string {
  const normalised = username.normalize('NFKC').toLowerCase();
  return `account:${createHash('sha256').update(normalised).digest('base64url')}`;
}

function ipKey(ip: string): string {
  const address = ip.split('%')[0] ?? ip; // drop an IPv6 zone ("fe80::1%eth0")
  if (isIPv4(address)) return `ip:${address}`;
  if (isIPv6(address)) {
    const groups = ipv6Groups(address);
    const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
    if (mapped) {
      const [high = 0, low = 0] = groups.slice(6);
      return `ip:${[high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')}`;
    }
    const prefix = groups.slice(0, 4).map((group) => group.toString(16));
    return `ip:${prefix.join(':')}::/64`;
  }
  return `ip:?${createHash('sha256').update(ip).digest('base64url')}`;
}

/** The eight 16-bit groups of a valid IPv6 address, "::" and a dotted IPv4 tail expanded. */
function ipv6Groups(address: string): number[] {
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = '', tail] = address.split('::');
  const first = parse(head);
  const last = tail === undefined ? [] : parse(tail);
  return [...first, ...Array<number>(8 - first.length - last.length).fill(0), ...last];
}
