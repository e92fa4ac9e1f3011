import { performance } from 'node:perf_hooks';
import { importJwks } from '../keys/import-jwks.js';
import type { Algorithm } from '../token/algorithms.js';
import { KeyError } from '../token/errors.js';
import { KeySet, type KeySetSource } from '../token/key-set.js';
import { fetchJson } from './internal/fetch-json.js';
import { ReadyLatch } from './internal/ready-latch.js';

/** Options of {@link RemoteJwks}. */
export interface RemoteJwksOptions {
  /** Where the JWKS is published (`<issuer>/.well-known/jwks.json`). */
  readonly uri: string;
  /** Keys are kept only for these algorithms, one algorithm per key. */
  readonly algorithms: readonly Algorithm[];
  /** Least time between two fetches caused by unknown `kid`s; the floor of the cache time too. */
  readonly cooldownMs: number;
  /** A fetch must complete within this. */
  readonly timeoutMs: number;
  /** A JWKS larger than this is refused. */
  readonly maxBytes: number;
  /** A fetch failed, or the JWKS was unusable; the keys already known stay in use. */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** Cache time when the issuer sends no usable `Cache-Control: max-age`. */
const DEFAULT_TTL_MS = 300_000;
/** Longest cache time, whatever the issuer says: a removed key must go within a day. */
const MAX_TTL_MS = 86_400_000;
/** Retries after failures start here and double up to {@link MAX_RETRY_MS}. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 60_000;

/**
 * A JWKS fetched over HTTP(S) and kept in memory, as a {@link KeySetSource} for JwtVerifier.
 *
 * It is fetched at start, again when its `Cache-Control: max-age` runs out (bounded by
 * `cooldownMs` below and a day above), and when a token names a `kid` it does not hold
 * ({@link refreshForUnknownKid}). That last path is what an attacker controls, so it is rate
 * limited: concurrent misses share one fetch, and after a fetch starts no other starts for
 * `cooldownMs`. Random `kid`s therefore cost the issuer at most one request per cooldown.
 *
 * Keys are imported with `importJwks`: one algorithm per key, only allowlisted algorithms,
 * and a JWKS with private or symmetric (HMAC) material is refused whole.
 *
 * @example
 * const jwks = new RemoteJwks({ uri, algorithms: ['EdDSA'], cooldownMs: 30_000, timeoutMs: 5_000, maxBytes: 131_072 });
 * await jwks.load();
 * const verifier = new JwtVerifier({ keys: jwks, issuer, audience, algorithms: ['EdDSA'] });
 */
export class RemoteJwks implements KeySetSource {
  readonly #options: RemoteJwksOptions;
  readonly #abort = new AbortController();
  #keySet = new KeySet([]);
  #loaded = false;
  #fetching: Promise<boolean> | null = null;
  #lastFetchAt = Number.NEGATIVE_INFINITY;
  #failures = 0;
  #fetches = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #loadedLatch = new ReadyLatch();

  constructor(options: RemoteJwksOptions) {
    this.#options = options;
  }

  getKeySet(): KeySet {
    return this.#keySet;
  }

  /** Whether a usable JWKS has been fetched at least once. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** How many fetches were started (for health checks and tests). */
  get fetchCount(): number {
    return this.#fetches;
  }

  /**
   * Fetch the JWKS now and keep it current from then on; failures are retried with backoff.
   * Resolves once a usable JWKS is held; rejects only if {@link close} comes first.
   */
  load(): Promise<void> {
    if (this.#loaded) return Promise.resolve();
    const loaded = this.#loadedLatch.wait();
    if (this.#fetching === null && this.#timer === null) void this.#refresh();
    return loaded;
  }

  /**
   * A token named a key this set lacks: fetch again, unless a fetch is running (then wait for
   * it) or one started less than `cooldownMs` ago. Resolves true when a fetch completed and
   * brought a new key set, false otherwise; never rejects.
   */
  async refreshForUnknownKid(): Promise<boolean> {
    if (this.#closed) return false;
    if (this.#fetching !== null) return this.#fetching;
    if (performance.now() - this.#lastFetchAt < this.#options.cooldownMs) return false;
    return this.#refresh();
  }

  /** Stop refreshing and abort a fetch in flight. */
  close(): void {
    this.#closed = true;
    this.#abort.abort();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#loadedLatch.close('the verifier was closed before its keys were loaded');
  }

  /** Start a fetch (one at a time) and schedule the next. */
  #refresh(): Promise<boolean> {
    if (this.#fetching !== null) return this.#fetching;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#lastFetchAt = performance.now();
    this.#fetches++;
    this.#fetching = this.#fetch().finally(() => {
      this.#fetching = null;
    });
    return this.#fetching;
  }

  async #fetch(): Promise<boolean> {
    const { uri, algorithms, timeoutMs, maxBytes } = this.#options;
    try {
      const reply = await fetchJson(uri, {
        timeoutMs,
        maxBytes,
        errorCode: 'ERR_JWKS_UNAVAILABLE',
        signal: this.#abort.signal,
      });
      const keySet = importJwks(reply.body, algorithms);
      if (keySet.size === 0) {
        throw new KeyError(
          'ERR_JWKS_INVALID',
          `the JWKS at ${uri} has no signature key for ${algorithms.join(', ')}`,
        );
      }
      if (this.#closed) return false;
      this.#keySet = keySet;
      this.#failures = 0;
      this.#markLoaded();
      this.#schedule(this.#cacheTime(reply.headers.get('cache-control')));
      return true;
    } catch (error) {
      if (this.#closed) return false;
      this.#failures++;
      this.#options.onError?.(error);
      this.#schedule(Math.min(FIRST_RETRY_MS * 2 ** (this.#failures - 1), MAX_RETRY_MS));
      return false;
    }
  }

  /** RFC 9111 §5.2.2.1 `max-age`, within [cooldown, a day]; `no-store`/`no-cache` mean the floor. */
  #cacheTime(cacheControl: string | null): number {
    const floor = this.#options.cooldownMs;
    if (cacheControl === null) return Math.max(DEFAULT_TTL_MS, floor);
    if (/(?:^|[\s,])no-(?:store|cache)\b/i.test(cacheControl)) return floor;
    const match = /(?:^|[\s,])max-age\s*=\s*"?(\d{1,10})"?/i.exec(cacheControl);
    const seconds = match?.[1];
    if (seconds === undefined) return Math.max(DEFAULT_TTL_MS, floor);
    return Math.min(Math.max(Number(seconds) * 1000, floor), MAX_TTL_MS);
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#refresh();
    }, ms);
    // The verifier never keeps a process alive by itself.
    this.#timer.unref();
  }

  #markLoaded(): void {
    this.#loaded = true;
    this.#loadedLatch.open();
  }
}
