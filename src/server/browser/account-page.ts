import type { SessionRecord } from '../../store/records.js';
import { describeDevice } from './device-label.js';
import { escapeHtml, renderMessage, renderPage, type PageMessage } from './html-page.js';

/** What the account page shows. */
export interface AccountView {
  readonly username: string;
  readonly currentSessionId: string;
  readonly sessions: readonly SessionRecord[];
  /** The CSRF token every form carries in `_csrf`. */
  readonly csrf: string;
  readonly message: PageMessage | null;
}

/** A time people read: "2026-05-01 14:03 UTC" (the server cannot know the reader's zone). */
function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function csrfField(csrf: string): string {
  return `<input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">`;
}

function renderSession(session: SessionRecord, view: AccountView): string {
  const current = session.id === view.currentSessionId;
  const device = escapeHtml(describeDevice(session.userAgent));
  const action = current ? '/logout' : `/account/sessions/${encodeURIComponent(session.id)}/end`;
  // The accessible name starts with the visible text (WCAG 2.5.3, label in name).
  const label = current ? 'Log out of this device' : `End session: ${device}`;
  return `<li>
  <p class="device">${device}${current ? '<span class="badge">This device</span>' : ''}</p>
  <dl class="facts">
    <dt>IP address</dt><dd>${escapeHtml(session.ip ?? 'unknown')}</dd>
    <dt>Signed in</dt><dd>${formatTime(session.createdAt)}</dd>
    <dt>Last active</dt><dd>${formatTime(session.lastUsedAt)}</dd>
  </dl>
  <form class="inline" method="post" action="${escapeHtml(action)}">
    ${csrfField(view.csrf)}
    <button type="submit" class="secondary" aria-label="${label}">${current ? 'Log out' : 'End session'}</button>
  </form>
</li>`;
}

/**
 * The account page: who you are, your sessions (each can be ended), log out everywhere, and
 * change password. Every form posts to this origin with the session's CSRF token.
 *
 * @example
 * reply.send(renderAccountPage(view));
 */
export function renderAccountPage(view: AccountView): string {
  const body = `
<h1>Your account</h1>
${renderMessage(view.message)}
<section aria-labelledby="who">
  <h2 id="who">Signed in as ${escapeHtml(view.username)}</h2>
  <form class="inline" method="post" action="/logout">
    ${csrfField(view.csrf)}
    <button type="submit" class="secondary">Log out</button>
  </form>
</section>
<section aria-labelledby="sessions">
  <h2 id="sessions">Where you are signed in</h2>
  <ul class="sessions">
${view.sessions.map((session) => renderSession(session, view)).join('\n')}
  </ul>
  <form class="inline" method="post" action="/account/logout-all">
    ${csrfField(view.csrf)}
    <button type="submit" class="danger">Log out everywhere</button>
  </form>
</section>
<section aria-labelledby="password-heading">
  <h2 id="password-heading">Change password</h2>
  <p class="hint">Changing your password ends every other session; this device stays signed in.</p>
  <form method="post" action="/account/password">
    ${csrfField(view.csrf)}
    <label for="current_password">Current password</label>
    <input type="password" id="current_password" name="current_password" autocomplete="current-password" required maxlength="1024">
    <label for="new_password">New password</label>
    <input type="password" id="new_password" name="new_password" autocomplete="new-password" required minlength="12" maxlength="1024" aria-describedby="new_password_hint">
    <p class="hint" id="new_password_hint">At least 12 characters. A few unusual words make a strong password.</p>
    <label for="confirm_password">New password again</label>
    <input type="password" id="confirm_password" name="confirm_password" autocomplete="new-password" required maxlength="1024">
    <button type="submit">Change password</button>
  </form>
</section>`;
  return renderPage('Your account', body);
}
