import { afterEach, describe, expect, it } from 'vitest';
import {
  addClient,
  addUser,
  basic,
  countRefreshTokens,
  login,
  ManualClock,
  postForm,
  refresh,
  ServerHarness,
  stringField,
  verifyWithJose,
  withBearer,
  type JsonResponse,
  type StartOptions,
  type TestServer,
} from '../support/server-fixture.js';

// grant_type=refresh_token: rotation, reuse detection that ends the session (DESIGN.md
// invariant 2), the grace window for concurrent refreshes, and the client binding.

const harness = new ServerHarness();
afterEach(() => harness.cleanup());

async function serverWithAlice(options: StartOptions = {}): Promise<TestServer> {
  const started = await harness.start(options);
  await addUser(started.server, 'alice');
  return started;
}

function expectInvalidGrant(response: JsonResponse): void {
  expect(response.status).toBe(400);
  expect(response.body).toEqual({
    error: 'invalid_grant',
    error_description: expect.any(String) as unknown,
  });
  expect(response.headers.get('cache-control')).toBe('no-store');
}

/** The access token is refused by the server with an RFC 6750 invalid_token challenge. */
async function expectRejected(url: string, accessToken: string): Promise<void> {
  const response = await withBearer(`${url}/auth/sessions`, accessToken);
  expect(response.status).toBe(401);
  expect(response.body['error']).toBe('invalid_token');
  const challenge = response.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer /);
  expect(challenge).toContain('error="invalid_token"');
}

async function expectAccepted(url: string, accessToken: string): Promise<void> {
  expect((await withBearer(`${url}/auth/sessions`, accessToken)).status).toBe(200);
}

describe('refresh token rotation', () => {
  it('returns new tokens and a new refresh token, bound to the same session', async () => {
    const { server, url } = await serverWithAlice();
    const tokens = await login(url, 'alice');

    const response = await refresh(url, tokens.refreshToken);

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(response.body).sort()).toEqual([
      'access_token',
      'expires_in',
      'refresh_token',
      'refresh_token_expires_in',
      'token_type',
    ]);
    expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const next = stringField(response.body, 'refresh_token');
    expect(next).not.toBe(tokens.refreshToken);
    const accessToken = stringField(response.body, 'access_token');
    const { payload } = await verifyWithJose(url, accessToken);
    expect(payload.sid).toBe(tokens.sessionId);
    await expectAccepted(url, accessToken);
    expect(countRefreshTokens(server, tokens.sessionId)).toEqual({
      unspent: 1,
      live: 1,
      sessionEnded: false,
    });
    // The chain goes on.
    expect((await refresh(url, next)).status).toBe(200);
  });

  it('treats a spent token presented outside the grace window as theft: the session ends', async () => {
    const { server, url } = await serverWithAlice({ flags: { refreshGraceSeconds: '0' } });
    const tokens = await login(url, 'alice');
    const rotated = await refresh(url, tokens.refreshToken);
    expect(rotated.status).toBe(200);
    const newAccess = stringField(rotated.body, 'access_token');
    await expectAccepted(url, newAccess);

    expectInvalidGrant(await refresh(url, tokens.refreshToken));

    // Every token of the session dies: the first access token, the one from the rotation,
    // and the successor refresh token the thief (or the user) still holds.
    await expectRejected(url, tokens.accessToken);
    await expectRejected(url, newAccess);
    expectInvalidGrant(await refresh(url, stringField(rotated.body, 'refresh_token')));
    expect(countRefreshTokens(server, tokens.sessionId)).toMatchObject({
      live: 0,
      sessionEnded: true,
    });
    const session = await server.context.store.findSession(tokens.sessionId);
    expect(session?.endReason).toBe('refresh_reuse');
  });

  it('hands out the same successor within the grace window and ends the session after it', async () => {
    const clock = new ManualClock();
    const { url } = await serverWithAlice({ clock });
    const tokens = await login(url, 'alice');
    const first = await refresh(url, tokens.refreshToken);
    const successor = stringField(first.body, 'refresh_token');

    clock.advance(9_000);
    const again = await refresh(url, tokens.refreshToken);
    expect(again.status).toBe(200);
    expect(again.body['refresh_token']).toBe(successor);

    clock.advance(1_001); // 10.001 s after the first use: past the 10 s window.
    expectInvalidGrant(await refresh(url, tokens.refreshToken));
    await expectRejected(url, stringField(again.body, 'access_token'));
    expectInvalidGrant(await refresh(url, successor));
  });

  it('refuses a token once its successor has been used, even within the window', async () => {
    const clock = new ManualClock();
    const { url } = await serverWithAlice({ clock });
    const tokens = await login(url, 'alice');
    const first = await refresh(url, tokens.refreshToken);
    expect((await refresh(url, stringField(first.body, 'refresh_token'))).status).toBe(200);
    expectInvalidGrant(await refresh(url, tokens.refreshToken));
    await expectRejected(url, tokens.accessToken);
  });

  it('refuses a refresh token presented by another client without spending it', async () => {
    const clock = new ManualClock();
    const { server, url } = await serverWithAlice({ clock });
    const secret = await addClient(server, 'reporting', { scopes: ['read'] });
    const tokens = await login(url, 'alice');

    const stolen = await postForm(
      `${url}/oauth/token`,
      { grant_type: 'refresh_token', refresh_token: tokens.refreshToken },
      basic('reporting', secret ?? ''),
    );
    expectInvalidGrant(stolen);

    // Long after the grace window, the rightful client still rotates: nothing was spent.
    clock.advance(60_000);
    expect((await refresh(url, tokens.refreshToken)).status).toBe(200);
    await expectAccepted(url, tokens.accessToken);
  });

  it('answers an unknown or missing refresh token with invalid_grant / invalid_request', async () => {
    const { url } = await serverWithAlice();
    expectInvalidGrant(await refresh(url, 'x'.repeat(43)));
    const missing = await postForm(`${url}/oauth/token`, {
      grant_type: 'refresh_token',
      client_id: 'tessera',
    });
    expect(missing.status).toBe(400);
    expect(missing.body['error']).toBe('invalid_request');
  });
});

