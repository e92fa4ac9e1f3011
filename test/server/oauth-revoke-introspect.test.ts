import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addClient,
  addUser,
  basic,
  ISSUER,
  login,
  postForm,
  refresh,
  ServerHarness,
  stringField,
  withBearer,
  type JsonResponse,
} from '../support/server-fixture.js';

// /oauth/revoke (RFC 7009) and /oauth/introspect (RFC 7662).

const harness = new ServerHarness();
let url = '';
let secret = '';
let userId = '';

beforeEach(async () => {
  const { server, url: base } = await harness.start();
  url = base;
  secret = (await addClient(server, 'api', { scopes: [] })) ?? '';
  await addClient(server, 'spa', { isPublic: true });
  userId = await addUser(server, 'alice');
});
afterEach(() => harness.cleanup());

const revoke = (params: Record<string, string>, headers: Record<string, string> = {}) =>
  postForm(`${url}/oauth/revoke`, params, headers);
const introspect = (tokenValue: string, headers: Record<string, string> = basic('api', secret)) =>
  postForm(`${url}/oauth/introspect`, { token: tokenValue }, headers);
const sessionsWith = (accessToken: string) => withBearer(`${url}/auth/sessions`, accessToken);

function expectRevokedToken(response: JsonResponse): void {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
}

describe('POST /oauth/revoke', () => {
  it('revoking a refresh token ends its session and every token of it', async () => {
    const tokens = await login(url, 'alice');
    const other = await login(url, 'alice');

    const response = await revoke({ token: tokens.refreshToken, client_id: 'tessera' });

    expect(response.status).toBe(200);
    expect(response.text).toBe('');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect((await refresh(url, tokens.refreshToken)).body['error']).toBe('invalid_grant');
    expectRevokedToken(await sessionsWith(tokens.accessToken));
    // Only that session: the user's other login goes on.
    expect((await sessionsWith(other.accessToken)).status).toBe(200);
  });

  it('revoking an access token kills that token only', async () => {
    const tokens = await login(url, 'alice');

    const response = await revoke({
      token: tokens.accessToken,
      token_type_hint: 'access_token',
      client_id: 'tessera',
    });

    expect(response.status).toBe(200);
    const rejected = await sessionsWith(tokens.accessToken);
    expectRevokedToken(rejected);
    expect(rejected.body['error_description']).toBe('the token has been revoked');
    // The session lives on: its refresh token still yields a working access token.
    const refreshed = await refresh(url, tokens.refreshToken);
    expect(refreshed.status).toBe(200);
    expect((await sessionsWith(stringField(refreshed.body, 'access_token'))).status).toBe(200);
  });

  it.each([
    ['an unknown opaque token', 'x'.repeat(43)],
    ['a garbage JWT', 'a.b.c'],
    ['an empty-looking token', '.'],
  ])('answers 200 for %s (RFC 7009 §2.2)', async (_name, value) => {
    const response = await revoke({ token: value, client_id: 'tessera' });
    expect(response.status).toBe(200);
  });

  it('ignores tokens of another client', async () => {
    const tokens = await login(url, 'alice');
    expect((await revoke({ token: tokens.accessToken }, basic('api', secret))).status).toBe(200);
    expect((await revoke({ token: tokens.refreshToken, client_id: 'spa' })).status).toBe(200);
    expect((await sessionsWith(tokens.accessToken)).status).toBe(200);
    expect((await refresh(url, tokens.refreshToken)).status).toBe(200);
  });

  it('needs a token and an authenticated client', async () => {
    const missing = await revoke({ client_id: 'tessera' });
    expect(missing.status).toBe(400);
    expect(missing.body['error']).toBe('invalid_request');
    const anonymous = await revoke({ token: 'x' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body['error']).toBe('invalid_client');
    const wrongSecret = await revoke({ token: 'x' }, basic('api', 'nope'));
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.headers.get('www-authenticate')).toMatch(/^Basic /);
  });
});

describe('POST /oauth/introspect', () => {
  it('answers only confidential clients', async () => {
    const tokens = await login(url, 'alice');
    const attempts: Record<string, string>[] = [
      {},
      { client_id: 'tessera' },
      { client_id: 'spa' },
      { client_id: 'api', client_secret: 'wrong' },
    ];
    for (const client of attempts) {
      const response = await postForm(`${url}/oauth/introspect`, {
        token: tokens.accessToken,
        ...client,
      });
      expect(response.status).toBe(401);
      expect(response.body['error']).toBe('invalid_client');
      expect(response.body).not.toHaveProperty('active');
    }
  });

  it('describes an active access token with its claims', async () => {
    const tokens = await login(url, 'alice');
    const response = await introspect(tokens.accessToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toMatchObject({
      active: true,
      token_type: 'access_token',
      iss: ISSUER,
      aud: ISSUER,
      sub: userId,
      sid: tokens.sessionId,
      client_id: 'tessera',
      jti: expect.any(String) as unknown,
      exp: expect.any(Number) as unknown,
      iat: expect.any(Number) as unknown,
    });
    // Client secret post works as well as Basic.
    const posted = await postForm(`${url}/oauth/introspect`, {
      token: tokens.accessToken,
      client_id: 'api',
      client_secret: secret,
    });
    expect(posted.body['active']).toBe(true);
  });

  it('answers {active: false} for a revoked, logged-out or garbage access token', async () => {
    const revoked = await login(url, 'alice');
    await revoke({ token: revoked.accessToken, client_id: 'tessera' });
    const loggedOut = await login(url, 'alice');
    expect((await withBearer(`${url}/auth/logout`, loggedOut.accessToken, 'POST')).status).toBe(
      204,
    );
    const [header = '', payload = ''] = revoked.accessToken.split('.');
    for (const value of [
      revoked.accessToken,
      loggedOut.accessToken,
      'garbage.token.value',
      `${header}.${payload}.AAAA`,
    ]) {
      const response = await introspect(value);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ active: false });
    }
  });

  it('describes a live refresh token, and calls it inactive once spent', async () => {
    const tokens = await login(url, 'alice');
    const live = await introspect(tokens.refreshToken);
    expect(live.body).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      client_id: 'tessera',
      sub: userId,
      sid: tokens.sessionId,
      iss: ISSUER,
    });
    const { iat, exp } = live.body;
    expect(typeof iat === 'number' && typeof exp === 'number' && exp > iat).toBe(true);

    const rotated = await refresh(url, tokens.refreshToken);
    expect((await introspect(tokens.refreshToken)).body).toEqual({ active: false });
    const successor = stringField(rotated.body, 'refresh_token');
    expect((await introspect(successor)).body['active']).toBe(true);

    await revoke({ token: successor, client_id: 'tessera' });
    expect((await introspect(successor)).body).toEqual({ active: false });
    expect((await introspect('y'.repeat(43))).body).toEqual({ active: false });
  });
});
