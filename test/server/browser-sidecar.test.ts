import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { readClaims, setCookies } from '../support/browser.js';
import {
  addUser,
  PASSWORD,
  postJson,
  refresh,
  ServerHarness,
  stringField,
} from '../support/server-fixture.js';

// The OWASP token sidecar on POST /auth/login (docs/browser.md): an HttpOnly __Host- cookie
// holds a fingerprint, every access token of the session carries its SHA-256 as fgp.

const harness = new ServerHarness();
afterEach(() => harness.cleanup());

const FGP = '__Host-tessera-fgp';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

describe('token sidecar', () => {
  it('sets the fingerprint cookie and puts its hash in this and every later access token', async () => {
    const { url, server } = await harness.start();
    await addUser(server, 'alice');
    const response = await postJson(`${url}/auth/login`, {
      username: 'alice',
      password: PASSWORD,
      fingerprint_cookie: true,
    });
    expect(response.status).toBe(200);
    const cookie = setCookies(response.headers).find((c) => c.name === FGP);
    expect(cookie).toBeDefined();
    expect(cookie?.attributes.get('httponly')).toBe(true);
    expect(cookie?.attributes.get('secure')).toBe(true);
    expect(cookie?.attributes.get('path')).toBe('/');
    expect(cookie?.attributes.get('samesite')).toBe('Strict');
    expect(Number(cookie?.attributes.get('max-age'))).toBeGreaterThan(30 * 86_400 - 5);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const fingerprint = cookie?.value ?? '';
    expect(fingerprint).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The body still carries the tokens (the SPA holds them), never the fingerprint.
    const access = stringField(response.body, 'access_token');
    expect(response.text).not.toContain(fingerprint);
    expect(readClaims(access)['fgp']).toBe(sha256(fingerprint));
    expect(readClaims(access)['csh']).toBeUndefined();
    const sid = stringField(response.body, 'session_id');
    expect((await server.context.store.findSession(sid))?.browserBinding).toBe('fingerprint');

    const refreshed = await refresh(url, stringField(response.body, 'refresh_token'));
    expect(refreshed.status).toBe(200);
    expect(readClaims(stringField(refreshed.body, 'access_token'))['fgp']).toBe(
      sha256(fingerprint),
    );
  });

  it('gives each session its own fingerprint, and none without fingerprint_cookie', async () => {
    const { url, server } = await harness.start();
    await addUser(server, 'alice');
    const body = { username: 'alice', password: PASSWORD, fingerprint_cookie: true };
    const first = await postJson(`${url}/auth/login`, body);
    const second = await postJson(`${url}/auth/login`, body);
    const value = (r: typeof first) => setCookies(r.headers).find((c) => c.name === FGP)?.value;
    expect(value(first)).not.toBe(value(second));

    const plain = await postJson(`${url}/auth/login`, { username: 'alice', password: PASSWORD });
    expect(plain.headers.getSetCookie()).toEqual([]);
    expect(readClaims(stringField(plain.body, 'access_token'))['fgp']).toBeUndefined();

    const bad = await postJson(`${url}/auth/login`, { ...body, fingerprint_cookie: 'yes' });
    expect(bad.status).toBe(400);
  });
});
