/** The path of the one style sheet of the pages. */
export const STYLE_PATH = '/static/tessera.css';

/**
 * Escape text for HTML element content and double-quoted attribute values (HTML Living
 * Standard §13.1.2.6): every value from a request or the store goes through this.
 *
 * @example
 * `<p>${escapeHtml(user.username)}</p>`;
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A message shown at the top of a page: an error (announced at once) or a notice. */
export interface PageMessage {
  readonly kind: 'error' | 'notice';
  readonly text: string;
}

/**
 * A page's message. The `role` alert of errors makes screen readers announce them as soon as
 * the page loads; notices are a polite `status`.
 *
 * @example
 * renderMessage({ kind: 'error', text: 'The username or password is wrong.' });
 */
export function renderMessage(message: PageMessage | null): string {
  if (message === null) return '';
  const role = message.kind === 'error' ? 'alert' : 'status';
  return `<p class="message ${message.kind}" role="${role}">${escapeHtml(message.text)}</p>`;
}

/**
 * A whole page: `lang`, a viewport for phones, the style sheet and no script at all, so the
 * Content-Security-Policy can forbid every script. `body` is HTML the caller has escaped.
 *
 * @example
 * reply.type('text/html; charset=utf-8').send(renderPage('Sign in', form));
 */
export function renderPage(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)} · Tessera</title>`,
    `<link rel="stylesheet" href="${STYLE_PATH}">`,
    '</head>',
    '<body>',
    '<main>',
    body,
    '</main>',
    '</body>',
    '</html>',
  ].join('\n');
}
