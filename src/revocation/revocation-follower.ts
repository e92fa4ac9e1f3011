import { systemClock, type Clock } from '../token/clock.js';
import type { LoggedRevocationEvent } from './revocation-event.js';

/** The part of a store the follower reads: the revocation log, in order. */
export interface RevocationLogReader {
  revocationsAfter(cursor: number, limit: number, now: number): Promise<LoggedRevocationEvent[]>;
}

/** Options of {@link RevocationFollower}. */
export interface RevocationFollowerOptions {
  readonly log: RevocationLogReader;
  /** Called for each new event, in log order (the denylist's `add`, typically). */
  readonly apply: (event: LoggedRevocationEvent) => void;
  /** How often to read the log when nothing pokes the follower; default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Events read per query; default 1000. */
  readonly pageSize?: number;
  readonly clock?: Clock;
  /** Called when a read fails; the follower keeps trying. */
  readonly onError?: (error: unknown) => void;
}

type Listener = (event: LoggedRevocationEvent) => void;

/**
 * Follows the durable revocation log and applies every event, in order, exactly once. A
 * write in this process calls {@link catchUp} so the event is in memory before the write is
 * acknowledged; a timer picks up what other processes wrote. The log is the single source
 * of truth: whatever path an event takes, it reaches memory through here, with its id.
 */
export class RevocationFollower {
  readonly #options: Required<Omit<RevocationFollowerOptions, 'onError'>> &
    Pick<RevocationFollowerOptions, 'onError'>;
  readonly #listeners = new Set<Listener>();
  #cursor = 0;
  #lastSuccessAt: number | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: RevocationFollowerOptions) {
    this.#options = {
      pollIntervalMs: 1000,
      pageSize: 1000,
      clock: systemClock,
      ...options,
    };
  }

  /** Id of the last event applied. */
  get cursor(): number {
    return this.#cursor;
  }

  /** When the log was last read successfully (ms), or null before the first read. */
  get lastSuccessAt(): number | null {
    return this.#lastSuccessAt;
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

  /** Start polling; resolves after the first complete read, so a new process starts complete. */
  async start(): Promise<void> {
    await this.catchUp();
    this.#schedule();
  }

  /** Stop polling. */
  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Be told of each event applied from now on. Returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #drain(): Promise<void> {
    this.#again = false;
    do {
      for (;;) {
        const now = this.#options.clock.now();
        const events = await this.#options.log.revocationsAfter(
          this.#cursor,
          this.#options.pageSize,
          now,
        );
        for (const event of events) {
          if (event.id <= this.#cursor) continue;
          this.#options.apply(event);
          this.#cursor = event.id;
          for (const listener of this.#listeners) listener(event);
        }
        if (events.length < this.#options.pageSize) break;
      }
      this.#lastSuccessAt = this.#options.clock.now();
    } while (this.#takeAgain());
  }

  /** Whether a catch-up was asked for during the last read (and clear the request). */
  #takeAgain(): boolean {
    const again = this.#again;
    this.#again = false;
    return again;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.catchUp()
        .catch((error: unknown) => this.#options.onError?.(error))
        .finally(() => {
          if (this.#timer !== null) this.#schedule();
        });
    }, this.#options.pollIntervalMs);
    this.#timer.unref();
  }
}
