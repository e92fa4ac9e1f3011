import { afterEach, describe, expect, it } from 'vitest';
import { hashOpaqueToken } from '../../src/token/opaque-token.js';
import { CookieJar, readClaims, setCookies } from '../support/browser.js';
import { ACCESS, browserLogin, CSRF, REFRESH } from '../support/browser-session.js';
import {
  addUser,
  ManualClock,
  postForm,
  refresh,
  ServerHarness,
  waitFor,
  type StartOptions,
  type TestServer,
} from '../support/server-fixture.js';

// When the pages refresh transparently and when they must not: never around a revoked access
// token, never while revocations are stale (and then without spending the refresh token),
// never for a cross-site POST; and a cross-site GET that brings only the Lax access cookie
// does not clear the Strict cookies it never carried.

const harness = new ServerHarness();
afterEach(() => harness.cleanup());

const EXPIRED = 901_000;

interface Signed {
  readonly started: TestServer;
  readonly clock: ManualClock;
  readonly jar: CookieJar;
  readonly sid: string;
}

async function signedIn(options: StartOptions = {}): Promise<Signed> {
  const clock = new ManualClock();
  const started = await harness.start({
    clock,
    ...options,
    flags: { clockToleranceSeconds: '0', ...options.flags },
  });
  await addUser(started.server, 'alice');
  const jar = new CookieJar();
  expect((await browserLogin(started.url, jar)).status).toBe(204);
  return { started, clock, jar, sid: String(readClaims(jar.get(ACCESS) ?? '')['sid']) };
}

function get(url: string, cookie: string): Promise<Response> {
  return fetch(url, { headers: { cookie }, redirect: 'manual' });
}

/** Whether this refresh token is still unspent in the store (never rotated). */
async function unspent(signed: Signed, refreshToken: string): Promise<boolean> {
  const record = await signed.started.server.context.store.findRefreshToken(
    hashOpaqueToken(refreshToken),
  );
  return record !== null && record.spentAt === null;
}

async function isLive(signed: Signed): Promise<boolean> {
  const session = await signed.started.server.context.store.findSession(signed.sid);
  return session !== null && session.endedAt === null;
}

describe('transparent refresh during a revocation outage', () => {
  it('spends no refresh token while stale, and the session works once revocations are current', async () => {
    let failing = false;
    const signed = await signedIn({
      flags: { maxStalenessSeconds: '1' },
      hooks: {
        revocationPolling: { intervalMs: 100 },
        wrapRevocationLog: (log) => ({
          revocationsAfter: (cursor, limit, now) =>
            failing
              ? Promise.reject(new Error('log unreadable (test)'))
              : log.revocationsAfter(cursor, limit, now),
        }),
      },
    });
    const { url } = signed.started;
    const health = async (): Promise<number> => (await fetch(`${url}/healthz`)).status;
    const refreshToken = signed.jar.get(REFRESH) ?? '';
    signed.clock.advance(EXPIRED);

    failing = true;
    await waitFor('revocations to go stale', async () => (await health()) === 503, 5000, 50);
    const during = await get(`${url}/account`, signed.jar.header());
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');
    expect(during.headers.getSetCookie()).toEqual([]);
    expect(await unspent(signed, refreshToken)).toBe(true);

    // Well past the refresh grace window: a token spent during the outage would now count
    // as reuse and end the session.
    signed.clock.advance(60_000);
    failing = false;
    await waitFor('revocations to be current', async () => (await health()) === 200, 5000, 50);
    const after = await get(`${url}/account`, signed.jar.header());
    expect(after.status).toBe(200);
    expect(await isLive(signed)).toBe(true);
  }, 20_000);
});

