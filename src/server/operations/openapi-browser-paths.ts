import { json, ref } from './openapi-components.js';

/**
 * Cookie mode (docs/browser.md): the HTML pages and the JSON endpoints of a same-origin
 * single-page app. Tokens travel only in `__Host-` HttpOnly cookies; state-changing requests
 * pass the CSRF rule (Origin / Fetch Metadata, and the per-session token).
 */

const error = ref('schemas', 'Error');
const html = (description: string): object => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
});
const seeOther = (where: string): object => ({
  description: `Done: 303 See Other to ${where}.`,
  headers: { Location: { schema: { type: 'string' } } },
});
const cookieSession = [{ browserSession: [] }];
const csrfForm = {
  _csrf: { type: 'string', description: 'The per-session CSRF token the page carries.' },
};
const formBody = (properties: object, required: string[]): object => ({
  required: true,
  content: {
    'application/x-www-form-urlencoded': { schema: { type: 'object', required, properties } },
  },
});
const pageRefused = html(
  'The CSRF rule refused the request (403), or the session is gone (303 to /login).',
);

/** The paths of cookie mode. */
export const BROWSER_PATHS = {
  '/': {
    get: { summary: 'Redirect to the account page', responses: { '303': seeOther('/account') } },
  },
  '/static/tessera.css': {
    get: {
      summary: 'The style sheet of the pages',
      responses: {
        '200': { description: 'CSS.', content: { 'text/css': { schema: { type: 'string' } } } },
      },
    },
  },
  '/login': {
    get: {
      summary: 'The sign-in page (303 to /account when already signed in)',
      parameters: [{ name: 'done', in: 'query', schema: { type: 'string' } }],
      responses: { '200': html('The page.'), '303': seeOther('/account') },
    },
    post: {
      summary: 'Sign in from the page: sets the session cookies',
      requestBody: formBody(
        {
          username: { type: 'string', maxLength: 256 },
          password: { type: 'string', maxLength: 1024 },
        },
        ['username', 'password'],
      ),
      responses: {
        '303': seeOther('/account, with the session cookies set'),
        '400': html('A field is missing or too long.'),
        '401': html('The username or password is wrong.'),
        '403': html('Refused by the CSRF rule (login CSRF).'),
        '429': html('Too many failed sign-ins; wait for Retry-After.'),
      },
    },
  },
  '/logout': {
    post: {
      summary: 'Sign out from a page: ends the session and clears the cookies',
      security: cookieSession,
      requestBody: formBody(csrfForm, ['_csrf']),
      responses: { '303': seeOther('/login?done=logout'), '403': pageRefused },
    },
  },
  '/account': {
    get: {
      summary: 'The account page: sessions, sign out everywhere, change password',
      security: cookieSession,
      parameters: [{ name: 'done', in: 'query', schema: { type: 'string' } }],
      responses: { '200': html('The page.'), '303': seeOther('/login when signed out') },
    },
  },
  '/account/sessions/{id}/end': {
    post: {
      summary: 'End one of the user’s sessions from the account page',
      security: cookieSession,
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: formBody(csrfForm, ['_csrf']),
      responses: {
        '303': seeOther('/account (or /login when it was this session)'),
        '403': pageRefused,
      },
    },
  },
  '/account/logout-all': {
    post: {
      summary: 'End every session of the user from the account page',
      security: cookieSession,
      requestBody: formBody(csrfForm, ['_csrf']),
      responses: { '303': seeOther('/login?done=everywhere'), '403': pageRefused },
    },
  },
  '/account/password': {
    post: {
      summary: 'Change the password (other sessions end)',
      security: cookieSession,
      requestBody: formBody(
        {
          ...csrfForm,
          current_password: { type: 'string' },
          new_password: { type: 'string' },
          confirm_password: { type: 'string' },
        },
        ['_csrf', 'current_password', 'new_password', 'confirm_password'],
      ),
      responses: {
        '303': seeOther('/account?done=password'),
        '400': html(
          'A field is missing, the two new passwords differ, or the new one is too weak.',
        ),
        '401': html('The current password is wrong.'),
        '403': pageRefused,
      },
    },
  },
  '/auth/browser/login': {
    post: {
      summary: 'Sign in from a same-origin app: sets the session cookies, returns no token',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['username', 'password'],
              properties: { username: { type: 'string' }, password: { type: 'string' } },
            },
          },
        },
      },
      responses: {
        '204': { description: 'Signed in; cookies set.' },
        '400': ref('responses', 'BadRequest'),
        '401': json('`invalid_credentials`.', error),
        '403': json('`csrf_rejected`: the request came from another site.', error),
        '429': json('`too_many_attempts`; wait for Retry-After.', error),
      },
    },
  },
  '/auth/browser/session': {
    get: {
      summary: 'Who is signed in (refreshes the cookies when due)',
      security: cookieSession,
      responses: {
        '200': json('The session.', {
          type: 'object',
          required: ['user_id', 'username', 'session_id', 'expires_at'],
          properties: {
            user_id: { type: 'string' },
            username: { type: ['string', 'null'] },
            session_id: { type: 'string' },
            expires_at: { type: 'string', format: 'date-time' },
          },
        }),
        '401': json('`login_required`: no browser session.', error),
      },
    },
  },
  '/auth/browser/logout': {
    post: {
      summary: 'Sign out from a same-origin app (needs X-CSRF-Token)',
      security: cookieSession,
      parameters: [
        { name: 'X-CSRF-Token', in: 'header', required: true, schema: { type: 'string' } },
      ],
      responses: {
        '204': { description: 'Signed out; cookies cleared.' },
        '401': json('`login_required`: no browser session.', error),
        '403': json('`csrf_rejected`.', error),
      },
    },
  },
} as const;

/** The cookie scheme of cookie mode. */
export const BROWSER_SECURITY_SCHEME = {
  type: 'apiKey',
  in: 'cookie',
  name: '__Host-tessera-access',
  description:
    'Cookie mode: `__Host-tessera-access` (with `__Host-tessera-refresh`, `__Host-tessera-csrf` and `__Host-tessera-fgp`), HttpOnly, Secure, SameSite; see docs/browser.md.',
} as const;
