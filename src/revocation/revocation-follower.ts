import { systemClock, type Clock } from '../token/clock.js';
import type { LoggedRevocationEvent } from './revocation-event.js';

/** The part of a store the follower reads: the revocation log, in order. */
export interface RevocationLogReader {
  revocationsAfter(cursor: number, limit: number, now: number): Promise<LoggedRevocationEvent[]>;
}

/** Options of {@link RevocationFollower}. */
export interface RevocationFollowerOptions {
  readonly log: RevocationLogReader;
  /**
   * Called for each new event (the denylist's `add`, typically). Must be idempotent: an event
   * offered from a stream ahead of a gap is applied at once, before the events in the gap.
   */
  readonly apply: (event: LoggedRevocationEvent) => void;
  /** How often to read the log when nothing pokes the follower; default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Events read per query; default 1000. */
  readonly pageSize?: number;
  readonly clock?: Clock;
  /** Called when a read fails; the follower keeps trying. */
  readonly onError?: (error: unknown) => void;
}

/** How an event reached the follower: read from the durable log, or offered by a stream. */
export type RevocationSource = 'log' | 'stream';

/** Told of each event once, in log order, with the path that brought it. */
export type RevocationListener = (event: LoggedRevocationEvent, source: RevocationSource) => void;

/**
 * Events offered by a stream and not yet read back from the log are remembered so the log
 * read does not apply them twice; past this many the oldest are forgotten (a later log read
 * then applies them again, which the idempotent `apply` shrugs off).
 */
const MAX_UNCONFIRMED = 100_000;

/**
 * Follows the durable revocation log and applies every event. A write in this process calls
 * {@link catchUp} so the event is in memory before the write is acknowledged; a timer picks
 * up what other processes wrote; a push channel (a Redis stream) may {@link offer} events
 * ahead of the timer.
 *
 * The log is the single source of truth. Two positions are kept: {@link cursor}, up to which
 * every event has been applied and told to listeners, in order; and the log position, up to
 * which the log itself was read. An offered event whose id is `cursor + 1` moves the cursor at
 * once; one further ahead is applied at once but waits, and a log read fills the gap. Log
 * reads always start from the log position, so an event pushed in error can never hide the
 * real event with its id.
 */
