import { randomBytes } from 'node:crypto';
import type { Sealer } from '../keys/sealer.js';
import type { SigningKey } from '../keys/signing-key.js';
import { createSubjectRevocation, type RevocationEvent } from '../revocation/revocation-event.js';
import type {
  AuditRecord,
  BrowserBinding,
  RefreshTokenRecord,
  SessionRecord,
} from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../token/clock.js';
import { generateOpaqueToken, hashOpaqueToken } from '../token/opaque-token.js';
import { revocationHorizonMs, type AuthPolicy } from './auth-policy.js';
import type { BrowserBindingKeys } from './browser-binding-keys.js';
import {
  changePassword,
  type PasswordChange,
  type PasswordChangeResult,
} from './change-password.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';
import { issueSessionTokens, refreshTokenRecord } from './session-tokens.js';
import { upgradeHashAtLogin } from './upgrade-hash-at-login.js';
import type {
  IssuedTokens,
  LoginFailure,
  RefreshFailure,
  RequestContext,
} from './session-results.js';
import { normalizeUsername } from './username.js';

/** What the service needs around it; all injected so tests control each part. */
export interface SessionServiceDependencies {
  readonly store: Store;
  readonly signingKeys: { getSigningKey(): SigningKey };
  readonly sealer: Sealer;
  readonly passwords: PasswordHasher;
  readonly throttle: LoginThrottle;
  readonly policy: AuthPolicy;
  readonly clock: Clock;
  /** Called after every revocation is durable; resolves once this process's denylist holds it. */
  readonly afterRevocation: () => Promise<void>;
  /** Keys of the `csh` and `fgp` claims of browser-bound sessions (docs/browser.md). */
  readonly browserKeys: BrowserBindingKeys;
}

export type {
  IssuedTokens,
  LoginFailure,
  RefreshFailure,
  RequestContext,
} from './session-results.js';

type Success<T> = { readonly ok: true } & T;

/**
 * Login sessions and refresh-token families: login, rotation with reuse detection and a
 * grace window, logout and "log out everywhere". Every change that spans rows is one store
 * operation, and every revocation is durable and in this process's denylist before the
 * call returns.
 */
export class SessionService {
  readonly #deps: SessionServiceDependencies;

  constructor(dependencies: SessionServiceDependencies) {
    this.#deps = dependencies;
  }

