import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../src/server/server-config.js';
import {
  basic,
  PASSWORD,
  postForm,
  postJson,
  readResponse,
  ServerHarness,
  stringField,
  type JsonResponse,
} from '../support/server-fixture.js';
import { createDpopKey, createProof, type DpopKey } from './dpop-client.js';
import { expectError, startDpopServer } from './dpop-server.js';

// DPoP (RFC 9449) through the real server: binding at login, refresh and client_credentials,
// bound refresh tokens, bound access tokens at the server's own protected routes, nonces.

const harness = new ServerHarness();
afterAll(() => harness.cleanup());

const startServer = (flags: Record<string, string> = {}) => startDpopServer(harness, flags);

let url = '';
let secret = '';
beforeAll(async () => {
  ({ url, secret } = await startServer());
});

const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;

function proofFor(
  key: DpopKey,
  method: string,
  path: string,
  extra: Partial<Parameters<typeof createProof>[1]> = {},
) {
  return createProof(key, { method, url: `${url}${path}`, ...extra });
}

function loginWith(
  key: DpopKey | null,
  headers: Record<string, string> = {},
  base = url,
): Promise<JsonResponse> {
  const dpop =
    key === null ? {} : { dpop: createProof(key, { method: 'POST', url: `${base}/auth/login` }) };
  return postJson(
    `${base}/auth/login`,
    { username: 'alice', password: PASSWORD },
    { ...dpop, ...headers },
  );
}

function refreshWith(
  refreshToken: string,
  key: DpopKey | null,
  clientId = 'tessera',
): Promise<JsonResponse> {
  const dpop = key === null ? {} : { dpop: proofFor(key, 'POST', '/oauth/token') };
  return postForm(
    `${url}/oauth/token`,
    { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId },
    dpop,
  );
}

async function getSessions(
  accessToken: string,
  scheme: 'Bearer' | 'DPoP',
  proof?: string,
): Promise<JsonResponse> {
  return readResponse(
    await fetch(`${url}/auth/sessions`, {
      headers: {
        authorization: `${scheme} ${accessToken}`,
        ...(proof === undefined ? {} : { dpop: proof }),
      },
    }),
  );
}

function sessionsProof(key: DpopKey, accessToken: string, extra = {}): string {
  return proofFor(key, 'GET', '/auth/sessions', { accessToken, ...extra });
}

