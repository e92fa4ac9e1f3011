import { createHash } from 'node:crypto';
import { ExpiringMemory } from './internal/expiring-memory.js';

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
  /** The auth server's token endpoint (`<issuer>/oauth/token`), an absolute http(s) URL. */
  readonly tokenEndpoint: string;
  /** `client_id` sent with each refresh (the first-party public client, `tessera`). */
  readonly clientId: string;
  /** Longest wait for one refresh. */
  readonly timeoutMs: number;
  /**
   * How long a successful refresh is handed to later requests that still carry the old refresh
   * cookie (tabs that sent theirs before the browser stored the new one), 0 to 60 000 ms.
   * Default 10 000 ms, the auth server's default grace window. Never longer than the server's
   * `--refresh-grace`: within this window a spent token gets its successor from memory, so the
   * server's reuse detection never sees that replay.
   */
  readonly reuseMs?: number;
  /** Refreshes in flight at once, from everyone; beyond, `unavailable`. Default 1000. */
  readonly maxInFlight?: number;
  /** Refreshes in flight at once from one client address; beyond, `unavailable`. Default 8. */
  readonly maxInFlightPerClient?: number;
  /** Default the global `fetch`; tests give their own. */
  readonly fetch?: typeof fetch;
  /** Milliseconds since the epoch; default `Date.now` (the gateway passes its clock). */
  readonly now?: () => number;
}

/** Refreshes cookie sessions at the auth server, one refresh per refresh token at a time. */
export interface SessionRefresher {
  /**
   * Refresh with `refreshToken`, for the client at `clientAddress` (its share of the refreshes
   * under way is capped); never rejects.
   */
  refresh(refreshToken: string, clientAddress?: string): Promise<RefreshOutcome>;
}

/** Most remembered outcomes of each kind; beyond, the oldest are forgotten. */
const MAX_REMEMBERED = 10_000;
/**
 * How long a refused refresh token is answered from memory. A refused token never becomes
 * good again (spent, revoked, expired or unknown), so this only spares the auth server: a
 * client repeating a garbage cookie costs it one call in this time.
 */
const REFUSAL_MEMORY_MS = 60_000;
/**
 * The shape of refresh tokens the auth server issues (base64url of 32 random bytes, 43
 * characters), with room for other lengths; anything else is refused without asking it.
 */
const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,256}$/;
/** RFC 6749 Appendix A.1: a client_id is printable ASCII. */
const CLIENT_ID = /^[\x20-\x7e]{1,200}$/;

/**
 * A refresher on the auth server's `/oauth/token` (RFC 6749 §6, `grant_type=refresh_token`)
 * with single flight: every request of this process that presents the same refresh token while
 * a refresh is under way, or within `reuseMs` after it worked, gets that same outcome, so tabs
 * hitting an expired access token at once spend the refresh token once and never look like a
 * replay to the server's reuse detection. Across processes, the server's grace window does the
 * same. Outcomes are keyed by the token's SHA-256, not the token.
 *
 * Anyone can send refresh cookies, so the auth server is shielded: a value not of the shape it
 * issues is refused here, a refused token is remembered for a minute, and each client address
 * may have `maxInFlightPerClient` refreshes under way (then `maxInFlight` for everyone).
 *
 * @throws TypeError for options that are missing or out of range.
 * @example
 * const refresher = createSessionRefresher({
 *   tokenEndpoint: 'https://auth.example.com/oauth/token', clientId: 'tessera', timeoutMs: 5000,
 * });
 * const outcome = await refresher.refresh(cookies.refresh, request.socket.remoteAddress);
 */
export function createSessionRefresher(options: SessionRefresherOptions): SessionRefresher {
  const { tokenEndpoint, clientId, timeoutMs } = options;
  checkEndpoint(tokenEndpoint);
  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
    throw new TypeError('clientId must be a printable client_id of 1 to 200 characters');
  }
  const reuseMs = options.reuseMs ?? 10_000;
  const maxInFlight = options.maxInFlight ?? 1000;
  const maxPerClient = options.maxInFlightPerClient ?? 8;
  checkWhole('timeoutMs', timeoutMs, 1, 600_000);
  checkWhole('reuseMs', reuseMs, 0, 60_000);
  checkWhole('maxInFlight', maxInFlight, 1, 1_000_000);
  checkWhole('maxInFlightPerClient', maxPerClient, 1, 1_000_000);
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const inFlight = new Map<string, Promise<RefreshOutcome>>();
  const perClient = new Map<string, number>();
  const successes = new ExpiringMemory<RefreshedSession>(MAX_REMEMBERED);
  const refusals = new ExpiringMemory<RefreshFailure>(MAX_REMEMBERED);

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

  const refresh = (refreshToken: string, clientAddress = ''): Promise<RefreshOutcome> => {
    if (!REFRESH_TOKEN_SHAPE.test(refreshToken)) {
      return Promise.resolve(refused('the refresh cookie is not a refresh token of the server'));
    }
    const key = createHash('sha256').update(refreshToken).digest('base64url');
    const at = now();
    const remembered = successes.get(key, at) ?? refusals.get(key, at);
    if (remembered !== undefined) return Promise.resolve(remembered);
    const running = inFlight.get(key);
    if (running !== undefined) return running;
    const mine = perClient.get(clientAddress) ?? 0;
    if (mine >= maxPerClient) {
      return Promise.resolve(unavailable('too many session refreshes under way from one client'));
    }
    if (inFlight.size >= maxInFlight) {
      return Promise.resolve(unavailable('too many session refreshes under way'));
    }
    perClient.set(clientAddress, mine + 1);
    const started = ask(refreshToken)
      .catch((error: unknown) =>
        unavailable(`a session refresh failed (${error instanceof Error ? error.name : 'error'})`),
      )
      .then((outcome) => {
        const settledAt = now();
        if (outcome.ok && reuseMs > 0) successes.set(key, outcome, settledAt + reuseMs, settledAt);
        if (!outcome.ok && outcome.reason === 'invalid_grant') {
          refusals.set(key, outcome, settledAt + REFUSAL_MEMORY_MS, settledAt);
        }
        return outcome;
      })
      .finally(() => {
        inFlight.delete(key);
        const left = (perClient.get(clientAddress) ?? 1) - 1;
        if (left <= 0) perClient.delete(clientAddress);
        else perClient.set(clientAddress, left);
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

function refused(detail: string): RefreshFailure {
  return { ok: false, reason: 'invalid_grant', detail };
}

function checkWhole(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(`${name} must be a whole number from ${min} to ${max}`);
  }
}

function checkEndpoint(tokenEndpoint: unknown): void {
  let url: URL | null = null;
  try {
    url = typeof tokenEndpoint === 'string' ? new URL(tokenEndpoint) : null;
  } catch {
    url = null;
  }
  if (
    url === null ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw new TypeError('tokenEndpoint must be an absolute http(s) URL without credentials');
  }
}
