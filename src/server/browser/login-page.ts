import { escapeHtml, renderMessage, renderPage, type PageMessage } from './html-page.js';

/**
 * The sign-in page: one form posting to `/login` on this origin. The username is kept after a
 * failed attempt; the password never is.
 *
 * @example
 * reply.send(renderLoginPage({ username: '', message: null }));
 */
export function renderLoginPage(input: {
  readonly username: string;
  readonly message: PageMessage | null;
}): string {
  const body = `
<h1>Sign in</h1>
${renderMessage(input.message)}
<form class="card" method="post" action="/login">
  <label for="username">Username</label>
  <input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="256" value="${escapeHtml(input.username)}"${input.username === '' ? ' autofocus' : ''}>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024"${input.username === '' ? '' : ' autofocus'}>
  <button type="submit">Sign in</button>
</form>`;
  return renderPage('Sign in', body);
}

/**
 * A page that says a request was refused and why, with a way back.
 *
 * @example
 * reply.code(403).send(renderRefusalPage('Request refused', why));
 */
export function renderRefusalPage(title: string, why: string): string {
  const body = `
<h1>${escapeHtml(title)}</h1>
${renderMessage({ kind: 'error', text: why })}
<p><a href="/account">Back to your account</a> · <a href="/login">Sign in</a></p>`;
  return renderPage(title, body);
}
