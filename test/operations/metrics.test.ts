import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/start-server.js';
import { CookieJar } from '../support/browser.js';
import {
  addClient,
  ISSUER,
  addUser,
  basic,
  login,
  PASSWORD,
  postForm,
  postJson,
  refresh,
  stringField,
  withBearer,
} from '../support/server-fixture.js';
import { METRICS_TOKEN, OperationsHarness, parseMetrics } from './operations-fixture.js';

// /metrics: off without a token, refused with a wrong one, and every counter it exposes moves
// after the real requests that should move it.

const REFRESH_COOKIE = '__Host-tessera-refresh';

const harness = new OperationsHarness();
let server: RunningServer;
let url = '';

beforeAll(async () => {
  server = await harness.start({ metricsToken: METRICS_TOKEN });
  url = server.url;
  await addUser(server, 'alice');
  await addUser(server, 'bob');
});
afterAll(() => harness.cleanup());

async function scrape(): Promise<Map<string, number>> {
  const response = await fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await response.text());
}

/** The change of every series between two scrapes. */
function delta(before: Map<string, number>, after: Map<string, number>, name: string): number {
  return (after.get(name) ?? 0) - (before.get(name) ?? 0);
}

describe('access to /metrics', () => {
  it('is not served without a configured token', async () => {
    const other = await harness.start();
    const response = await fetch(`${other.url}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('tessera_');
  });

  it('refuses a missing or wrong token', async () => {
    for (const headers of [
      {},
      { authorization: `Bearer ${METRICS_TOKEN}x` },
      { authorization: METRICS_TOKEN },
    ]) {
      const response = await fetch(`${url}/metrics`, { headers });
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain('tessera_');
    }
  });

  it('refuses a metrics token shorter than 32 characters at start', async () => {
    await expect(harness.start({ metricsToken: 'short' })).rejects.toThrow(/at least 32/);
  });
});

describe('counters move after real requests', () => {
  it('counts logins by outcome', async () => {
    const before = await scrape();
    await login(url, 'alice');
    await postJson(`${url}/auth/login`, { username: 'alice', password: 'wrong password here' });
    await postJson(`${url}/auth/login`, { username: 'nobody', password: PASSWORD });
    const after = await scrape();
    expect(delta(before, after, 'tessera_logins_total{outcome="success"}')).toBe(1);
    expect(delta(before, after, 'tessera_logins_total{outcome="invalid_credentials"}')).toBe(2);
  });

  it('counts throttled logins', async () => {
    const before = await scrape();
    let throttled = 0;
    for (let i = 0; i < 30 && throttled === 0; i++) {
      const response = await postJson(`${url}/auth/login`, {
        username: 'bob',
        password: `bad ${i} guess`,
      });
      if (response.status === 429) throttled++;
    }
    expect(throttled).toBe(1);
    const after = await scrape();
    expect(delta(before, after, 'tessera_logins_total{outcome="throttled"}')).toBe(1);
  });

  it('counts refreshes, failures, reuse detection and the sid revocation it causes', async () => {
    const tokens = await login(url, 'alice');
    const before = await scrape();
    const first = await refresh(url, tokens.refreshToken);
    expect(first.status).toBe(200);
    expect((await refresh(url, 'not-a-refresh-token')).status).toBe(400);
    // Past the grace window? The default grace is 10 s: a reuse within it gets the same
    // successor, so spend the successor first, then present the first token's successor's parent.
    const second = await refresh(url, stringField(first.body, 'refresh_token'));
    expect(second.status).toBe(200);
    const reuse = await refresh(url, tokens.refreshToken);
    expect(reuse.status).toBe(400);
    const after = await scrape();
    expect(delta(before, after, 'tessera_refreshes_total{outcome="ok"}')).toBe(2);
    expect(delta(before, after, 'tessera_refreshes_total{outcome="failed"}')).toBe(2);
    expect(delta(before, after, 'tessera_refresh_reuse_detected_total')).toBe(1);
    expect(delta(before, after, 'tessera_revocations_total{kind="sid"}')).toBe(1);
    // A second presentation of the spent token is refused but is no new detection.
    expect((await refresh(url, tokens.refreshToken)).status).toBe(400);
    const later = await scrape();
    expect(delta(after, later, 'tessera_refresh_reuse_detected_total')).toBe(0);
  });

  it('counts cookie-mode refreshes and the reuse that ends a browser session', async () => {
    // No grace window, so presenting the spent refresh cookie again is reuse at once.
    const browser = await harness.start({
      metricsToken: METRICS_TOKEN,
      flags: { refreshGraceSeconds: '0' },
    });
    await addUser(browser, 'carol');
    const login = await fetch(`${browser.url}/auth/browser/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: ISSUER,
        'sec-fetch-site': 'same-origin',
      },
      body: JSON.stringify({ username: 'carol', password: PASSWORD }),
    });
    expect(login.status).toBe(204);
    const jar = new CookieJar();
    jar.take(login.headers);
    const spent = jar.get(REFRESH_COOKIE) ?? '';
    const scrapeBrowser = async (): Promise<Map<string, number>> =>
      parseMetrics(
        await (
          await fetch(`${browser.url}/metrics`, {
            headers: { authorization: `Bearer ${METRICS_TOKEN}` },
          })
        ).text(),
      );
    const before = await scrapeBrowser();
    // Only the refresh cookie: the page refreshes transparently (a rotation).
    const rotated = await fetch(`${browser.url}/account`, {
      headers: { cookie: `${REFRESH_COOKIE}=${spent}` },
      redirect: 'manual',
    });
    expect(rotated.status).toBe(200);
    const middle = await scrapeBrowser();
    expect(delta(before, middle, 'tessera_refreshes_total{outcome="ok"}')).toBe(1);
    expect(delta(before, middle, 'tessera_refreshes_total{outcome="failed"}')).toBe(0);
    // The spent refresh cookie again: reuse, and the session ends everywhere.
    const reused = await fetch(`${browser.url}/account`, {
      headers: { cookie: `${REFRESH_COOKIE}=${spent}` },
      redirect: 'manual',
    });
    expect(reused.status).not.toBe(200);
    const after = await scrapeBrowser();
    expect(delta(middle, after, 'tessera_refreshes_total{outcome="failed"}')).toBe(1);
    expect(delta(middle, after, 'tessera_refresh_reuse_detected_total')).toBe(1);
    expect(delta(middle, after, 'tessera_revocations_total{kind="sid"}')).toBe(1);
  });

  it('counts revocations by kind and shows the denylist size', async () => {
    const secret = (await addClient(server, 'svc', { scopes: ['read'] })) ?? '';
    const before = await scrape();
    const issued = await postForm(
      `${url}/oauth/token`,
      { grant_type: 'client_credentials' },
      basic('svc', secret),
    );
    const access = stringField(issued.body, 'access_token');
    expect(
      (await postForm(`${url}/oauth/revoke`, { token: access }, basic('svc', secret))).status,
    ).toBe(200);
    const tokens = await login(url, 'alice');
    expect((await withBearer(`${url}/auth/logout-all`, tokens.accessToken, 'POST')).status).toBe(
      204,
    );
    const after = await scrape();
    expect(delta(before, after, 'tessera_revocations_total{kind="jti"}')).toBe(1);
    expect(delta(before, after, 'tessera_revocations_total{kind="sub"}')).toBe(1);
    expect(delta(before, after, 'tessera_denylist_entries{kind="jti"}')).toBe(1);
    expect(
      delta(
        before,
        after,
        'tessera_token_grants_total{grant_type="client_credentials",outcome="ok"}',
      ),
    ).toBe(1);
    expect(after.get('tessera_denylist_entries{kind="jti"}')).toBe(
      server.context.denylist.sizes().jti,
    );
  });

  it('counts a key revocation (kind kid), as a key revoked by `tessera keys revoke` is', async () => {
    const before = await scrape();
    const now = Date.now();
    // A kid no token was signed with, so the server's own key stays usable for other tests.
    await server.context.store.appendRevocation(
      { kind: 'kid', value: 'retired-key-for-metrics', at: now, expiresAt: now + 3_600_000 },
      {
        at: now,
        type: 'key.revoked',
        userId: null,
        sessionId: null,
        clientId: null,
        ip: null,
        detail: {},
      },
    );
    await server.context.afterRevocation();
    const after = await scrape();
    expect(delta(before, after, 'tessera_revocations_total{kind="kid"}')).toBe(1);
    expect(delta(before, after, 'tessera_denylist_entries{kind="kid"}')).toBe(1);
    for (const kind of ['jti', 'sid', 'sub'])
      expect(delta(before, after, `tessera_revocations_total{kind="${kind}"}`)).toBe(0);
  });

  it('counts verify failures on bearer routes by code', async () => {
    const tokens = await login(url, 'alice');
    const before = await scrape();
    await withBearer(`${url}/auth/sessions`, 'not.a.jwt');
    await withBearer(`${url}/auth/sessions`, `${tokens.accessToken.slice(0, -4)}AAAA`);
    await fetch(`${url}/auth/sessions`);
    await withBearer(`${url}/auth/logout`, tokens.accessToken, 'POST');
    // The session is over: its token is revoked (sid) and refused as such.
    await withBearer(`${url}/auth/sessions`, tokens.accessToken);
    const after = await scrape();
    const failures = (code: string) =>
      delta(before, after, `tessera_token_verify_failures_total{code="${code}"}`);
    expect(failures('ERR_JWS_MALFORMED') + failures('ERR_JWS_HEADER_INVALID')).toBe(1);
    expect(failures('ERR_JWS_SIGNATURE_INVALID')).toBe(1);
    expect(failures('missing_token')).toBe(1);
    expect(failures('ERR_JWT_REVOKED')).toBe(1);
  });

  it('reports revocation freshness and process metrics', async () => {
    const values = await scrape();
    expect(values.get('tessera_revocation_fresh')).toBe(1);
    const staleness = values.get('tessera_revocation_staleness_seconds') ?? Number.NaN;
    expect(staleness).toBeGreaterThanOrEqual(0);
    expect(staleness).toBeLessThan(30);
    expect(values.get('tessera_revocation_max_staleness_seconds')).toBe(30);
    expect(values.get('tessera_revocation_cursor')).toBe(server.context.follower.cursor);
    expect(values.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    // Every login outcome is there from the first scrape, at zero if need be.
    for (const outcome of ['success', 'invalid_credentials', 'throttled', 'error'])
      expect(values.has(`tessera_logins_total{outcome="${outcome}"}`), outcome).toBe(true);
    expect(
      values.get('tessera_http_requests_total{method="POST",route="/auth/login",status="200"}'),
    ).toBeGreaterThan(0);
  });
});