  /**
   * Check a username and password and start a session. Unknown users cost the same time as
   * known ones, and every failure looks the same to the caller, so neither timing nor
   * answers reveal which accounts exist.
   */
  async login(
    input: {
      readonly username: string;
      readonly password: string;
      readonly clientId: string;
      readonly scope: string;
      /**
       * Thumbprint of the DPoP key the client proved (RFC 9449), or null. Logins come from
       * public clients only, so the session's refresh tokens are bound to it as well.
       */
      readonly dpopJkt: string | null;
      /** Cookie mode or the token sidecar; remembered so every refresh binds alike. */
      readonly browserBinding?: BrowserBinding;
    },
    context: RequestContext,
  ): Promise<Success<{ tokens: IssuedTokens }> | LoginFailure> {
    const { store, passwords, throttle, clock } = this.#deps;
    const username = normalizeUsername(input.username);
    // Throttle the account under the name it is looked up by: ' alice' is alice, and must not
    // get a fresh allowance of guesses.
    const attempt = { username, ip: context.ip ?? 'unknown' };
    const verdict = await throttle.check(attempt);
    if (!verdict.allowed) {
      await this.#audit('login.throttled', null, null, input.clientId, context, {
        username: input.username,
      });
      return { ok: false, reason: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
    }
    const user = await store.findUserByUsername(username);
    const valid =
      user === null
        ? await passwords.verifyDummy(input.password)
        : await passwords.verify(user.passwordHash, input.password);
    if (user === null || !valid || user.disabled) {
      await throttle.recordFailure(attempt);
      const why = user === null ? 'unknown_user' : user.disabled ? 'disabled' : 'bad_password';
      await this.#audit('login.failed', user?.id ?? null, null, input.clientId, context, { why });
      return { ok: false, reason: 'invalid_credentials' };
    }
    const rehashed = this.#auditRecord('user.password_rehashed', user.id, null, null, context, {});
    const checkedHash = await upgradeHashAtLogin(this.#deps, user, input.password, rehashed);
    if (checkedHash === null) {
      const why = { why: 'password_changed' };
      await this.#audit('login.failed', user.id, null, input.clientId, context, why);
      return { ok: false, reason: 'invalid_credentials' };
    }
    await throttle.recordSuccess(attempt);

    const now = clock.now();
    const { policy } = this.#deps;
    const sessionId = randomBytes(16).toString('base64url');
    const absoluteExpiresAt = now + policy.sessionAbsoluteSeconds * 1000;
    const session: SessionRecord = {
      id: sessionId,
      userId: user.id,
      clientId: input.clientId,
      userAgent: context.userAgent?.slice(0, 512) ?? null,
      ip: context.ip,
      scope: input.scope,
      createdAt: now,
      lastUsedAt: now,
      idleExpiresAt: Math.min(now + policy.sessionIdleSeconds * 1000, absoluteExpiresAt),
      absoluteExpiresAt,
      endedAt: null,
      endReason: null,
      dpopJkt: input.dpopJkt,
      ...(input.browserBinding === undefined ? {} : { browserBinding: input.browserBinding }),
    };
    const refreshToken = generateOpaqueToken();
    const created = await store.createSession(
      session,
      refreshTokenRecord(refreshToken, sessionId, null, now, absoluteExpiresAt),
      this.#auditRecord('login.succeeded', user.id, sessionId, input.clientId, context, {}),
      // What the login checked must still hold: the password (and the user enabled), and a
      // registered client (the built-in first-party one has no row to check).
      {
        userPasswordHash: checkedHash,
        clientMustExist: input.clientId !== policy.firstPartyClientId,
      },
    );
    if (!created) {
      const why = { why: 'changed_during_login' };
      await this.#audit('login.failed', user.id, null, input.clientId, context, why);
      return { ok: false, reason: 'invalid_credentials' };
    }
    return {
      ok: true,
      tokens: issueSessionTokens(this.#deps, session, refreshToken, input.dpopJkt),
    };
  }

  /**
   * Rotate a refresh token: a live token is spent and replaced; a token spent within the
   * grace window whose successor is still live gets that same successor (two tabs refreshing
   * at once); any other spent token is reuse, which ends the session everywhere.
   */
  async refresh(
    input: {
      readonly refreshToken: string;
      readonly clientId: string;
      /** Thumbprint of the DPoP key the request proved, or null. */
      readonly dpopJkt: string | null;
      /** Bind an unbound session to `dpopJkt` (public clients, RFC 9449 §5). */
      readonly bindToKey: boolean;
    },
    context: RequestContext,
  ): Promise<Success<{ tokens: IssuedTokens }> | RefreshFailure> {
    const { store, sealer, clock, policy } = this.#deps;
    const now = clock.now();
    const presentedHash = hashOpaqueToken(input.refreshToken);
    // A refresh token is bound to the client it was issued to (RFC 6749 §6). Check before
    // rotating: a refused request must not spend the token (the rightful client would then
    // look like a replayer and lose its session).
    const presented = await store.findRefreshToken(presentedHash);
    if (presented !== null) {
      const owner = await store.findSession(presented.sessionId);
      if (owner !== null && owner.clientId !== input.clientId)
        return { ok: false, reason: 'invalid_grant' };
      // RFC 9449 §5: a bound refresh token needs a proof from its key. Refused before
      // rotation, so a thief without the key cannot spend (and so burn) the token.
      if (owner !== null && !fitsBinding(owner.dpopJkt, input.dpopJkt))
        return { ok: false, reason: 'key_mismatch' };
    }
    const successorToken = generateOpaqueToken();
    const purpose = successorPurpose(presentedHash);
    const outcome = await store.rotateRefreshToken({
      presentedHash,
      successor: refreshTokenRecord(
        successorToken,
        '',
        presentedHash,
        now,
        now + policy.sessionAbsoluteSeconds * 1000,
      ),
      successorSealed: sealer.seal(successorToken, purpose),
      now,
      graceMs: policy.refreshGraceSeconds * 1000,
      idleExpiresAt: now + policy.sessionIdleSeconds * 1000,
      reuseRevocation: (session) => this.#revocation('sid', session.id, now),
      reuseAudit: (session) =>
        this.#auditRecord(
          'refresh.reused',
          session.userId,
          session.id,
          session.clientId,
          context,
          {},
        ),
      ...(input.bindToKey && input.dpopJkt !== null ? { dpopJkt: input.dpopJkt } : {}),
    });
    switch (outcome.kind) {
      case 'rotated':
      case 'grace': {
        // Checked above already; a session's client never changes, so this is a backstop.
        if (outcome.session.clientId !== input.clientId)
          return { ok: false, reason: 'invalid_grant' };
        // A concurrent first refresh may have bound the session since the check above.
        if (!fitsBinding(outcome.session.dpopJkt, input.dpopJkt))
          return { ok: false, reason: 'key_mismatch' };
        const refreshToken =
          outcome.kind === 'rotated'
            ? successorToken
            : sealer.open(outcome.successorSealed, purpose);
        return {
          ok: true,
          tokens: issueSessionTokens(this.#deps, outcome.session, refreshToken, input.dpopJkt),
        };
      }
      case 'reused':
        await this.#deps.afterRevocation();
        return { ok: false, reason: 'reused' };
      case 'expired':
      case 'unknown':
        return { ok: false, reason: 'invalid_grant' };
    }
  }

  /** End one session of `userId`; false when it is not theirs or not live (callers answer 404 alike). */
  async endSession(
    userId: string,
    sessionId: string,
    reason: string,
    context: RequestContext,
  ): Promise<boolean> {
    const { store, clock } = this.#deps;
    const session = await store.findSession(sessionId);
    if (session === null || session.userId !== userId) return false;
    const now = clock.now();
    const ended = await store.endSession(
      sessionId,
      now,
      reason,
      this.#revocation('sid', sessionId, now),
      this.#auditRecord('session.ended', userId, sessionId, session.clientId, context, { reason }),
    );
    if (ended) await this.#deps.afterRevocation();
    return ended;
  }

  /** End the session a refresh token belongs to (RFC 7009 revocation of a refresh token). */
  async endSessionByRefreshToken(
    refreshToken: string,
    clientId: string,
    context: RequestContext,
  ): Promise<void> {
    const record = await this.#deps.store.findRefreshToken(hashOpaqueToken(refreshToken));
    if (record === null) return;
    const session = await this.#deps.store.findSession(record.sessionId);
    if (session?.clientId !== clientId) return;
    await this.endSession(session.userId, session.id, 'revoked', context);
  }

  /** Log a user out everywhere: every session ends, and every token issued before now dies. */
  async endAllSessions(userId: string, context: RequestContext): Promise<number> {
    const { store, clock } = this.#deps;
    const now = clock.now();
    const count = await store.endAllSessions(
      userId,
      now,
      createSubjectRevocation(userId, now, now + revocationHorizonMs(this.#deps.policy)),
      this.#auditRecord('session.ended_all', userId, null, null, context, {}),
    );
    await this.#deps.afterRevocation();
    return count;
  }

  /**
   * Change a user's password from one of their sessions: the current password must match and
   * the new one pass the policy. Every other session ends; `sessionId` stays.
   */
  changePassword(input: PasswordChange, context: RequestContext): Promise<PasswordChangeResult> {
    return changePassword(this.#deps, input, context);
  }

  /** A refresh token that can still be used, with its live session; null otherwise (RFC 7662). */
  async describeRefreshToken(
    refreshToken: string,
  ): Promise<{ token: RefreshTokenRecord; session: SessionRecord } | null> {
    const { store, clock } = this.#deps;
    const token = await store.findRefreshToken(hashOpaqueToken(refreshToken));
    if (token === null || token.spentAt !== null) return null;
    const session = await store.findSession(token.sessionId);
    const now = clock.now();
    if (session === null || session.endedAt !== null) return null;
    if (now >= session.idleExpiresAt || now >= session.absoluteExpiresAt || now >= token.expiresAt)
      return null;
    return { token, session };
  }

  /** The live sessions of a user, newest first. */
  listSessions(userId: string): Promise<SessionRecord[]> {
    return this.#deps.store.listLiveSessions(userId, this.#deps.clock.now());
  }

  #revocation(kind: RevocationEvent['kind'], value: string, now: number): RevocationEvent {
    return { kind, value, at: now, expiresAt: now + revocationHorizonMs(this.#deps.policy) };
  }

  async #audit(
    type: string,
    userId: string | null,
    sessionId: string | null,
    clientId: string | null,
    context: RequestContext,
    detail: AuditRecord['detail'],
  ): Promise<void> {
    await this.#deps.store.appendAudit(
      this.#auditRecord(type, userId, sessionId, clientId, context, detail),
    );
  }

  #auditRecord(
    type: string,
    userId: string | null,
    sessionId: string | null,
    clientId: string | null,
    context: RequestContext,
    detail: AuditRecord['detail'],
  ): AuditRecord {
    return {
      at: this.#deps.clock.now(),
      type,
      userId,
      sessionId,
      clientId,
      ip: context.ip,
      detail,
    };
  }
}

/** True when a request that proved `proven` (or no key) may use a session bound to `bound`. */
function fitsBinding(bound: string | null, proven: string | null): boolean {
  return bound === null || bound === proven;
}

/** The sealing purpose of a grace-window successor: bound to the token it replaced. */
function successorPurpose(presentedHash: string): string {
  return `refresh-successor:${presentedHash}`;
}
