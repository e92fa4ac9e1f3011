import { afterEach, describe, expect, it } from 'vitest';
import { CookieJar, readClaims } from '../support/browser.js';
import { ACCESS, browserLogin, CSRF, SAME_ORIGIN } from '../support/browser-session.js';
import {
  addUser,
  ISSUER,
  login,
  PASSWORD,
  ServerHarness,
  type StartOptions,
  type TestServer,
} from '../support/server-fixture.js';

// The CSRF rule (docs/browser.md) on every state-changing cookie request: Fetch Metadata,
// Origin, and the per-session token. Each refusal is checked to leave the state unchanged.

const harness = new ServerHarness();
afterEach(() => harness.cleanup());

interface Signed {
  readonly started: TestServer;
  readonly jar: CookieJar;
  readonly sid: string;
}

async function signedIn(options: StartOptions = {}): Promise<Signed> {
  const started = await harness.start(options);
  await addUser(started.server, 'alice');
  const jar = new CookieJar();
  expect((await browserLogin(started.url, jar)).status).toBe(204);
  return { started, jar, sid: String(readClaims(jar.get(ACCESS) ?? '')['sid']) };
}

async function isLive(signed: Signed): Promise<boolean> {
  const session = await signed.started.server.context.store.findSession(signed.sid);
  return session !== null && session.endedAt === null;
}