describe('a refused access cookie is not refreshed around', () => {
  it('sends a revoked access token (jti) to /login, ends its session, and rotates nothing', async () => {
    const signed = await signedIn();
    const { url } = signed.started;
    const refreshToken = signed.jar.get(REFRESH) ?? '';
    const revoked = await postForm(`${url}/oauth/revoke`, {
      token: signed.jar.get(ACCESS) ?? '',
      client_id: 'tessera',
    });
    expect(revoked.status).toBe(200);

    const page = await get(`${url}/account`, signed.jar.header());
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
    const set = setCookies(page.headers);
    expect(set.map((c) => c.name).sort()).toEqual([ACCESS, CSRF, REFRESH].sort());
    for (const c of set) expect(c.attributes.get('max-age')).toBe('0');
    expect(await unspent(signed, refreshToken)).toBe(true);
    expect(await isLive(signed)).toBe(false);
    expect((await refresh(url, refreshToken)).status).toBe(400);
  });

  it('does the same on the JSON session endpoint', async () => {
    const signed = await signedIn();
    const { url } = signed.started;
    const refreshToken = signed.jar.get(REFRESH) ?? '';
    await postForm(`${url}/oauth/revoke`, {
      token: signed.jar.get(ACCESS) ?? '',
      client_id: 'tessera',
    });
    const response = await get(`${url}/auth/browser/session`, signed.jar.header());
    expect(response.status).toBe(401);
    expect(await unspent(signed, refreshToken)).toBe(true);
    expect(await isLive(signed)).toBe(false);
  });

  it('does not refresh around a forged access cookie either (the session itself stays)', async () => {
    const signed = await signedIn();
    const { url } = signed.started;
    const refreshToken = signed.jar.get(REFRESH) ?? '';
    const [header = '', payload = ''] = (signed.jar.get(ACCESS) ?? '').split('.');
    const forged = signed.jar.clone();
    forged.set(ACCESS, `${header}.${payload}.${'A'.repeat(86)}`);
    const page = await get(`${url}/account`, forged.header());
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
    expect(await unspent(signed, refreshToken)).toBe(true);
    expect(await isLive(signed)).toBe(true);
  });
});

describe('a request that carries only the access cookie (a cross-site top-level GET)', () => {
  it('goes to /login clearing only the access cookie, and the Strict cookies still work after', async () => {
    const signed = await signedIn();
    const { url } = signed.started;
    const refreshToken = signed.jar.get(REFRESH) ?? '';
    signed.clock.advance(EXPIRED);

    const page = await get(`${url}/account`, `${ACCESS}=${signed.jar.get(ACCESS) ?? ''}`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
    const set = setCookies(page.headers);
    expect(set.map((c) => c.name)).toEqual([ACCESS]);
    expect(set[0]?.attributes.get('max-age')).toBe('0');
    expect(await unspent(signed, refreshToken)).toBe(true);

    // Back on the site itself, the browser sends the refresh cookie, and the session goes on.
    signed.jar.take(page.headers);
    const own = await get(`${url}/account`, signed.jar.header());
    expect(own.status).toBe(200);
    expect(await isLive(signed)).toBe(true);
  });

  it('clears only the access cookie on the JSON session endpoint too', async () => {
    const signed = await signedIn();
    signed.clock.advance(EXPIRED);
    const response = await get(
      `${signed.started.url}/auth/browser/session`,
      `${ACCESS}=${signed.jar.get(ACCESS) ?? ''}`,
    );
    expect(response.status).toBe(401);
    expect(setCookies(response.headers).map((c) => c.name)).toEqual([ACCESS]);
  });
});

describe('an expired access cookie and a state-changing request from elsewhere', () => {
  it('is refused with 403 before the refresh token is spent', async () => {
    const signed = await signedIn();
    const { url } = signed.started;
    const refreshToken = signed.jar.get(REFRESH) ?? '';
    signed.clock.advance(EXPIRED);
    for (const source of [
      { 'sec-fetch-site': 'cross-site', origin: 'http://localhost:9' },
      { 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:9' },
    ]) {
      const response = await fetch(`${url}/account/logout-all`, {
        method: 'POST',
        headers: {
          cookie: signed.jar.header(),
          'content-type': 'application/x-www-form-urlencoded',
          ...source,
        },
        body: new URLSearchParams({ _csrf: signed.jar.get(CSRF) ?? '' }).toString(),
        redirect: 'manual',
      });
      expect(response.status).toBe(403);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    expect(await unspent(signed, refreshToken)).toBe(true);
    expect(await isLive(signed)).toBe(true);
  });
});
