// What the session service takes from a request and hands back.

/** Where a request came from, for sessions, throttling and the audit log. */
export interface RequestContext {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** Tokens handed to a client after login or refresh. */
export interface IssuedTokens {
  readonly accessToken: string;
  /** `DPoP` when the access token is bound to a key (`cnf.jkt`, RFC 9449 §5), else `Bearer`. */
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly expiresIn: number;
  readonly refreshToken: string;
  readonly sessionId: string;
  readonly scope: string;
  /** When the session ends whatever happens (ms since the epoch): the refresh cookie's end. */
  readonly sessionExpiresAt: number;
}

/** Why a login failed; the wire never says which of these it was, except throttling. */
export type LoginFailure =
  | { readonly ok: false; readonly reason: 'invalid_credentials' }
  | { readonly ok: false; readonly reason: 'throttled'; readonly retryAfterSeconds: number };

/**
 * Why a refresh failed. `reused` has ended the session; `key_mismatch`: the refresh token is
 * bound to a DPoP key and the request proved no key, or another one (the token is not spent).
 */
export type RefreshFailure = {
  readonly ok: false;
  readonly reason: 'invalid_grant' | 'reused' | 'key_mismatch';
};
