import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addClient,
  addUser,
  basic,
  ISSUER,
  login,
  postForm,
  postJson,
  ServerHarness,
  STACK_FRAME,
  stringField,
  verifyWithJose,
  withBearer,
  type JsonResponse,
} from '../support/server-fixture.js';

// POST /oauth/token (RFC 6749): client authentication, client_credentials with scopes, and
// the error answers of §5.2. One server for the file: these tests change no shared state.

const harness = new ServerHarness();
let url = '';
let secret = '';

beforeAll(async () => {
  const { server, url: base } = await harness.start();
  url = base;
  secret = (await addClient(server, 'reporting', { scopes: ['read', 'write'] })) ?? '';
  await addClient(server, 'spa', { isPublic: true, scopes: ['read'] });
  await addUser(server, 'alice');
});
afterAll(() => harness.cleanup());

const token = (params: Record<string, string> | [string, string][], headers = {}) =>
  postForm(`${url}/oauth/token`, params, headers);

function expectOAuthError(response: JsonResponse, status: number, error: string): void {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ error, error_description: expect.any(String) as unknown });
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.text).not.toMatch(STACK_FRAME);
}

describe('client_credentials', () => {
  it('issues an access token to a confidential client authenticated with Basic', async () => {
    const response = await token({ grant_type: 'client_credentials' }, basic('reporting', secret));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    // RFC 6749 §4.4.3: no refresh token for client_credentials.
    expect(response.body).toEqual({
      access_token: expect.any(String) as unknown,
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'read write',
    });
    const { payload } = await verifyWithJose(url, stringField(response.body, 'access_token'));
    expect(payload).toMatchObject({
      iss: ISSUER,
      sub: 'reporting',
      client_id: 'reporting',
      scope: 'read write',
    });
    expect(payload).not.toHaveProperty('sid');
  });

  it('accepts client_secret_post and narrows to the requested scopes', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: 'reporting',
      client_secret: secret,
      scope: 'read read',
    });
    expect(response.status).toBe(200);
    expect(response.body['scope']).toBe('read');
    const { payload } = await verifyWithJose(url, stringField(response.body, 'access_token'));
    expect(payload['scope']).toBe('read');
  });

  it('refuses a scope the client was not given with invalid_scope', async () => {
    const response = await token(
      { grant_type: 'client_credentials', scope: 'read admin' },
      basic('reporting', secret),
    );
    expectOAuthError(response, 400, 'invalid_scope');
  });

  it.each(['spa', 'tessera'])('refuses public client %s with unauthorized_client', async (id) => {
    const response = await token({ grant_type: 'client_credentials', client_id: id });
    expectOAuthError(response, 400, 'unauthorized_client');
  });

  it('a client token has no session, so /auth/sessions answers 403', async () => {
    const issued = await token({ grant_type: 'client_credentials' }, basic('reporting', secret));
    const response = await withBearer(
      `${url}/auth/sessions`,
      stringField(issued.body, 'access_token'),
    );
    expect(response.status).toBe(403);
    expect(response.body['error']).toBe('insufficient_scope');
  });
});

describe('client authentication failures', () => {
  it('answers a wrong secret sent with Basic with 401 and a Basic challenge', async () => {
    const response = await token({ grant_type: 'client_credentials' }, basic('reporting', 'no'));
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('answers a wrong secret in the body with 401 and no Basic challenge', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: 'reporting',
      client_secret: 'no',
    });
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  it('answers an unknown client and a missing client_id with 401 invalid_client', async () => {
    expectOAuthError(
      await token({ grant_type: 'client_credentials' }, basic('nobody', 'x')),
      401,
      'invalid_client',
    );
    expectOAuthError(await token({ grant_type: 'client_credentials' }), 401, 'invalid_client');
  });

  it('refuses a public client that sends a secret', async () => {
    const response = await token({
      grant_type: 'client_credentials',
      client_id: 'spa',
      client_secret: 'anything',
    });
    expectOAuthError(response, 401, 'invalid_client');
  });

  it('refuses Basic and client_secret_post at once with invalid_request', async () => {
    const response = await token(
      { grant_type: 'client_credentials', client_id: 'reporting', client_secret: secret },
      basic('reporting', secret),
    );
    expectOAuthError(response, 400, 'invalid_request');
  });
});

describe('malformed token requests', () => {
  it('answers an unknown grant type with unsupported_grant_type', async () => {
    for (const grantType of ['password', 'authorization_code', 'urn:x']) {
      const response = await token({ grant_type: grantType }, basic('reporting', secret));
      expectOAuthError(response, 400, 'unsupported_grant_type');
    }
  });

  it('answers a missing grant_type with invalid_request', async () => {
    expectOAuthError(await token({}, basic('reporting', secret)), 400, 'invalid_request');
  });

  it.each(['grant_type', 'scope', 'client_id'])(
    'answers a repeated %s with invalid_request (RFC 6749 §3.2)',
    async (name) => {
      const params: [string, string][] = [
        ['grant_type', 'client_credentials'],
        ['client_id', 'reporting'],
        ['client_secret', secret],
        ['scope', 'read'],
      ];
      const value = params.find(([key]) => key === name)?.[1] ?? '';
      const response = await token([...params, [name, value]]);
      expectOAuthError(response, 400, 'invalid_request');
    },
  );

  it('answers a JSON body with a non-string field and a body of garbage with 400', async () => {
    expectOAuthError(
      await postJson(`${url}/oauth/token`, { grant_type: ['client_credentials'] }),
      400,
      'invalid_request',
    );
    const garbage = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type":',
    });
    expect(garbage.status).toBe(400);
    expect(await garbage.text()).not.toMatch(STACK_FRAME);
  });

  it('answers a malformed Basic header with invalid_request, not a crash', async () => {
    const colonless = `Basic ${Buffer.from('reporting').toString('base64')}`;
    const response = await token(
      { grant_type: 'client_credentials' },
      { authorization: colonless },
    );
    expectOAuthError(response, 400, 'invalid_request');
  });

  it('a user access token cannot be traded at the token endpoint', async () => {
    const tokens = await login(url, 'alice');
    const response = await token(
      { grant_type: 'refresh_token', refresh_token: tokens.accessToken },
      basic('reporting', secret),
    );
    expectOAuthError(response, 400, 'invalid_grant');
  });
});
