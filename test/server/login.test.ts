import { afterEach, describe, expect, it } from 'vitest';
import {
  addClient,
  addUser,
  expectJsonError,
  ISSUER,
  login,
  ManualClock,
  PASSWORD,
  postJson,
  readResponse,
  ServerHarness,
  stringField,
  verifyWithJose,
  withBearer,
  type TestServer,
} from '../support/server-fixture.js';

// POST /auth/login through a real server: the success shape, tokens other software can
// verify, answers that do not tell which accounts exist, throttling and hostile bodies.

const harness = new ServerHarness();
afterEach(() => harness.cleanup());

async function serverWithAlice(clock?: ManualClock): Promise<TestServer & { userId: string }> {
  const started = await harness.start(clock === undefined ? {} : { clock });
  return { ...started, userId: await addUser(started.server, 'alice') };
}

describe('POST /auth/login', () => {
  it('answers a good login with the token response and Cache-Control: no-store', async () => {
    const { url, userId } = await serverWithAlice();
    const response = await postJson(`${url}/auth/login`, { username: 'alice', password: PASSWORD });

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    expect(Object.keys(response.body).sort()).toEqual([
      'access_token',
      'expires_in',
      'refresh_token',
      'session_id',
      'token_type',
    ]);
    expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const refreshToken = stringField(response.body, 'refresh_token');
    // An opaque token: 256 random bits, no claims to decode.
    expect(refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const sessions = await withBearer(
      `${url}/auth/sessions`,
      stringField(response.body, 'access_token'),
    );
    expect(sessions.status).toBe(200);
    expect(sessions.body['sessions']).toEqual([
      expect.objectContaining({ id: response.body['session_id'], current: true }),
    ]);
    expect(userId).not.toBe('');
  });

  it('issues an RFC 9068 access token that jose verifies against the published JWKS', async () => {
    const { url, userId } = await serverWithAlice();
    const tokens = await login(url, 'alice');
    const started = Math.floor(Date.now() / 1000);

    const { payload, protectedHeader } = await verifyWithJose(url, tokens.accessToken);

    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    const jwks = await readResponse(await fetch(`${url}/.well-known/jwks.json`));
    expect(jwks.body['keys']).toEqual([expect.objectContaining({ kid: protectedHeader.kid })]);
    expect(payload).toMatchObject({
      iss: ISSUER,
      aud: ISSUER,
      sub: userId,
      sid: tokens.sessionId,
      client_id: 'tessera',
    });
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(payload.exp).toBe((payload.iat ?? 0) + 900);
    expect(Math.abs((payload.iat ?? 0) - started)).toBeLessThan(60);
    expect(payload).not.toHaveProperty('scope');
  });

  it('gives each login its own session, refresh token and jti', async () => {
    const { url } = await serverWithAlice();
    const first = await login(url, 'alice');
    const second = await login(url, 'alice');
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const [a, b] = await Promise.all([
      verifyWithJose(url, first.accessToken),
      verifyWithJose(url, second.accessToken),
    ]);
    expect(a.payload.jti).not.toBe(b.payload.jti);
  });

  it.each(['ALICE', 'Alice', '  alice ', 'ａｌｉｃｅ'])(
    'finds the account whatever the case or width of the username (%j)',
    async (username) => {
      const { url, userId } = await serverWithAlice();
      const tokens = await login(url, username);
      expect((await verifyWithJose(url, tokens.accessToken)).payload.sub).toBe(userId);
    },
  );

  it('answers a wrong password and an unknown user with the same 401', async () => {
    const { url } = await serverWithAlice();
    const wrong = await postJson(`${url}/auth/login`, { username: 'alice', password: 'nope' });
    const unknown = await postJson(`${url}/auth/login`, { username: 'mallory', password: 'x' });

    expectJsonError(wrong, 401, 'invalid_credentials');
    expect(unknown.status).toBe(401);
    expect(unknown.text).toBe(wrong.text);
    expect(unknown.headers.get('www-authenticate')).toBe(wrong.headers.get('www-authenticate'));
  });

  it('throttles an account after repeated failures with 429 and Retry-After', async () => {
    const clock = new ManualClock();
    const { url } = await serverWithAlice(clock);
    const attempt = (password: string) =>
      postJson(`${url}/auth/login`, { username: 'alice', password });

    for (let i = 0; i < 5; i++) expectJsonError(await attempt('wrong'), 401, 'invalid_credentials');
    const throttled = await attempt('wrong');
    expectJsonError(throttled, 429, 'too_many_attempts');
    const retryAfter = Number(throttled.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);

    // Even the right password waits: a guesser cannot tell a hit while throttled.
    expectJsonError(await attempt(PASSWORD), 429, 'too_many_attempts');
    clock.advance(retryAfter * 1000);
    expect((await attempt(PASSWORD)).status).toBe(200);
  });

  it.each([' alice', 'alice  ', 'ALICE', 'ａｌｉｃｅ'])(
    'counts %j against the same account, so padding a name buys no fresh guesses',
    async (variant) => {
      const clock = new ManualClock();
      const { url } = await serverWithAlice(clock);
      for (let i = 0; i < 5; i++) {
        await postJson(`${url}/auth/login`, { username: 'alice', password: 'wrong' });
      }
      const response = await postJson(`${url}/auth/login`, {
        username: variant,
        password: PASSWORD,
      });
      expectJsonError(response, 429, 'too_many_attempts');
    },
  );

  it('throttles an unknown username exactly like a known one', async () => {
    const clock = new ManualClock();
    const { url } = await serverWithAlice(clock);
    const attempt = () => postJson(`${url}/auth/login`, { username: 'ghost', password: 'guess' });
    for (let i = 0; i < 5; i++) expect((await attempt()).status).toBe(401);
    const throttled = await attempt();
    expectJsonError(throttled, 429, 'too_many_attempts');
    expect(throttled.headers.get('retry-after')).toBe('1');
  });
});

describe('POST /auth/login with a body it cannot use', () => {
  const raw = (url: string, body: string, contentType = 'application/json') =>
    fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    }).then(readResponse);

  it.each<[string, string]>([
    ['a missing password', JSON.stringify({ username: 'alice' })],
    ['a missing username', JSON.stringify({ password: PASSWORD })],
    ['a password of the wrong type', JSON.stringify({ username: 'alice', password: 12345 })],
    ['a username of the wrong type', JSON.stringify({ username: ['alice'], password: PASSWORD })],
    ['an empty username', JSON.stringify({ username: '', password: PASSWORD })],
    ['an extra property', JSON.stringify({ username: 'alice', password: PASSWORD, admin: true })],
    ['broken JSON', '{"username": "alice", "password": '],
    ['an empty body', ''],
    ['a JSON array', JSON.stringify([{ username: 'alice', password: PASSWORD }])],
    ['JSON null', 'null'],
    ['a __proto__ key', `{"username":"alice","password":"x","__proto__":{"admin":true}}`],
    ['a 2000-character username', JSON.stringify({ username: 'a'.repeat(2000), password: 'x' })],
  ])('answers %s with 400 invalid_request, never 500', async (_name, body) => {
    const { url } = await serverWithAlice();
    expectJsonError(await raw(url, body), 400, 'invalid_request');
  });

  it('answers a body over the limit with 413', async () => {
    const { url } = await serverWithAlice();
    const body = JSON.stringify({ username: 'alice', password: 'x'.repeat(20_000) });
    expectJsonError(await raw(url, body), 413, 'invalid_request');
  });

  it('answers a content type it does not parse with 415', async () => {
    const { url } = await serverWithAlice();
    expectJsonError(await raw(url, '<login/>', 'application/xml'), 415, 'invalid_request');
    // Fastify parses text/plain as a string, which the schema then refuses.
    expectJsonError(await raw(url, 'alice:secret', 'text/plain'), 400, 'invalid_request');
  });
});

