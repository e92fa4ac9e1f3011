import { afterEach, describe, expect, it } from 'vitest';
import { CookieJar, readClaims } from '../support/browser.js';
import {
  CSRF,
  expectSecurityHeaders,
  postPageForm,
  SAME_ORIGIN,
} from '../support/browser-session.js';
import {
  addUser,
  login,
  ManualClock,
  PASSWORD,
  refresh,
  ServerHarness,
  type TestServer,
} from '../support/server-fixture.js';

// The pages: security headers, no script, accessibility basics, clear login errors with
// throttling shown, the account page's facts, and the password change.

const harness = new ServerHarness();
afterEach(() => harness.cleanup());

const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

function postLoginForm(url: string, username: string, password: string): Promise<Response> {
  return fetch(`${url}/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': CHROME_LINUX,
      ...SAME_ORIGIN,
    },
    body: new URLSearchParams({ username, password }).toString(),
    redirect: 'manual',
  });
}

async function formLogin(url: string, password = PASSWORD): Promise<CookieJar> {
  const response = await postLoginForm(url, 'alice', password);
  expect(response.status).toBe(303);
  const jar = new CookieJar();
  jar.take(response.headers);
  return jar;
}

function account(url: string, jar: CookieJar): Promise<Response> {
  return fetch(`${url}/account`, { headers: { cookie: jar.header() }, redirect: 'manual' });
}

async function started(): Promise<TestServer> {
  const server = await harness.start({ clock: new ManualClock() });
  await addUser(server.server, 'alice');
  return server;
}

describe('pages', () => {
  it('serve /login with the security headers, no script, a label per field, lang and viewport', async () => {
    const { url } = await started();
    const response = await fetch(`${url}/login`);
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).not.toMatch(/<script|\son\w+=|javascript:/i);
    expect(html).toContain('<label for="username">');
    expect(html).toContain('<label for="password">');
    const css = await fetch(`${url}/static/tessera.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).toContain(':focus-visible');
    // The JSON API gets the headers too.
    expectSecurityHeaders(await fetch(`${url}/.well-known/jwks.json`));
  });

  it('serve /account with no-store and the headers, and send a visitor without a session to /login', async () => {
    const { url } = await started();
    const anonymous = await account(url, new CookieJar());
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/login');
    const page = await account(url, await formLogin(url));
    expect(page.status).toBe(200);
    expectSecurityHeaders(page);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).not.toMatch(/<script/i);
  });

  it('say clearly when the password is wrong, keep the username, and show throttling with its wait', async () => {
    const { url } = await started();
    const wrong = await postLoginForm(url, 'alice', 'not the password');
    expect(wrong.status).toBe(401);
    const html = await wrong.text();
    expect(html).toContain('The username or password is wrong.');
    expect(html).toContain('value="alice"');
    expect(html).not.toContain('not the password');
    for (let i = 0; i < 4; i++) await postLoginForm(url, 'alice', 'not the password');
    const throttled = await postLoginForm(url, 'alice', PASSWORD);
    expect(throttled.status).toBe(429);
    const seconds = Number(throttled.headers.get('retry-after'));
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(await throttled.text()).toContain(
      `Too many failed attempts. Try again in ${seconds} s.`,
    );
    expect(throttled.headers.getSetCookie()).toEqual([]);
  });

  it('show who you are and each session: device in plain words, IP, times and "This device"', async () => {
    const { url } = await started();
    const jar = await formLogin(url);
    await login(url, 'alice');
    const html = await (await account(url, jar)).text();
    expect(html).toContain('Signed in as alice');
    expect(html).toContain('Chrome on Linux');
    expect(html).toContain('Unknown device');
    expect(html).toContain('127.0.0.1');
    expect(html.match(/This device/g)?.length).toBe(1);
    expect(html).toMatch(/Last active<\/dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(html).toContain(`name="_csrf" value="${jar.get(CSRF) ?? 'missing'}"`);
  });

  it('escape what the store holds: a hostile username and user agent', async () => {
    const { url, server } = await started();
    await addUser(server, '<b>"x', PASSWORD);
    const login = await postLoginForm(url, '<b>"x', PASSWORD);
    expect(login.status).toBe(303);
    const jar = new CookieJar();
    jar.take(login.headers);
    await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': '<img src=x onerror=alert(1)>' },
      body: JSON.stringify({ username: '<b>"x', password: PASSWORD }),
    });
    const page = await account(url, jar);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Signed in as &lt;b&gt;&quot;x');
    expect(html).not.toContain('<b>"x');
    expect(html).not.toContain('<img src=x');
  });

  it('escape the username a failed login echoes back', async () => {
    const { url } = await started();
    const response = await postLoginForm(url, '"><b>', 'not the password');
    expect(response.status).toBe(401);
    const html = await response.text();
    expect(html).toContain('value="&quot;&gt;&lt;b&gt;"');
    expect(html).not.toContain('"><b>');
  });

  it('label each end-session button with its visible text first (WCAG 2.5.3)', async () => {
    const { url } = await started();
    const jar = await formLogin(url);
    await postLoginForm(url, 'alice', PASSWORD);
    const html = await (await account(url, jar)).text();
    expect(html).toContain('aria-label="End session: Chrome on Linux">End session</button>');
    expect(html).toContain('aria-label="Log out of this device">Log out</button>');
  });
});