describe('request ids', () => {
  it('makes a new id for every request from a peer that is not a trusted proxy', async () => {
    // The default server trusts no proxy: a client must not name its request in our logs.
    const given = await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'abc-123.x' } });
    expect(given.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const made = await fetch(`${url}/healthz`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps a trusted proxy's well-formed X-Request-Id and makes one otherwise", async () => {
    for (const trustProxy of ['127.0.0.1', '127.0.0.0/8', 'loopback']) {
      const proxied = await harness.start({ flags: { trustProxy } });
      const given = await fetch(`${proxied.url}/healthz`, {
        headers: { 'x-request-id': 'abc-123.x' },
      });
      expect(given.headers.get('x-request-id'), trustProxy).toBe('abc-123.x');
      for (const bad of ['a b', 'x'.repeat(65), 'a"b', 'a\tb']) {
        const response = await fetch(`${proxied.url}/nowhere`, {
          headers: { 'x-request-id': bad },
        });
        expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      }
    }
    // A proxy is trusted by its address: another one is a client like any other.
    const elsewhere = await harness.start({ flags: { trustProxy: '10.0.0.1' } });
    const given = await fetch(`${elsewhere.url}/healthz`, {
      headers: { 'x-request-id': 'abc-123.x' },
    });
    expect(given.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
