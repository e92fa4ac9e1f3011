import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from '../../src/gateway/gateway-config.js';
import { startGateway, type RunningGateway } from '../../src/gateway/start-gateway.js';
import { CookieJar, setCookies } from '../support/browser.js';
import {
  addUser,
  ISSUER,
  ManualClock,
  PASSWORD,
  ServerHarness,
} from '../support/server-fixture.js';
import { AUDIENCE, startEchoUpstream, type EchoUpstream } from './gateway-fixture.js';

// Browser mode end to end: the real auth server's browser login sets the session cookies, the
// page calls its API through the gateway with them, the access token expires, and several tabs
// at once are all served: the gateway refreshes once, the session stays alive.

const harness = new ServerHarness();
// One clock for the auth server and the gateway's verifier, so that tokens expire on command.
const clock = new ManualClock();
// Every server listens on port 0: no port is probed and then raced for. The issuer and the
// page's origin are names, not addresses; the gateway is told where the auth server really is.
const issuer = ISSUER;
const SHOP = 'https://shop.example.test';
let authUrl = '';
let upstream: EchoUpstream;
let gateway: RunningGateway;
let second: RunningGateway;

beforeAll(async () => {
  const { server } = await harness.start({
    flags: { issuer, audience: AUDIENCE, accessTokenTtlSeconds: '60' },
    clock,
  });
  authUrl = server.url;
  await addUser(server, 'alice');
  upstream = await startEchoUpstream();
  const settings = {
    listen: '127.0.0.1:0',
    upstream: upstream.url,
    issuer,
    jwksUri: `${authUrl}/.well-known/jwks.json`,
    revocations: `${authUrl}/revocations/stream`,
    authServer: authUrl,
    audience: AUDIENCE,
    disableDpop: true,
    cookieSession: true,
    browserOrigins: SHOP,
  };
  gateway = await startGateway(resolveGatewayConfig(settings, {}), {
    clock,
    readyTimeoutMs: 15_000,
  });
  // A second gateway process behind the same origin (a load balancer would alternate).
  second = await startGateway(resolveGatewayConfig(settings, {}), {
    clock,
    readyTimeoutMs: 15_000,
  });
  expect(gateway.ready && second.ready).toBe(true);
}, 60_000);

afterAll(async () => {
  await gateway.close();
  await second.close();
  await upstream.close();
  await harness.cleanup();
});

/** Max-Age of each session cookie the last browser login set. */
let loginMaxAges: Record<string, string | true | undefined> = {};

const maxAgesOf = (headers: Headers): Record<string, string | true | undefined> =>
  Object.fromEntries(
    setCookies(headers).map((cookie) => [cookie.name, cookie.attributes.get('max-age')]),
  );

async function browserLogin(): Promise<CookieJar> {
  const jar = new CookieJar();
  const response = await fetch(`${authUrl}/auth/browser/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: issuer,
      'sec-fetch-site': 'same-origin',
    },
    body: JSON.stringify({ username: 'alice', password: PASSWORD }),
  });
  expect(response.status).toBe(204);
  loginMaxAges = maxAgesOf(response.headers);
  jar.take(response.headers);
  return jar;
}

/** A request from a page on the gateway's origin, as fetch() in a browser sends it. */
async function call(
  base: string,
  jar: CookieJar,
  method = 'GET',
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const csrf = jar.get('__Host-tessera-csrf') ?? '';
  const response = await fetch(`${base}/orders`, {
    method,
    headers: {
      cookie: jar.header(),
      ...(method === 'GET'
        ? {}
        : { 'sec-fetch-site': 'same-origin', origin: SHOP, 'x-csrf-token': csrf }),
    },
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(text) as Record<string, unknown>,
  };
}

describe('browser login, then the API through the gateway', () => {
  it('serves the session, refreshes it once for many tabs at expiry, and keeps it alive', async () => {
    const jar = await browserLogin();
    const refreshBefore = jar.get('__Host-tessera-refresh');
    expect(jar.get('__Host-tessera-access')).toBeDefined();

    const read = await call(gateway.url, jar);
    expect(read.status).toBe(200);
    const seen = read.body['headers'] as Record<string, string>;
    expect(seen['x-tessera-sub']).toMatch(/.+/);
    expect(seen['cookie']).toBeUndefined();
    expect((await call(gateway.url, jar, 'POST')).status).toBe(200);

    // The access token (60 s) expires, beyond the verifier's 30 s tolerance.
    clock.advance(120_000);
    const tabs = Array.from({ length: 6 }, (_, index) =>
      call(index % 2 === 0 ? gateway.url : second.url, jar, index === 0 ? 'POST' : 'GET'),
    );
    const answers = await Promise.all(tabs);
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(200));
    // Every tab got the same successor, from either gateway: nothing looked like a replay.
    const successors = new Set(
      answers.map((answer) => {
        const probe = new CookieJar();
        probe.take(answer.headers);
        return probe.get('__Host-tessera-refresh');
      }),
    );
    expect(successors.size).toBe(1);
    expect([...successors][0]).not.toBe(refreshBefore);
    // The cookies live as long as the server says: the access cookie as its token (60 s), the
    // others as the session's time left, two minutes less than at login.
    const sessionLeft = Number(loginMaxAges['__Host-tessera-refresh']);
    expect(sessionLeft).toBeGreaterThan(120);
    expect(maxAgesOf(answers[0]?.headers ?? new Headers())).toMatchObject({
      '__Host-tessera-access': '60',
      '__Host-tessera-refresh': String(sessionLeft - 120),
      '__Host-tessera-csrf': String(sessionLeft - 120),
    });

    // The browser keeps the new cookies; the session is alive at the auth server too.
    jar.take(answers[0]?.headers ?? new Headers());
    const after = await call(gateway.url, jar);
    expect(after.status).toBe(200);
    expect(after.headers.getSetCookie()).toEqual([]);
    const session = await fetch(`${authUrl}/auth/browser/session`, {
      headers: { cookie: jar.header() },
    });
    expect(session.status).toBe(200);
  });

  it('refuses the access cookie of a session ended at the server, and does not refresh around it', async () => {
    const jar = await browserLogin();
    expect((await call(gateway.url, jar)).status).toBe(200);
    // The user signs out at the auth server (another tab); this copy of the cookies lives on.
    const logout = await fetch(`${authUrl}/auth/browser/logout`, {
      method: 'POST',
      headers: {
        cookie: jar.header(),
        origin: issuer,
        'sec-fetch-site': 'same-origin',
        'x-csrf-token': jar.get('__Host-tessera-csrf') ?? '',
      },
    });
    expect(logout.status).toBe(204);
    // The revocation reaches the gateway through the feed, within moments.
    let answer = await call(gateway.url, jar);
    for (let tries = 0; answer.status === 200 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await call(gateway.url, jar);
    }
    expect(answer.status).toBe(401);
    expect(answer.body['error']).toBe('invalid_token');
    // A revoked token is not an expired one: no refresh was tried, so no cookie was touched.
    expect(answer.headers.getSetCookie()).toEqual([]);
  });
});