describe('concurrent refreshes with one token', () => {
  const CONCURRENCY = 10;

  it('within the grace window: all succeed with the same successor, one live token left', async () => {
    // A stopped clock keeps every request inside the window however slow the machine is.
    const clock = new ManualClock();
    const { server, url } = await serverWithAlice({ clock });
    const secret = await addClient(server, 'gateway', { scopes: [] });
    const tokens = await login(url, 'alice');

    const responses = await Promise.all(
      Array.from({ length: CONCURRENCY }, () => refresh(url, tokens.refreshToken)),
    );

    expect(responses.map((response) => response.status)).toEqual(
      Array<number>(CONCURRENCY).fill(200),
    );
    const successors = new Set(responses.map((r) => stringField(r.body, 'refresh_token')));
    expect(successors.size).toBe(1);
    const [successor = ''] = successors;
    expect(successor).not.toBe(tokens.refreshToken);
    const accessTokens = responses.map((r) => stringField(r.body, 'access_token'));
    expect(new Set(accessTokens).size).toBe(CONCURRENCY);
    for (const accessToken of accessTokens) await expectAccepted(url, accessToken);

    // No fork in the chain: one unspent token in the session, and it is the one handed out.
    expect(countRefreshTokens(server, tokens.sessionId)).toEqual({
      unspent: 1,
      live: 1,
      sessionEnded: false,
    });
    const introspect = (token: string) =>
      postForm(`${url}/oauth/introspect`, { token }, basic('gateway', secret ?? ''));
    expect((await introspect(successor)).body).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      sid: tokens.sessionId,
    });
    expect((await introspect(tokens.refreshToken)).body).toEqual({ active: false });
    expect((await refresh(url, successor)).status).toBe(200);
  });

  it('with no grace window: one succeeds, the repeat is reuse, and the session ends', async () => {
    const clock = new ManualClock();
    const { server, url } = await serverWithAlice({ clock, flags: { refreshGraceSeconds: '0' } });
    const tokens = await login(url, 'alice');

    const responses = await Promise.all(
      Array.from({ length: CONCURRENCY }, () => refresh(url, tokens.refreshToken)),
    );

    const succeeded = responses.filter((response) => response.status === 200);
    expect(succeeded).toHaveLength(1);
    for (const response of responses.filter((r) => r.status !== 200)) expectInvalidGrant(response);
    expect(countRefreshTokens(server, tokens.sessionId)).toMatchObject({
      live: 0,
      sessionEnded: true,
    });
    const [winner] = succeeded;
    if (winner === undefined) throw new Error('unreachable');
    expectInvalidGrant(await refresh(url, stringField(winner.body, 'refresh_token')));
    await expectRejected(url, stringField(winner.body, 'access_token'));
    await expectRejected(url, tokens.accessToken);
  });
});