describe('login with DPoP', () => {
  it('binds the access token (cnf.jkt) and answers token_type DPoP', async () => {
    const key = createDpopKey('ES256');
    const response = await loginWith(key);
    expect(response.status).toBe(200);
    expect(response.body['token_type']).toBe('DPoP');
    expect(claimsOf(stringField(response.body, 'access_token'))['cnf']).toEqual({ jkt: key.jkt });
  });

  it('binds the refresh token of the first-party client, as introspection shows', async () => {
    const key = createDpopKey();
    const { body } = await loginWith(key);
    const introspected = await postForm(
      `${url}/oauth/introspect`,
      { token: stringField(body, 'refresh_token') },
      basic('reporting', secret),
    );
    expect(introspected.body).toMatchObject({ active: true, cnf: { jkt: key.jkt } });
    const access = await postForm(
      `${url}/oauth/introspect`,
      { token: stringField(body, 'access_token') },
      basic('reporting', secret),
    );
    expect(access.body).toMatchObject({ active: true, cnf: { jkt: key.jkt } });
  });

  it('stays a plain bearer login without a proof', async () => {
    const response = await loginWith(null);
    expect(response.body['token_type']).toBe('Bearer');
    expect(claimsOf(stringField(response.body, 'access_token'))['cnf']).toBeUndefined();
  });

  it.each<[string, (key: DpopKey) => string]>([
    ['a proof for another URL', (key) => proofFor(key, 'POST', '/oauth/token')],
    ['a proof for another method', (key) => proofFor(key, 'GET', '/auth/login')],
    [
      'a proof with a broken signature',
      (key) => proofFor(key, 'POST', '/auth/login', { signature: 'broken' }),
    ],
    [
      'a proof with a private key in its header',
      (key) =>
        proofFor(key, 'POST', '/auth/login', { header: { jwk: { ...key.publicJwk, d: 'AAAA' } } }),
    ],
    [
      'a proof of alg none',
      (key) => proofFor(key, 'POST', '/auth/login', { header: { alg: 'none' } }),
    ],
    [
      'an old proof',
      (key) => proofFor(key, 'POST', '/auth/login', { iat: Math.floor(Date.now() / 1000) - 600 }),
    ],
    [
      'two proofs',
      (key) => `${proofFor(key, 'POST', '/auth/login')}, ${proofFor(key, 'POST', '/auth/login')}`,
    ],
  ])('answers 400 invalid_dpop_proof to %s', async (_name, make) => {
    const response = await postJson(
      `${url}/auth/login`,
      { username: 'alice', password: PASSWORD },
      { dpop: make(createDpopKey()) },
    );
    expectError(response, 400, 'invalid_dpop_proof');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('accepts each proof once', async () => {
    const proof = proofFor(createDpopKey(), 'POST', '/auth/login');
    const body = { username: 'alice', password: PASSWORD };
    expect((await postJson(`${url}/auth/login`, body, { dpop: proof })).status).toBe(200);
    expectError(
      await postJson(`${url}/auth/login`, body, { dpop: proof }),
      400,
      'invalid_dpop_proof',
    );
  });
});

describe('refresh with DPoP', () => {
  it('needs a proof from the same key for a bound refresh token, and spends nothing on refusal', async () => {
    const key = createDpopKey();
    const login = await loginWith(key);
    const refreshToken = stringField(login.body, 'refresh_token');
    expectError(await refreshWith(refreshToken, null), 400, 'invalid_grant');
    expectError(await refreshWith(refreshToken, createDpopKey()), 400, 'invalid_grant');
    // Neither refusal spent the token: the rightful client still refreshes, once.
    const ok = await refreshWith(refreshToken, key);
    expect(ok.status).toBe(200);
    expect(ok.body['token_type']).toBe('DPoP');
    expect(claimsOf(stringField(ok.body, 'access_token'))['cnf']).toEqual({ jkt: key.jkt });
    // The successor is bound as well.
    expectError(
      await refreshWith(stringField(ok.body, 'refresh_token'), null),
      400,
      'invalid_grant',
    );
    expect((await refreshWith(stringField(ok.body, 'refresh_token'), key)).status).toBe(200);
  });

  it('binds an unbound session of a public client at its first refresh with a proof', async () => {
    const login = await loginWith(null);
    const key = createDpopKey();
    const bound = await refreshWith(stringField(login.body, 'refresh_token'), key);
    expect(bound.body['token_type']).toBe('DPoP');
    const next = stringField(bound.body, 'refresh_token');
    expectError(await refreshWith(next, null), 400, 'invalid_grant');
    expect((await refreshWith(next, key)).status).toBe(200);
  });

  it('keeps an unbound session unbound when refreshed without a proof', async () => {
    const login = await loginWith(null);
    const next = await refreshWith(stringField(login.body, 'refresh_token'), null);
    expect(next.body['token_type']).toBe('Bearer');
    expect((await refreshWith(stringField(next.body, 'refresh_token'), null)).status).toBe(200);
  });
});

describe('client_credentials with DPoP', () => {
  it('binds the access token of a confidential client', async () => {
    const key = createDpopKey('PS256');
    const response = await postForm(
      `${url}/oauth/token`,
      { grant_type: 'client_credentials' },
      { ...basic('reporting', secret), dpop: proofFor(key, 'POST', '/oauth/token') },
    );
    expect(response.status).toBe(200);
    expect(response.body['token_type']).toBe('DPoP');
    expect(claimsOf(stringField(response.body, 'access_token'))['cnf']).toEqual({ jkt: key.jkt });
  });

  it('refuses a bad proof before authenticating the client', async () => {
    const response = await postForm(
      `${url}/oauth/token`,
      { grant_type: 'client_credentials' },
      { ...basic('reporting', 'wrong secret'), dpop: 'not-a-proof' },
    );
    expectError(response, 400, 'invalid_dpop_proof');
  });
});

describe('bound access tokens at the server’s own routes', () => {
  let key: DpopKey;
  let token = '';
  beforeAll(async () => {
    key = createDpopKey();
    token = stringField((await loginWith(key)).body, 'access_token');
  });

  it('accepts the token with the DPoP scheme and a proof of this request', async () => {
    const response = await getSessions(token, 'DPoP', sessionsProof(key, token));
    expect(response.status).toBe(200);
    expect(response.body['sessions']).toEqual(
      expect.arrayContaining([expect.objectContaining({ current: true })]),
    );
  });

  it('refuses it as a Bearer token with a DPoP invalid_token challenge', async () => {
    const response = await getSessions(token, 'Bearer');
    expectError(response, 401, 'invalid_token');
    expect(response.headers.get('www-authenticate')).toMatch(
      /^DPoP algs="[^"]+", error="invalid_token"/,
    );
  });

  it.each<[string, () => string | undefined]>([
    ['no proof', () => undefined],
    ['a proof without ath', () => proofFor(key, 'GET', '/auth/sessions')],
    ['a proof for another token', () => sessionsProof(key, `${token}x`)],
    [
      'a proof for another method',
      () => proofFor(key, 'POST', '/auth/sessions', { accessToken: token }),
    ],
    ['a proof for another URL', () => proofFor(key, 'GET', '/auth/logout', { accessToken: token })],
  ])('refuses the DPoP scheme with %s (401 invalid_dpop_proof)', async (_name, make) => {
    const response = await getSessions(token, 'DPoP', make());
    expectError(response, 401, 'invalid_dpop_proof');
    expect(response.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_dpop_proof"/);
  });

  it('refuses a replayed proof', async () => {
    const proof = sessionsProof(key, token);
    expect((await getSessions(token, 'DPoP', proof)).status).toBe(200);
    expectError(await getSessions(token, 'DPoP', proof), 401, 'invalid_dpop_proof');
  });

  it('is useless when stolen without its key: 401 as Bearer and with the thief’s own proofs', async () => {
    const thief = createDpopKey();
    expectError(await getSessions(token, 'Bearer'), 401, 'invalid_token');
    expectError(
      await getSessions(token, 'DPoP', sessionsProof(thief, token)),
      401,
      'invalid_dpop_proof',
    );
  });

  it('refuses an unbound token sent with the DPoP scheme, and accepts it as Bearer', async () => {
    const plain = stringField((await loginWith(null)).body, 'access_token');
    expectError(await getSessions(plain, 'DPoP', sessionsProof(key, plain)), 401, 'invalid_token');
    expect((await getSessions(plain, 'Bearer')).status).toBe(200);
  });
});

describe('metadata and settings', () => {
  it('publishes dpop_signing_alg_values_supported', async () => {
    const metadata = await readResponse(
      await fetch(`${url}/.well-known/oauth-authorization-server`),
    );
    expect(metadata.body['dpop_signing_alg_values_supported']).toEqual([
      'EdDSA',
      'ES256',
      'PS256',
      'RS256',
    ]);
  });

  it('reads --dpop-nonce and TESSERA_DPOP_NONCE, off by default', () => {
    const base = { issuer: 'https://as.example' };
    expect(resolveServerConfig(base, {}).dpopNonce).toBe(false);
    expect(resolveServerConfig(base, { TESSERA_DPOP_NONCE: 'true' }).dpopNonce).toBe(true);
    expect(resolveServerConfig({ ...base, dpopNonce: true }, {}).dpopNonce).toBe(true);
    expect(() => resolveServerConfig(base, { TESSERA_DPOP_NONCE: 'maybe' })).toThrow(
      /--dpop-nonce/,
    );
  });
});
