import { performance } from 'node:perf_hooks';
import type { Clock } from '../token/clock.js';
import type { RevocationLogReader } from './revocation-follower.js';

/** A clock that only moves forward: wall-clock steps (NTP) can make nothing fresh or stale. */
export const monotonicClock: Clock = Object.freeze({ now: () => performance.now() });

/** Options of {@link RevocationFreshness}. */
export interface RevocationFreshnessOptions {
  /** Longest time the denylist may go unconfirmed before it counts as stale. */
  readonly maxStalenessMs: number;
  /**
   * The sources that can confirm it, most preferred first (`['redis', 'database polling']`).
   * {@link FreshnessStatus.source} names the first that is healthy.
   */
  readonly sources: readonly string[];
  /**
   * The sources whose confirmations make the denylist fresh; default all of them. A source
   * left out (a Redis stream, to which publication is best effort) is still followed and
   * reported, but its reads cannot vouch that nothing is missing: only a complete log can.
   */
  readonly authoritative?: readonly string[];
  /** Default {@link monotonicClock}; any clock works if every time given comes from it. */
  readonly clock?: Clock;
  /** Called when the view turns stale, and when it turns fresh again (not at the first confirmation). */
  readonly onChange?: (status: FreshnessStatus) => void;
}

/** What {@link RevocationFreshness.status} reports. */
export interface FreshnessStatus {
  readonly fresh: boolean;
  /** Time since the last confirmation by an authoritative source; null before the first. */
  readonly ageMs: number | null;
  /** The preferred source that is healthy (confirming, no failure since); null when none is. */
  readonly source: string | null;
  /** Why sources are failing, e.g. `['redis down', 'database unreachable']`. */
  readonly problems: readonly string[];
  /** One line for people: `revocations unconfirmed for 34 s: redis down, database unreachable`. */
  readonly summary: string;
}

interface SourceState {
  confirmedAt: number | null;
  problem: string | null;
  readonly authoritative: boolean;
}

/**
 * Knows when the denylist was last confirmed current: a log read that completed, or a stream
 * read that returned (with events or at its timeout). Past `maxStalenessMs` without one, the
 * view is stale, and a verifier should refuse tokens rather than trust a denylist that may be
 * missing revocations (DESIGN.md invariant 3: fail closed).
 *
 * Checking is one clock read and a comparison, kept off the denylist's hot path: call
 * {@link isFresh} once per request, after the token verified.
 *
 * @throws TypeError from the constructor for a non-positive `maxStalenessMs` or no sources.
 * @example
 * const freshness = new RevocationFreshness({
 *   maxStalenessMs: 30_000,
 *   sources: ['redis', 'database polling'],
 *   onChange: (status) => log.warn(status.summary),
 * });
 * const follower = new RevocationFollower({
 *   log: confirmingLogReader(store, freshness, 'database polling'),
 *   apply: (event) => denylist.add(event),
 * });
 * if (!freshness.isFresh()) return reply.code(503).header('retry-after', '5').send();
 */
export class RevocationFreshness {
  readonly #maxStalenessMs: number;
  readonly #clock: Clock;
  readonly #sources = new Map<string, SourceState>();
  readonly #onChange: ((status: FreshnessStatus) => void) | undefined;
  #confirmedAt: number | null = null;
  /** The last verdict, to report changes only; null until the first. */
  #fresh: boolean | null = null;