/** POST the "log out everywhere" form with the given headers and CSRF field. */
function logoutAll(
  signed: Signed,
  headers: Record<string, string>,
  csrf: string | null,
): Promise<Response> {
  const form = new URLSearchParams();
  if (csrf !== null) form.set('_csrf', csrf);
  return fetch(`${signed.started.url}/account/logout-all`, {
    method: 'POST',
    headers: {
      cookie: signed.jar.header(),
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body: form.toString(),
    redirect: 'manual',
  });
}

async function expectRefusedPage(response: Response, reason: RegExp): Promise<void> {
  expect(response.status).toBe(403);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await response.text();
  expect(html).toMatch(reason);
  expect(html).toContain('role="alert"');
}

describe('the CSRF rule on the account forms', () => {
  it('accepts a same-origin form with the session token (the control case)', async () => {
    const signed = await signedIn();
    const response = await logoutAll(signed, SAME_ORIGIN, signed.jar.get(CSRF) ?? '');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login?done=everywhere');
    expect(await isLive(signed)).toBe(false);
  });

  it('refuses Sec-Fetch-Site: cross-site', async () => {
    const signed = await signedIn();
    const csrf = signed.jar.get(CSRF) ?? '';
    const response = await logoutAll(
      signed,
      { 'sec-fetch-site': 'cross-site', origin: 'http://localhost:1234' },
      csrf,
    );
    await expectRefusedPage(response, /cross-site request/);
    expect(await isLive(signed)).toBe(true);
  });

  it('refuses Sec-Fetch-Site: same-site (another port or subdomain is another origin)', async () => {
    const signed = await signedIn();
    const response = await logoutAll(
      signed,
      { 'sec-fetch-site': 'same-site', origin: ISSUER },
      signed.jar.get(CSRF) ?? '',
    );
    await expectRefusedPage(response, /same-site request/);
    expect(await isLive(signed)).toBe(true);
  });

  it('refuses a request with neither Sec-Fetch-Site nor Origin', async () => {
    const signed = await signedIn();
    const response = await logoutAll(signed, {}, signed.jar.get(CSRF) ?? '');
    await expectRefusedPage(response, /neither Sec-Fetch-Site nor Origin/);
    expect(await isLive(signed)).toBe(true);
  });

  it('refuses an Origin that is not allowed, even with Sec-Fetch-Site: same-origin', async () => {
    const signed = await signedIn();
    const response = await logoutAll(
      signed,
      { 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.1:9' },
      signed.jar.get(CSRF) ?? '',
    );
    await expectRefusedPage(response, /origin that is not allowed/);
    expect(await isLive(signed)).toBe(true);
  });

  it('refuses a missing CSRF token', async () => {
    const signed = await signedIn();
    await expectRefusedPage(await logoutAll(signed, SAME_ORIGIN, null), /CSRF token is missing/);
    expect(await isLive(signed)).toBe(true);
  });

  it('refuses a wrong CSRF token, and the token of another session', async () => {
    const signed = await signedIn();
    await expectRefusedPage(
      await logoutAll(signed, SAME_ORIGIN, 'A'.repeat(43)),
      /does not match this session/,
    );
    const other = await fetch(`${signed.started.url}/auth/browser/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...SAME_ORIGIN },
      body: JSON.stringify({ username: 'alice', password: PASSWORD }),
    });
    const otherJar = new CookieJar();
    otherJar.take(other.headers);
    expect(otherJar.get(CSRF)).not.toBe(signed.jar.get(CSRF));
    await expectRefusedPage(
      await logoutAll(signed, SAME_ORIGIN, otherJar.get(CSRF) ?? ''),
      /does not match/,
    );
    expect(await isLive(signed)).toBe(true);
  });

  it('takes Origin: null (a no-referrer page posting to itself) only with Sec-Fetch-Site: same-origin', async () => {
    const signed = await signedIn();
    const csrf = signed.jar.get(CSRF) ?? '';
    await expectRefusedPage(await logoutAll(signed, { origin: 'null' }, csrf), /not allowed/);
    await expectRefusedPage(
      await logoutAll(signed, { origin: 'null', 'sec-fetch-site': 'cross-site' }, csrf),
      /cross-site/,
    );
    expect(await isLive(signed)).toBe(true);
    const own = await logoutAll(signed, { origin: 'null', 'sec-fetch-site': 'same-origin' }, csrf);
    expect(own.status).toBe(303);
    expect(await isLive(signed)).toBe(false);
  });

  it('accepts an older browser that sends Origin but no Sec-Fetch-Site', async () => {
    const signed = await signedIn();
    const response = await logoutAll(signed, { origin: ISSUER }, signed.jar.get(CSRF) ?? '');
    expect(response.status).toBe(303);
    expect(await isLive(signed)).toBe(false);
  });

  it('allows the --browser-origin origins besides the issuer', async () => {
    const signed = await signedIn({ flags: { browserOrigins: 'https://app.example.com' } });
    const response = await logoutAll(
      signed,
      { origin: 'https://app.example.com', 'sec-fetch-site': 'same-origin' },
      signed.jar.get(CSRF) ?? '',
    );
    expect(response.status).toBe(303);
    expect(await isLive(signed)).toBe(false);
  });

  it('does not take a bearer-mode token placed in the access cookie (no csh)', async () => {
    const signed = await signedIn();
    const bearer = await login(signed.started.url, 'alice');
    const jar = new CookieJar();
    jar.set(ACCESS, bearer.accessToken);
    const page = await fetch(`${signed.started.url}/account`, {
      headers: { cookie: jar.header() },
      redirect: 'manual',
    });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
  });
});

describe('the CSRF rule on the JSON endpoints', () => {
  function logout(signed: Signed, headers: Record<string, string>): Promise<Response> {
    return fetch(`${signed.started.url}/auth/browser/logout`, {
      method: 'POST',
      headers: { cookie: signed.jar.header(), ...headers },
    });
  }

  async function expectCsrfJson(response: Response): Promise<void> {
    expect(response.status).toBe(403);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body['error']).toBe('csrf_rejected');
    expect(body['error_description']).toEqual(expect.any(String));
  }

  it('refuses cross-site, same-site, a foreign Origin, no source, and a missing or wrong header token', async () => {
    const signed = await signedIn();
    const token = signed.jar.get(CSRF) ?? '';
    await expectCsrfJson(
      await logout(signed, { 'sec-fetch-site': 'cross-site', 'x-csrf-token': token }),
    );
    await expectCsrfJson(
      await logout(signed, { 'sec-fetch-site': 'same-site', 'x-csrf-token': token }),
    );
    await expectCsrfJson(
      await logout(signed, { origin: 'http://localhost', 'x-csrf-token': token }),
    );
    await expectCsrfJson(await logout(signed, { 'x-csrf-token': token }));
    await expectCsrfJson(await logout(signed, SAME_ORIGIN));
    await expectCsrfJson(await logout(signed, { ...SAME_ORIGIN, 'x-csrf-token': `${token}x` }));
    expect(await isLive(signed)).toBe(true);
    expect((await logout(signed, { ...SAME_ORIGIN, 'x-csrf-token': token })).status).toBe(204);
    expect(await isLive(signed)).toBe(false);
  });

  it('refuses a cross-site login (login CSRF) and sets no cookie', async () => {
    const { url, server } = await harness.start();
    await addUser(server, 'alice');
    const json = await fetch(`${url}/auth/browser/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'sec-fetch-site': 'cross-site',
        origin: 'http://localhost:8080',
      },
      body: JSON.stringify({ username: 'alice', password: PASSWORD }),
    });
    await expectCsrfJson(json);
    expect(json.headers.getSetCookie()).toEqual([]);
    const form = await fetch(`${url}/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://localhost:8080',
      },
      body: new URLSearchParams({ username: 'alice', password: PASSWORD }).toString(),
      redirect: 'manual',
    });
    expect(form.status).toBe(403);
    expect(form.headers.getSetCookie()).toEqual([]);
  });
});
