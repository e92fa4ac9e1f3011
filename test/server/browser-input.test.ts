import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar } from '../support/browser.js';
import {
  browserLogin,
  expectSecurityHeaders,
  postPageForm,
  SAME_ORIGIN,
} from '../support/browser-session.js';
import {
  addUser,
  PASSWORD,
  ServerHarness,
  STACK_FRAME,
  type TestServer,
} from '../support/server-fixture.js';
import { createTestDatabase, describeWithService, type TestDatabase } from '../support/services.js';

// Hostile input to the pages and the browser endpoints is a client's mistake: never a 500, and
// every answer, errors and redirects included, carries the security headers. NUL characters
// run on both stores (PostgreSQL's text cannot hold one).

const harness = new ServerHarness();
afterEach(() => harness.cleanup());

/** The pages' security headers, and no-store: these answers are never cached. */
function expectSecureAnswer(response: Response): void {
  expectSecurityHeaders(response);
  expect(response.headers.get('cache-control')).toBe('no-store');
}

async function signedIn(url: string): Promise<CookieJar> {
  const jar = new CookieJar();
  expect((await browserLogin(url, jar)).status).toBe(204);
  return jar;
}

/** The NUL-byte cases, against a server on either store. */
function nulSuite(start: () => Promise<TestServer>, bearerStatus: 400 | 401): void {
  it('answers a session id holding NUL (or any malformed id) like an unknown session', async () => {
    const { url } = await start();
    const jar = await signedIn(url);
    for (const id of ['%00', 'a%00b', 'short', `${'a'.repeat(21)}%00`, `${'a'.repeat(21)}.`]) {
      const response = await postPageForm(url, `/account/sessions/${id}/end`, jar);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/account?done=gone');
    }
  });

  it('takes a login form whose username holds NUL as a missing username (400)', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...SAME_ORIGIN },
      body: 'username=a%00b&password=whatever',
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Enter your username and your password.');
  });

  it('refuses NUL in a JSON login with 400 (cookie mode) and never a 500 (bearer mode)', async () => {
    const { url } = await start();
    const browser = await fetch(`${url}/auth/browser/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...SAME_ORIGIN },
      body: JSON.stringify({ username: 'a\u0000b', password: PASSWORD }),
    });
    expect(browser.status).toBe(400);
    const bearer = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice\u0000', password: PASSWORD }),
    });
    // SQLite stores and compares NUL like any character (no such user: 401); PostgreSQL
    // refuses the text itself (400). Either way the client hears it was its input.
    expect(bearer.status).toBe(bearerStatus);
    const body = (await bearer.json()) as Record<string, unknown>;
    expect(body['error']).toBe(bearerStatus === 400 ? 'invalid_request' : 'invalid_credentials');
    expect(String(body['error_description'])).not.toMatch(STACK_FRAME);
  });
}

describe('NUL characters on SQLite', () => {
  nulSuite(async () => {
    const started = await harness.start();
    await addUser(started.server, 'alice');
    return started;
  }, 401);
});

await describeWithService('postgres', 'NUL characters on PostgreSQL', () => {
  // One server for the suite: its data directory holds the master key that seals the keys
  // in this database.
  const own = new ServerHarness();
  let database: TestDatabase;
  let started: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    started = await own.start({ flags: { db: database.url } });
    await addUser(started.server, 'alice');
  });
  afterAll(async () => {
    await own.cleanup();
    await database.drop();
  });
  nulSuite(() => Promise.resolve(started), 400);
});

describe('?done= on the pages', () => {
  it('shows no notice, and no error, for names an object inherits', async () => {
    const started = await harness.start();
    await addUser(started.server, 'alice');
    const jar = await signedIn(started.url);
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const login = await fetch(`${started.url}/login?done=${name}`);
      expect(login.status).toBe(200);
      expect(await login.text()).not.toContain('role="status"');
      const account = await fetch(`${started.url}/account?done=${name}`, {
        headers: { cookie: jar.header() },
        redirect: 'manual',
      });
      expect(account.status).toBe(200);
      expect(await account.text()).not.toContain('role="status"');
    }
    const known = await fetch(`${started.url}/login?done=logout`);
    expect(await known.text()).toContain('You are logged out.');
  });
});

describe("Fastify's own refusals", () => {
  it('answer a too-long path parameter and a badly encoded URL in the JSON error format, with the headers', async () => {
    const { url } = await harness.start();
    const long = await fetch(`${url}/account/sessions/${'a'.repeat(200)}/end`, { method: 'POST' });
    expect(long.status).toBe(414);
    expectSecureAnswer(long);
    const longBody = (await long.json()) as Record<string, unknown>;
    expect(longBody['error']).toBe('invalid_request');
    expect(longBody['error_description']).toEqual(expect.any(String));

    const bad = await fetch(`${url}/account/sessions/%E0%A4%A/end`, { method: 'POST' });
    expect(bad.status).toBe(400);
    expectSecureAnswer(bad);
    const badBody = (await bad.json()) as Record<string, unknown>;
    expect(badBody['error']).toBe('invalid_request');
    expect(String(badBody['error_description'])).not.toContain('%E0');
  });

  it('put the headers and no-store on errors, not-found answers and redirects alike', async () => {
    const { url } = await harness.start();
    const missing = await fetch(`${url}/no/such/page`);
    expect(missing.status).toBe(404);
    expectSecureAnswer(missing);
    const invalid = await fetch(`${url}/auth/browser/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...SAME_ORIGIN },
      body: '{"username": 1}',
    });
    expect(invalid.status).toBe(400);
    expectSecureAnswer(invalid);
    const root = await fetch(`${url}/`, { redirect: 'manual' });
    expect(root.status).toBe(303);
    expectSecureAnswer(root);
    const anonymous = await fetch(`${url}/account`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expectSecureAnswer(anonymous);
  });
});
