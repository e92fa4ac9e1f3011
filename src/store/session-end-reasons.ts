/**
 * The `endReason` the store writes when it ends sessions on its own account. Callers of
 * `endSession` pass their own reason (e.g. `logout`, `revoked`).
 *
 * @example
 * if (session.endReason === SESSION_END_REASONS.refreshReuse) alertSecurityTeam(session);
 */
export const SESSION_END_REASONS = Object.freeze({
  /** A spent refresh token was presented outside the grace window (RFC 9700 §4.14.2). */
  refreshReuse: 'refresh_reuse',
  /** The user's password changed (`setUserPassword`). */
  passwordChanged: 'password_changed',
  /** The user logged out everywhere (`endAllSessions`). */
  loggedOutEverywhere: 'logged_out_everywhere',
  /** The client the session was started by was removed (`deleteClient`). */
  clientRemoved: 'client_removed',
} as const);
