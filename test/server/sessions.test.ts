import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addUser,
  login,
  ManualClock,
  PASSWORD,
  postJson,
  readResponse,
  refresh,
  ServerHarness,
  stringField,
  withBearer,
  type JsonResponse,
  type LoginTokens,
} from '../support/server-fixture.js';

// /auth/logout, /auth/logout-all and /auth/sessions: sessions as records a user can see and end.

const harness = new ServerHarness();
let url = '';
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock();
  const started = await harness.start({ clock });
  url = started.url;
  await addUser(started.server, 'alice');
  await addUser(started.server, 'bob');
});
afterEach(() => harness.cleanup());

const sessionsOf = (token: string) => withBearer(`${url}/auth/sessions`, token);

function expectInvalidToken(response: JsonResponse): void {
  expect(response.status).toBe(401);
  expect(response.body['error']).toBe('invalid_token');
  const challenge = response.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer realm="tessera"/);
  expect(challenge).toContain('error="invalid_token"');
}

async function expectDead(tokens: LoginTokens): Promise<void> {
  expectInvalidToken(await sessionsOf(tokens.accessToken));
  expect((await refresh(url, tokens.refreshToken)).body['error']).toBe('invalid_grant');
}

async function expectAlive(tokens: LoginTokens): Promise<void> {
  expect((await sessionsOf(tokens.accessToken)).status).toBe(200);
}

describe('POST /auth/logout', () => {
  it('ends the current session only', async () => {
    const phone = await login(url, 'alice');
    const laptop = await login(url, 'alice');

    const response = await withBearer(`${url}/auth/logout`, phone.accessToken, 'POST');

    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    await expectDead(phone);
    await expectAlive(laptop);
    expect((await refresh(url, laptop.refreshToken)).status).toBe(200);
  });

  it('cannot be done twice, nor without a token', async () => {
    const tokens = await login(url, 'alice');
    expect((await withBearer(`${url}/auth/logout`, tokens.accessToken, 'POST')).status).toBe(204);
    expectInvalidToken(await withBearer(`${url}/auth/logout`, tokens.accessToken, 'POST'));
    const anonymous = await readResponse(await fetch(`${url}/auth/logout`, { method: 'POST' }));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="tessera"');
  });
});

describe('POST /auth/logout-all', () => {
  it("kills every token of the user, and nobody else's", async () => {
    const phone = await login(url, 'alice');
    const laptop = await login(url, 'alice');
    const laptopRefreshed = await refresh(url, laptop.refreshToken);
    const bob = await login(url, 'bob');

    const response = await withBearer(`${url}/auth/logout-all`, laptop.accessToken, 'POST');

    expect(response.status).toBe(204);
    await expectDead(phone);
    expectInvalidToken(await sessionsOf(laptop.accessToken));
    expectInvalidToken(await sessionsOf(stringField(laptopRefreshed.body, 'access_token')));
    expect(
      (await refresh(url, stringField(laptopRefreshed.body, 'refresh_token'))).body['error'],
    ).toBe('invalid_grant');
    await expectAlive(bob);
  });

  it('lets the user log in again at once, in the same second', async () => {
    // Half a second into a second: a token issued before the logout and one issued after
    // it share their whole-second iat.
    clock.set(Math.floor(clock.now() / 1000) * 1000 + 1000 + 400);
    const before = await login(url, 'alice');
    clock.advance(100);
    expect((await withBearer(`${url}/auth/logout-all`, before.accessToken, 'POST')).status).toBe(
      204,
    );
    clock.advance(100);
    const after = await login(url, 'alice');
    await expectAlive(after);
    await expectDead(before);
  });
});

describe('GET /auth/sessions', () => {
  it('lists the live sessions of the user, marking the current one', async () => {
    const first = await postJson(
      `${url}/auth/login`,
      { username: 'alice', password: PASSWORD },
      { 'user-agent': 'Phone/1.0' },
    );
    clock.advance(1_000);
    const second = await login(url, 'alice');
    const ended = await login(url, 'alice');
    await withBearer(`${url}/auth/logout`, ended.accessToken, 'POST');
    await login(url, 'bob');

    const response = await sessionsOf(second.accessToken);

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const list = response.body['sessions'];
    if (!Array.isArray(list)) throw new TypeError('sessions is not a list');
    expect(list).toHaveLength(2);
    const ids = list.map((entry: Record<string, unknown>) => entry['id']);
    expect(ids.sort()).toEqual([first.body['session_id'], second.sessionId].sort());
    const current = list.filter((entry: Record<string, unknown>) => entry['current'] === true);
    expect(current).toEqual([expect.objectContaining({ id: second.sessionId })]);
    expect(list).toContainEqual({
      id: first.body['session_id'],
      client_id: 'tessera',
      user_agent: 'Phone/1.0',
      ip: '127.0.0.1',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      last_used_at: expect.any(String) as unknown,
      expires_at: expect.any(String) as unknown,
      current: false,
    });
  });

  it('refuses a missing, malformed or forged bearer token', async () => {
    const anonymous = await readResponse(await fetch(`${url}/auth/sessions`));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /);

    const malformed = await readResponse(
      await fetch(`${url}/auth/sessions`, { headers: { authorization: 'Bearer a b c' } }),
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body['error']).toBe('invalid_request');

    const tokens = await login(url, 'alice');
    const [header = '', payload = ''] = tokens.accessToken.split('.');
    expectInvalidToken(await sessionsOf(`${header}.${payload}.${'A'.repeat(86)}`));
    expectInvalidToken(await sessionsOf('not-a-jwt'));
  });
});

describe('DELETE /auth/sessions/:id', () => {
  it("answers 404 for another user's session, which keeps working", async () => {
    const alice = await login(url, 'alice');
    const bob = await login(url, 'bob');

    const response = await withBearer(
      `${url}/auth/sessions/${bob.sessionId}`,
      alice.accessToken,
      'DELETE',
    );

    expect(response.status).toBe(404);
    expect(response.body['error']).toBe('not_found');
    // The same answer as for an id that does not exist: ids cannot be probed.
    const missing = await withBearer(`${url}/auth/sessions/nope`, alice.accessToken, 'DELETE');
    expect(missing.status).toBe(404);
    expect(missing.text).toBe(response.text);
    await expectAlive(bob);
    expect((await refresh(url, bob.refreshToken)).status).toBe(200);
  });

  it('ends another session of your own with 204', async () => {
    const phone = await login(url, 'alice');
    const laptop = await login(url, 'alice');

    const response = await withBearer(
      `${url}/auth/sessions/${phone.sessionId}`,
      laptop.accessToken,
      'DELETE',
    );

    expect(response.status).toBe(204);
    await expectDead(phone);
    await expectAlive(laptop);
    const again = await withBearer(
      `${url}/auth/sessions/${phone.sessionId}`,
      laptop.accessToken,
      'DELETE',
    );
    expect(again.status).toBe(404);
  });

  it('can end the current session too', async () => {
    const tokens = await login(url, 'alice');
    const response = await withBearer(
      `${url}/auth/sessions/${tokens.sessionId}`,
      tokens.accessToken,
      'DELETE',
    );
    expect(response.status).toBe(204);
    await expectDead(tokens);
  });
});