describe('POST /auth/login naming a client or scopes', () => {
  it('issues a token to a registered public client, with scopes that client may have', async () => {
    const { server, url } = await serverWithAlice();
    await addClient(server, 'mobile', { isPublic: true, scopes: ['read', 'write'] });
    const response = await postJson(`${url}/auth/login`, {
      username: 'alice',
      password: PASSWORD,
      client_id: 'mobile',
      scope: 'read read',
    });
    expect(response.status).toBe(200);
    expect(response.body['scope']).toBe('read');
    const { payload } = await verifyWithJose(url, stringField(response.body, 'access_token'));
    expect(payload).toMatchObject({ client_id: 'mobile', scope: 'read' });
  });

  it('refuses a scope the client may not have, so no one mints their own privileges', async () => {
    const { server, url } = await serverWithAlice();
    await addClient(server, 'mobile', { isPublic: true, scopes: ['read'] });
    const login = (client: Record<string, string>) =>
      postJson(`${url}/auth/login`, { username: 'alice', password: PASSWORD, ...client });
    expectJsonError(
      await login({ client_id: 'mobile', scope: 'read admin' }),
      400,
      'invalid_scope',
    );
    expectJsonError(await login({ scope: 'admin' }), 400, 'invalid_scope');
  });

  it('refuses an unknown client and a confidential one (it cannot authenticate here)', async () => {
    const { server, url } = await serverWithAlice();
    await addClient(server, 'billing', { scopes: ['payments'] });
    for (const clientId of ['billing', 'no-such-client']) {
      const response = await postJson(`${url}/auth/login`, {
        username: 'alice',
        password: PASSWORD,
        client_id: clientId,
      });
      expectJsonError(response, 400, 'invalid_client');
    }
  });
});
