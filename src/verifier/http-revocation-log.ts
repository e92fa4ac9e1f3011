import { isRevocationKind, type LoggedRevocationEvent } from '../revocation/revocation-event.js';
import type { RevocationLogReader } from '../revocation/revocation-follower.js';
import { fetchJson } from './internal/fetch-json.js';
import { VerifierError } from './verifier-error.js';

/** Options of {@link HttpRevocationLog}. */
export interface HttpRevocationLogOptions {
  /** The auth server's `GET /revocations` (`<issuer>/revocations`). */
  readonly url: string;
  readonly timeoutMs: number;
  /** Largest page accepted; a full page of 1000 events is about 150 KB. */
  readonly maxBytes: number;
  /** Aborts requests in flight (the verifier is closing). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The auth server's revocation log read over HTTP (`GET /revocations?after=<cursor>`), as a
 * {@link RevocationLogReader}: the start and fallback of a verifier in another process.
 *
 * @example
 * const follower = new RevocationFollower({
 *   log: new HttpRevocationLog({ url: `${issuer}/revocations`, timeoutMs: 5_000, maxBytes: 4_194_304 }),
 *   apply: (event) => denylist.add(event),
 * });
 */
export class HttpRevocationLog implements RevocationLogReader {
  readonly #options: HttpRevocationLogOptions;

  constructor(options: HttpRevocationLogOptions) {
    this.#options = options;
  }

  /**
   * Events after `cursor`, at most `limit` (the server caps a page at 1000; fewer than asked
   * means the end of the log).
   *
   * @throws VerifierError `ERR_REVOCATIONS_UNAVAILABLE` when the log cannot be read or its
   *   answer is malformed.
   */
  async revocationsAfter(cursor: number, limit: number): Promise<LoggedRevocationEvent[]> {
    const url = new URL(this.#options.url);
    url.searchParams.set('after', String(cursor));
    url.searchParams.set('limit', String(limit));
    const { body } = await fetchJson(url.toString(), {
      timeoutMs: this.#options.timeoutMs,
      maxBytes: this.#options.maxBytes,
      errorCode: 'ERR_REVOCATIONS_UNAVAILABLE',
      signal: this.#options.signal,
    });
    const events = (body as { events?: unknown } | null)?.events;
    if (!Array.isArray(events)) {
      throw new VerifierError(
        'ERR_REVOCATIONS_UNAVAILABLE',
        `the revocation log at ${this.#options.url} answered without an events array`,
      );
    }
    const parsed: LoggedRevocationEvent[] = [];
    let previous = cursor;
    for (const entry of events) {
      const event = parseWireEvent(entry);
      // The log is ordered; an answer out of order or behind the cursor cannot be trusted whole.
      if (event === null || event.id <= previous) {
        throw new VerifierError(
          'ERR_REVOCATIONS_UNAVAILABLE',
          `the revocation log at ${this.#options.url} answered a malformed or unordered event`,
        );
      }
      previous = event.id;
      parsed.push(event);
    }
    return parsed;
  }
}

/**
 * A revocation event as the auth server writes it on the wire (`/revocations` and the SSE
 * feed): `{ id, kind, value, at, expires_at }`. Null when it is not one.
 */
export function parseWireEvent(value: unknown): LoggedRevocationEvent | null {
  if (typeof value !== 'object' || value === null) return null;
  const { id, kind, value: revoked, at, expires_at: expiresAt } = value as Record<string, unknown>;
  if (
    !Number.isSafeInteger(id) ||
    (id as number) < 1 ||
    !isRevocationKind(kind) ||
    typeof revoked !== 'string' ||
    revoked.length === 0 ||
    typeof at !== 'number' ||
    !Number.isFinite(at) ||
    typeof expiresAt !== 'number' ||
    !Number.isFinite(expiresAt)
  ) {
    return null;
  }
  return { id: id as number, kind, value: revoked, at, expiresAt };
}