  constructor(options: RevocationFreshnessOptions) {
    const { maxStalenessMs, sources } = options;
    if (!Number.isFinite(maxStalenessMs) || maxStalenessMs <= 0) {
      throw new TypeError('maxStalenessMs must be a positive number');
    }
    if (sources.length === 0) throw new TypeError('name at least one source');
    const authoritative = options.authoritative ?? sources;
    if (authoritative.length === 0 || authoritative.some((name) => !sources.includes(name))) {
      throw new TypeError('authoritative sources must be some of the sources');
    }
    this.#maxStalenessMs = maxStalenessMs;
    this.#clock = options.clock ?? monotonicClock;
    this.#onChange = options.onChange;
    for (const source of sources) {
      this.#sources.set(source, {
        confirmedAt: null,
        problem: null,
        authoritative: authoritative.includes(source),
      });
    }
  }

  /** The tracker's own time, for {@link confirm}'s `at`. */
  now(): number {
    return this.#clock.now();
  }

  /**
   * `source` saw every revocation made up to `at` (default now): a log read that started
   * at `at`, or a stream read that returned at `at`. Clears the source's problem. Only an
   * authoritative source's confirmation makes the denylist fresh.
   *
   * @throws TypeError for a source not named at construction.
   */
  confirm(source: string, at: number = this.#clock.now()): void {
    const state = this.#source(source);
    state.problem = null;
    if (state.confirmedAt === null || at > state.confirmedAt) state.confirmedAt = at;
    if (state.authoritative && (this.#confirmedAt === null || at > this.#confirmedAt))
      this.#confirmedAt = at;
    this.isFresh();
  }

  /**
   * `source` failed, for `reason` (`'redis down'`): reported by {@link status} until the
   * source confirms again. Staleness still follows the last authoritative confirmation.
   *
   * @throws TypeError for a source not named at construction.
   */
  fail(source: string, reason: string): void {
    this.#source(source).problem = reason;
  }

  /** Whether the last confirmation is at most `maxStalenessMs` old. Reports a change of verdict. */
  isFresh(): boolean {
    const confirmedAt = this.#confirmedAt;
    const fresh = confirmedAt !== null && this.#clock.now() - confirmedAt <= this.#maxStalenessMs;
    if (fresh !== this.#fresh) {
      const first = this.#fresh === null;
      this.#fresh = fresh;
      if (!(first && fresh)) this.#onChange?.(this.status());
    }
    return fresh;
  }

  /** The verdict with its reasons, for health checks and logs. */
  status(): FreshnessStatus {
    const now = this.#clock.now();
    const ageMs = this.#confirmedAt === null ? null : now - this.#confirmedAt;
    const fresh = ageMs !== null && ageMs <= this.#maxStalenessMs;
    const problems: string[] = [];
    let source: string | null = null;
    for (const [name, state] of this.#sources) {
      if (state.problem !== null) problems.push(state.problem);
      else if (
        source === null &&
        state.confirmedAt !== null &&
        now - state.confirmedAt <= this.#maxStalenessMs
      ) {
        source = name;
      }
    }
    const seconds = Math.round((ageMs ?? 0) / 1000);
    const head = fresh
      ? source === null
        ? `revocations last confirmed ${seconds} s ago`
        : `revocations current via ${source}`
      : ageMs === null
        ? 'revocations never confirmed'
        : `revocations unconfirmed for ${seconds} s`;
    const summary = problems.length === 0 ? head : `${head}: ${problems.join(', ')}`;
    return { fresh, ageMs, source, problems, summary };
  }

  #source(name: string): SourceState {
    const state = this.#sources.get(name);
    if (state === undefined)
      throw new TypeError(`unknown freshness source ${JSON.stringify(name)}`);
    return state;
  }
}

/**
 * `log`, reporting to `freshness`: a read that reaches the end of the log confirms `source`
 * as of the moment it started; a failed read records `reason` and is rethrown.
 *
 * @example
 * const log = confirmingLogReader(store, freshness, 'database polling');
 */
export function confirmingLogReader(
  log: RevocationLogReader,
  freshness: RevocationFreshness,
  source: string,
  reason = 'database unreachable',
): RevocationLogReader {
  return {
    async revocationsAfter(cursor, limit, now) {
      const startedAt = freshness.now();
      try {
        const events = await log.revocationsAfter(cursor, limit, now);
        if (events.length < limit) freshness.confirm(source, startedAt);
        return events;
      } catch (error) {
        freshness.fail(source, reason);
        throw error;
      }
    },
  };
}
