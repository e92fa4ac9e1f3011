import { createHash } from 'node:crypto';

/** A refresh that worked: the new tokens, as `/oauth/token` answered them. */
export interface RefreshedSession {
  readonly ok: true;
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds the access token lives (`expires_in`). */
  readonly expiresIn: number;
  /** Seconds the refresh token lives, when the server says (`refresh_token_expires_in`). */
  readonly refreshExpiresIn: number | null;
}

/** A refresh that did not work. */
export interface RefreshFailure {
  readonly ok: false;
  /**
   * `invalid_grant`: the session is over (expired, revoked, or the token was spent); clear the
   * cookies. `unavailable`: the auth server could not be asked or answered nonsense; the session
   * may be fine, so keep the cookies and let the client retry.
   */
  readonly reason: 'invalid_grant' | 'unavailable';
  /** What went wrong, for the operator's log; never holds a token. */
  readonly detail: string;
}

export type RefreshOutcome = RefreshedSession | RefreshFailure;

/** Options of {@link createSessionRefresher}. */
export interface SessionRefresherOptions {
  /** The auth server's token endpoint (`<issuer>/oauth/token`). */
  readonly tokenEndpoint: string;
  /** `client_id` sent with each refresh (the first-party public client, `tessera`). */
  readonly clientId: string;
  /** Longest wait for one refresh. */
  readonly timeoutMs: number;
  /**
   * How long a successful refresh is handed to later requests that still carry the old refresh
   * cookie (tabs that sent theirs before the browser stored the new one). Default 10 000 ms,
   * the auth server's default grace window; keep it no longer than that window.
   */
  readonly reuseMs?: number;
  /** Refreshes in flight at once; beyond, `unavailable`. Default 1000. */
  readonly maxInFlight?: number;
  /** Default the global `fetch`; tests give their own. */
  readonly fetch?: typeof fetch;
  /** Default `Date.now`. */
  readonly now?: () => number;
}

/** Refreshes cookie sessions at the auth server, one refresh per refresh token at a time. */
export interface SessionRefresher {
  /** Refresh with `refreshToken`; never rejects. */
  refresh(refreshToken: string): Promise<RefreshOutcome>;
}

/** Most remembered outcomes; beyond, the oldest are forgotten. */
const MAX_REMEMBERED = 10_000;

/**
 * A refresher on the auth server's `/oauth/token` (RFC 6749 §6, `grant_type=refresh_token`)
 * with single flight: every request of this process that presents the same refresh token while
 * a refresh is under way, or within `reuseMs` after it worked, gets that same outcome, so tabs
 * hitting an expired access token at once spend the refresh token once and never look like a
 * replay to the server's reuse detection. Across processes, the server's grace window does the
 * same. Outcomes are keyed by the token's SHA-256, not the token.
 *
 * @throws TypeError for options out of range.
 * @example
 * const refresher = createSessionRefresher({
 *   tokenEndpoint: 'https://auth.example.com/oauth/token', clientId: 'tessera', timeoutMs: 5000,
 * });
 * const outcome = await refresher.refresh(cookies.refresh);
 */
export function createSessionRefresher(options: SessionRefresherOptions): SessionRefresher {
  const { tokenEndpoint, clientId, timeoutMs } = options;
  const reuseMs = options.reuseMs ?? 10_000;
  const maxInFlight = options.maxInFlight ?? 1000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    throw new TypeError('timeoutMs must be a positive whole number');
  }
  if (!Number.isSafeInteger(reuseMs) || reuseMs < 0 || reuseMs > 60_000) {
    throw new TypeError('reuseMs must be a whole number from 0 to 60000');
  }
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const inFlight = new Map<string, Promise<RefreshOutcome>>();
  const recent = new Map<string, { readonly outcome: RefreshedSession; readonly until: number }>();

  const ask = async (refreshToken: string): Promise<RefreshOutcome> => {
    let response: Response;
    let body: unknown;
    try {
      response = await doFetch(tokenEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: clientId,
        }).toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await response.json().catch(() => null);
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      return unavailable(
        name === 'TimeoutError'
          ? `the auth server did not refresh the session within ${timeoutMs} ms`
          : `the auth server cannot be reached to refresh a session (${name || 'error'})`,
      );
    }
    const fields =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    if (response.status === 400 && fields['error'] === 'invalid_grant') {
      return { ok: false, reason: 'invalid_grant', detail: 'the refresh token was refused' };
    }
    if (response.status !== 200) {
      return unavailable(`the auth server answered a refresh with status ${response.status}`);
    }
    const { access_token: access, refresh_token: refresh, expires_in: expiresIn } = fields;
    const refreshExpiresIn = fields['refresh_token_expires_in'];
    if (
      typeof access !== 'string' ||
      typeof refresh !== 'string' ||
      !COOKIE_SAFE.test(access) ||
      !COOKIE_SAFE.test(refresh) ||
      String(fields['token_type']).toLowerCase() !== 'bearer' ||
      !isPositiveInteger(expiresIn)
    ) {
      return unavailable('the auth server answered a refresh without usable bearer tokens');
    }
    return {
      ok: true,
      accessToken: access,
      refreshToken: refresh,
      expiresIn,
      refreshExpiresIn: isPositiveInteger(refreshExpiresIn) ? refreshExpiresIn : null,
    };
  };

  const refresh = (refreshToken: string): Promise<RefreshOutcome> => {
    const key = createHash('sha256').update(refreshToken).digest('base64url');
    const remembered = recent.get(key);
    if (remembered !== undefined) {
      if (remembered.until > now()) return Promise.resolve(remembered.outcome);
      recent.delete(key);
    }
    const running = inFlight.get(key);
    if (running !== undefined) return running;
    if (inFlight.size >= maxInFlight) {
      return Promise.resolve(unavailable('too many session refreshes under way'));
    }
    const started = ask(refreshToken).then((outcome) => {
      inFlight.delete(key);
      if (outcome.ok && reuseMs > 0) {
        if (recent.size >= MAX_REMEMBERED) forgetOldest(recent, now());
        recent.set(key, { outcome, until: now() + reuseMs });
      }
      return outcome;
    });
    inFlight.set(key, started);
    return started;
  };

  return Object.freeze({ refresh });
}

/** Token characters that can go in a cookie value unquoted (RFC 6265 §4.1.1, and b64token). */
const COOKIE_SAFE = /^[A-Za-z0-9\-._~+/]+=*$/;

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function unavailable(detail: string): RefreshFailure {
  return { ok: false, reason: 'unavailable', detail };
}

/** Drop expired entries, and the oldest tenth if that was not enough. */
function forgetOldest(recent: Map<string, { readonly until: number }>, at: number): void {
  for (const [key, entry] of recent) if (entry.until <= at) recent.delete(key);
  if (recent.size < MAX_REMEMBERED) return;
  let drop = Math.ceil(MAX_REMEMBERED / 10);
  for (const key of recent.keys()) {
    if (drop-- <= 0) break;
    recent.delete(key);
  }
}
