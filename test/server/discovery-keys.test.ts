import { decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addUser,
  ISSUER,
  login,
  ManualClock,
  readResponse,
  ServerHarness,
  verifyWithJose,
  withBearer,
  type Json,
} from '../support/server-fixture.js';

// Discovery (RFC 7517 JWKS, RFC 8414 metadata, /healthz) and signing-key rotation as seen
// from outside: the JWKS announces a key before it signs and keeps it while its tokens live.

const harness = new ServerHarness();
afterEach(() => harness.cleanup());

const get = async (url: string) => readResponse(await fetch(url));

/** Private JWK members (RFC 7518 §6): none may ever be published. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function jwksKeys(body: Json): Json[] {
  const keys = body['keys'];
  if (!Array.isArray(keys)) throw new TypeError('the JWKS has no keys array');
  return keys as Json[];
}

function kidsOf(body: Json): unknown[] {
  return jwksKeys(body)
    .map((key) => key['kid'])
    .sort();
}

describe('discovery', () => {
  it('publishes the JWKS with public members only and a cache shorter than pre-publication', async () => {
    const { server, url } = await harness.start();
    const response = await get(`${url}/.well-known/jwks.json`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(server.context.config.keyPrepublishSeconds).toBe(3600);
    const keys = jwksKeys(response.body);
    expect(keys).toHaveLength(1);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
      expect(typeof key['kid']).toBe('string');
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
    }
  });

  it('serves RFC 8414 metadata whose endpoints belong to the issuer', async () => {
    const { url } = await harness.start();
    const response = await get(`${url}/.well-known/oauth-authorization-server`);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      issuer: ISSUER,
      token_endpoint: `${ISSUER}/oauth/token`,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      revocation_endpoint: `${ISSUER}/oauth/revoke`,
      introspection_endpoint: `${ISSUER}/oauth/introspect`,
      grant_types_supported: ['refresh_token', 'client_credentials'],
    });
    // Every advertised endpoint exists on this server (the issuer names no port; the test
    // server listens on a random one).
    for (const name of ['jwks_uri', 'token_endpoint', 'revocation_endpoint']) {
      const advertised = new URL(String(response.body[name]));
      expect(advertised.origin).toBe(ISSUER);
      const local = await fetch(`${url}${advertised.pathname}`, {
        method: name === 'jwks_uri' ? 'GET' : 'POST',
      });
      expect(local.status, name).not.toBe(404);
      await local.body?.cancel();
    }
  });

  it('answers /healthz with the revocation cursor and the keys', async () => {
    const { server, url } = await harness.start();
    const response = await get(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toMatchObject({
      status: 'ok',
      revocations: { cursor: 0, lag_ms: expect.any(Number) as unknown },
      keys: [{ kid: server.context.keys.getSigningKey().kid, state: 'active' }],
    });
  });

  it.each([
    ['GET', '/nope'],
    ['GET', '/auth/login'],
    ['POST', '/.well-known/jwks.json'],
    ['DELETE', '/auth/sessions'],
  ])('answers %s %s with a 404 JSON error', async (method, path) => {
    const { url } = await harness.start();
    const response = await readResponse(await fetch(`${url}${path}?x=1`, { method }));
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body).toEqual({
      error: 'not_found',
      error_description: `no route for ${method} ${path}`,
    });
  });
});

describe('signing-key rotation', () => {
  const PREPUBLISH_MS = 60_000;
  // Access-token lifetime (900 s) + clock tolerance (30 s): how long the old key must stay.
  const OVERLAP_MS = 930_000;

  it('publishes the next key first, signs with it later, and keeps the old one for the overlap', async () => {
    const clock = new ManualClock();
    const { server, url } = await harness.start({
      clock,
      flags: { keyPrepublishSeconds: String(PREPUBLISH_MS / 1000), jwksMaxAgeSeconds: '10' },
    });
    await addUser(server, 'alice');
    const kidOf = (token: string) => decodeProtectedHeader(token).kid;
    const jwks = () => get(`${url}/.well-known/jwks.json`);
    const accepted = async (token: string) =>
      (await withBearer(`${url}/auth/sessions`, token)).status === 200;

    const oldKid = kidOf((await login(url, 'alice')).accessToken);
    expect((await jwks()).headers.get('cache-control')).toBe('public, max-age=10');

    const next = await server.context.keys.rotate();
    const activatesAt = clock.now() + PREPUBLISH_MS;
    expect(next.kid).not.toBe(oldKid);
    // Announced at once, so every verifier's cache holds it before the first token it signs.
    expect(kidsOf((await jwks()).body)).toEqual([oldKid, next.kid].sort());
    expect((await get(`${url}/healthz`)).body['keys']).toEqual([
      { kid: oldKid, state: 'active' },
      { kid: next.kid, state: 'pending' },
    ]);
    expect(kidOf((await login(url, 'alice')).accessToken)).toBe(oldKid);
    await expect(server.context.keys.rotate()).rejects.toThrow(/already pending/);

    // The last token the old key signs, a millisecond before the switch.
    clock.advance(PREPUBLISH_MS - 1);
    await server.context.keys.reload();
    const lastOld = (await login(url, 'alice')).accessToken;
    expect(kidOf(lastOld)).toBe(oldKid);

    clock.advance(1);
    await server.context.keys.reload();
    const fresh = (await login(url, 'alice')).accessToken;
    expect(kidOf(fresh)).toBe(next.kid);
    expect(await accepted(fresh)).toBe(true);
    expect(await accepted(lastOld)).toBe(true);

    // Near the end of the overlap the old token is still good, here and for jose.
    clock.set(activatesAt + OVERLAP_MS - 2_000);
    await server.context.keys.reload();
    expect(kidsOf((await jwks()).body)).toEqual([oldKid, next.kid].sort());
    expect(await accepted(lastOld)).toBe(true);
    // jose with the server's tolerance (30 s), at the server's time.
    const verified = await verifyWithJose(url, lastOld, {
      currentDate: new Date(clock.now()),
      clockToleranceSeconds: 30,
    });
    expect(verified.protectedHeader.kid).toBe(oldKid);

    // Then the old key leaves the JWKS and nothing it signed verifies.
    clock.set(activatesAt + OVERLAP_MS);
    await server.context.keys.reload();
    expect(kidsOf((await jwks()).body)).toEqual([next.kid]);
    expect(await accepted(lastOld)).toBe(false);
    expect(await accepted((await login(url, 'alice')).accessToken)).toBe(true);
  });
});