export class RevocationFollower {
  readonly #options: Required<Omit<RevocationFollowerOptions, 'onError'>> &
    Pick<RevocationFollowerOptions, 'onError'>;
  readonly #listeners = new Set<RevocationListener>();
  #cursor = 0;
  #logPosition = 0;
  /** Offered events not yet read back from the log, by id (insertion order ≈ id order). */
  readonly #offered = new Map<number, LoggedRevocationEvent>();
  #lastSuccessAt: number | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #polling = false;
  #pollIntervalMs: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: RevocationFollowerOptions) {
    this.#options = {
      pollIntervalMs: 1000,
      pageSize: 1000,
      clock: systemClock,
      ...options,
    };
    this.#pollIntervalMs = checkInterval(this.#options.pollIntervalMs);
  }

  /** Id of the last event applied with every event before it. */
  get cursor(): number {
    return this.#cursor;
  }

  /** When the log was last read successfully (ms), or null before the first read. */
  get lastSuccessAt(): number | null {
    return this.#lastSuccessAt;
  }

  /** The current polling interval (ms). */
  get pollIntervalMs(): number {
    return this.#pollIntervalMs;
  }

  /**
   * Read and apply everything logged so far. Concurrent calls share one read, and a call
   * made during a read triggers another, so no event logged before the call is missed.
   */
  catchUp(): Promise<void> {
    if (this.#running !== null) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /**
   * Take an event from a push channel. Applied at once unless already offered; it moves the
   * cursor when it is the next one, and otherwise starts a log read to fill the gap before it.
   * Duplicates change nothing.
   *
   * @throws TypeError from `apply` for a malformed event.
   *
   * @example
   * stream.on('entry', (event) => follower.offer(event));
   */
  offer(event: LoggedRevocationEvent): void {
    if (this.#offered.has(event.id)) return;
    // Applied even when the log position has passed its id: cheap, idempotent, and it covers
    // an event that was not yet visible when the log was read past it.
    this.#options.apply(event);
    if (event.id <= this.#logPosition) return;
    this.#remember(event);
    this.#advanceThroughOffered();
    if (event.id > this.#cursor) {
      this.catchUp().catch((error: unknown) => this.#options.onError?.(error));
    }
  }

  /** Start polling; resolves after the first complete read, so a new process starts complete. */
  async start(): Promise<void> {
    await this.catchUp();
    this.#polling = true;
    this.#schedule();
  }

  /** Stop polling. */
  stop(): void {
    this.#polling = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /**
   * Poll every `ms` from now on (a stream follower lengthens it while pushes arrive and
   * shortens it when they stop). A pending poll is rescheduled at once.
   *
   * @throws TypeError for a non-positive or non-finite interval.
   */
  setPollInterval(ms: number): void {
    this.#pollIntervalMs = checkInterval(ms);
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
      this.#schedule();
    }
  }

  /** Be told of each event applied from now on, in log order. Returns the unsubscribe function. */
  subscribe(listener: RevocationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #drain(): Promise<void> {
    this.#again = false;
    do {
      for (;;) {
        const now = this.#options.clock.now();
        const events = await this.#options.log.revocationsAfter(
          this.#logPosition,
          this.#options.pageSize,
          now,
        );
        for (const event of events) this.#takeFromLog(event);
        if (events.length < this.#options.pageSize) break;
      }
      this.#forgetBelowLogPosition();
      this.#advanceThroughOffered();
      this.#lastSuccessAt = this.#options.clock.now();
    } while (this.#takeAgain());
  }

  #takeFromLog(event: LoggedRevocationEvent): void {
    if (event.id <= this.#logPosition) return;
    const offered = this.#offered.get(event.id);
    if (offered !== undefined) this.#offered.delete(event.id);
    // What the log says wins: an offered event that differs is applied again from the log.
    if (offered === undefined || !isSameEvent(offered, event)) this.#options.apply(event);
    this.#logPosition = event.id;
    if (event.id > this.#cursor) {
      this.#cursor = event.id;
      this.#tell(event, offered === undefined ? 'log' : 'stream');
    }
  }

  /** Move the cursor over offered events that follow it without a gap. */
  #advanceThroughOffered(): void {
    for (;;) {
      const next = this.#offered.get(this.#cursor + 1);
      if (next === undefined) return;
      this.#cursor = next.id;
      this.#tell(next, 'stream');
    }
  }

  #remember(event: LoggedRevocationEvent): void {
    this.#offered.set(event.id, event);
    for (const id of this.#offered.keys()) {
      if (this.#offered.size <= MAX_UNCONFIRMED) break;
      this.#offered.delete(id);
    }
  }

  /** Offered ids the log has passed without returning them were expired or never logged. */
  #forgetBelowLogPosition(): void {
    for (const id of this.#offered.keys()) {
      if (id <= this.#logPosition) this.#offered.delete(id);
    }
  }

  #tell(event: LoggedRevocationEvent, source: RevocationSource): void {
    for (const listener of this.#listeners) listener(event, source);
  }

  /** Whether a catch-up was asked for during the last read (and clear the request). */
  #takeAgain(): boolean {
    const again = this.#again;
    this.#again = false;
    return again;
  }

  #schedule(): void {
    if (!this.#polling) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.catchUp()
        .catch((error: unknown) => this.#options.onError?.(error))
        .finally(() => {
          if (this.#timer === null) this.#schedule();
        });
    }, this.#pollIntervalMs);
    this.#timer.unref();
  }
}

function isSameEvent(a: LoggedRevocationEvent, b: LoggedRevocationEvent): boolean {
  return a.kind === b.kind && a.value === b.value && a.at === b.at && a.expiresAt === b.expiresAt;
}

function checkInterval(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new TypeError('pollIntervalMs must be positive');
  return ms;
}