describe('password change', () => {
  it('checks the current password and the policy, then ends every other session and keeps this one', async () => {
    const { url } = await started();
    const jar = await formLogin(url);
    const otherBrowser = await formLogin(url);
    const app = await login(url, 'alice');
    const next = 'an entirely new passphrase';

    const wrong = await postPageForm(url, '/account/password', jar, {
      current_password: 'wrong one',
      new_password: next,
      confirm_password: next,
    });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain('Your current password is not right.');

    const weak = await postPageForm(url, '/account/password', jar, {
      current_password: PASSWORD,
      new_password: 'short',
      confirm_password: 'short',
    });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain('at least 12 characters');

    const mismatch = await postPageForm(url, '/account/password', jar, {
      current_password: PASSWORD,
      new_password: next,
      confirm_password: `${next}!`,
    });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toContain('The two new passwords are not the same.');
    expect((await refresh(url, app.refreshToken)).status).toBe(200);

    const app2 = await login(url, 'alice');
    const changed = await postPageForm(url, '/account/password', jar, {
      current_password: PASSWORD,
      new_password: next,
      confirm_password: next,
    });
    expect(changed.status).toBe(303);
    expect(changed.headers.get('location')).toBe('/account?done=password');

    // This browser stays in; the other browser and the app are out.
    const page = await fetch(`${url}/account?done=password`, { headers: { cookie: jar.header() } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Every other session has ended.');
    const other = await account(url, otherBrowser);
    expect(other.status).toBe(303);
    expect(other.headers.get('location')).toBe('/login');
    expect((await refresh(url, app2.refreshToken)).status).toBe(400);
    // The new password works, the old one does not.
    expect((await postLoginForm(url, 'alice', next)).status).toBe(303);
    expect((await postLoginForm(url, 'alice', PASSWORD)).status).toBe(401);
  });

  it('throttles wrong current passwords like logins (429 with Retry-After), and forgets them after a success', async () => {
    const { url } = await started();
    const jar = await formLogin(url);
    const next = 'an entirely new passphrase';
    const attempt = (current: string): Promise<Response> =>
      postPageForm(url, '/account/password', jar, {
        current_password: current,
        new_password: next,
        confirm_password: next,
      });
    for (let i = 0; i < 4; i++) expect((await attempt('wrong one')).status).toBe(403);
    // Success resets the count: four more wrong ones are still only wrong, not throttled.
    expect((await attempt(PASSWORD)).status).toBe(303);
    const back = (current: string): Promise<Response> =>
      postPageForm(url, '/account/password', jar, {
        current_password: current,
        new_password: PASSWORD,
        confirm_password: PASSWORD,
      });
    for (let i = 0; i < 4; i++) expect((await back('wrong one')).status).toBe(403);
    expect((await back('wrong one')).status).toBe(403);
    const throttled = await back(next);
    expect(throttled.status).toBe(429);
    const seconds = Number(throttled.headers.get('retry-after'));
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(await throttled.text()).toContain(`Try again in ${seconds} s.`);
    // One counter per account and address: the login form is throttled with it.
    expect((await postLoginForm(url, 'alice', next)).status).toBe(429);
  });

  it('refuses a current password longer than a login would take, without hashing it', async () => {
    const { url } = await started();
    const jar = await formLogin(url);
    const next = 'an entirely new passphrase';
    const response = await postPageForm(url, '/account/password', jar, {
      current_password: 'x'.repeat(1025),
      new_password: next,
      confirm_password: next,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('That is too long to be valid.');
  });

  it('refuses a password change without the CSRF token', async () => {
    const { url } = await started();
    const jar = await formLogin(url);
    const response = await postPageForm(url, '/account/password', jar, {
      _csrf: '',
      current_password: PASSWORD,
      new_password: 'an entirely new passphrase',
      confirm_password: 'an entirely new passphrase',
    });
    expect(response.status).toBe(403);
    expect((await postLoginForm(url, 'alice', PASSWORD)).status).toBe(303);
  });

  it('logs out everywhere from the page', async () => {
    const { url } = await started();
    const jar = await formLogin(url);
    const app = await login(url, 'alice');
    const response = await postPageForm(url, '/account/logout-all', jar, {});
    expect(response.status).toBe(303);
    expect((await refresh(url, app.refreshToken)).status).toBe(400);
    expect((await account(url, jar)).status).toBe(303);
    expect(readClaims(app.accessToken)['sid']).toEqual(app.sessionId);
  });
});
