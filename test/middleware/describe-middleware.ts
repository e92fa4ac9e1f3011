import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../examples/shared/http-server.js';
import type { StartOptions } from '../../examples/shared/settings.js';
import { createVerifier, type Verifier } from '../../src/verifier/create-verifier.js';
import { createDpopKey, createProof, findFreePort, type DpopKey } from '../server/dpop-client.js';
import {
  addClient,
  addUser,
  basic,
  login,
  postForm,
  readResponse,
  ServerHarness,
  STACK_FRAME,
  stringField,
  waitFor,
  withBearer,
  type JsonResponse,
} from '../support/server-fixture.js';

// One suite for the Express, Fastify and Hono middleware. Each run starts that framework's
// example orders API (examples/<name>/app.ts) on 127.0.0.1, in front of a real verifier that
// follows a real auth server, and calls it with real tokens over HTTP.

/** A framework's example, as the suite starts it. */
export interface ExampleUnderTest {
  readonly name: string;
  readonly startOrdersApi: (options: StartOptions) => Promise<RunningApi>;
}

const AUDIENCE = 'orders-api';

export function describeMiddleware(example: ExampleUnderTest): void {
  describe(`${example.name} middleware, running examples/${example.name.toLowerCase()}`, () => {
    const harness = new ServerHarness();
    const closers: (() => Promise<void>)[] = [];
    const errors: unknown[] = [];
    let issuer = '';
    let clientSecret = '';
    let api: RunningApi;
    let verifier: Verifier;

    beforeAll(async () => {
      // DPoP proofs at the token endpoint name the issuer's URL, so its port is chosen first.
      issuer = `http://127.0.0.1:${await findFreePort()}`;
      const { server } = await harness.start({
        flags: { port: new URL(issuer).port, issuer, audience: AUDIENCE },
      });
      await addUser(server, 'alice');
      clientSecret =
        (await addClient(server, 'reporting', { scopes: ['orders:read', 'orders:write'] })) ?? '';
      verifier = createVerifier({
        issuer,
        audience: AUDIENCE,
        algorithms: ['EdDSA'],
        jwksUri: `${issuer}/.well-known/jwks.json`,
        revocations: { feed: `${issuer}/revocations/stream` },
      });
      closers.push(() => verifier.close());
      await verifier.ready();
      api = await example.startOrdersApi({
        verifier,
        dpop: true,
        host: '127.0.0.1',
        port: 0,
        onError: (error) => errors.push(error),
      });
      closers.push(() => api.close());
    }, 60_000);

    afterAll(async () => {
      for (const close of closers.splice(0).reverse()) await close();
      await harness.cleanup();
    });

    /** A client_credentials token of `reporting`; with a key, bound to it (RFC 9449). */
    async function clientToken(scope: string, key?: DpopKey): Promise<string> {
      const proof =
        key === undefined
          ? {}
          : { dpop: createProof(key, { method: 'POST', url: `${issuer}/oauth/token` }) };
      const response = await postForm(
        `${issuer}/oauth/token`,
        { grant_type: 'client_credentials', scope },
        { ...basic('reporting', clientSecret), ...proof },
      );
      return stringField(response.body, 'access_token');
    }

    async function call(
      path: string,
      headers: Record<string, string> = {},
      init: { method?: string; body?: string } = {},
    ): Promise<JsonResponse> {
      return readResponse(await fetch(`${api.url}${path}`, { ...init, headers }));
    }

    const bearer = (token: string): Record<string, string> => ({
      authorization: `Bearer ${token}`,
    });

    /** Every refusal: JSON `{ error, error_description }`, not cached, no stack trace. */
    function expectRefusal(response: JsonResponse, status: number, error: string): void {
      expect(response.status).toBe(status);
      expect(response.body['error']).toBe(error);
      expect(typeof response.body['error_description']).toBe('string');
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.text).not.toMatch(STACK_FRAME);
    }

    it('serves the public route without a token, and names the viewer when one is sent', async () => {
      const anonymous = await call('/catalog');
      expect(anonymous.status).toBe(200);
      expect(anonymous.body).toMatchObject({ viewer: null });
      const token = await clientToken('orders:read');
      expect((await call('/catalog', bearer(token))).body).toMatchObject({ viewer: 'reporting' });
      // Optional means "no token is fine", not "a bad token is ignored".
      expectRefusal(await call('/catalog', bearer(`${token}x`)), 401, 'invalid_token');
    });

    it('answers a request without a token 401 with a challenge for each scheme', async () => {
      for (const path of ['/orders', '/me']) {
        const response = await call(path);
        expectRefusal(response, 401, 'invalid_token');
        // RFC 6750 §3.1: no credentials, so the challenge names no error.
        expect(response.headers.get('www-authenticate')).toMatch(
          /^Bearer realm="tessera", DPoP algs="[^"]+"$/,
        );
      }
    });

    it('answers a malformed Authorization header 400 and a bad token 401', async () => {
      const malformed = await call('/me', { authorization: 'Basic YWxpY2U6c2VjcmV0' });
      expectRefusal(malformed, 400, 'invalid_request');
      const bad = await call('/me', bearer('eyJhbGciOiJub25lIn0.e30.'));
      expectRefusal(bad, 401, 'invalid_token');
      expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    });

    it('lets a valid token through and puts its identity on the request', async () => {
      const token = await clientToken('orders:read');
      const orders = await call('/orders', bearer(token));
      expect(orders.status).toBe(200);
      expect(orders.body['orders']).toHaveLength(2);
      const me = await call('/me', bearer(token));
      expect(me.status).toBe(200);
      expect(me.body).toEqual({
        sub: 'reporting',
        scopes: ['orders:read'],
        sid: null,
        clientId: 'reporting',
        scheme: 'Bearer',
        dpopBound: false,
      });
    });

    it('answers a token without the route scope 403 insufficient_scope, naming it', async () => {
      const writer = await clientToken('orders:write');
      const response = await call('/orders', bearer(writer));
      expectRefusal(response, 403, 'insufficient_scope');
      expect(response.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="tessera", error="insufficient_scope", .*scope="orders:read"$/,
      );
      // Several scopes: each is needed.
      const order = JSON.stringify({ product: 'p-1', quantity: 1 });
      const json = { 'content-type': 'application/json' };
      const reader = await clientToken('orders:read');
      const refused = await call(
        '/orders',
        { ...bearer(reader), ...json },
        { method: 'POST', body: order },
      );
      expectRefusal(refused, 403, 'insufficient_scope');
      expect(refused.headers.get('www-authenticate')).toContain('scope="orders:read orders:write"');
      const both = await clientToken('orders:read orders:write');
      const placed = await call(
        '/orders',
        { ...bearer(both), ...json },
        { method: 'POST', body: order },
      );
      expect(placed.status).toBe(201);
      expect(placed.body).toMatchObject({ product: 'p-1', placedBy: 'reporting' });
    });

    it('refuses a token once its logout reaches the verifier through the feed', async () => {
      const tokens = await login(issuer, 'alice');
      const before = await call('/me', bearer(tokens.accessToken));
      expect(before.status).toBe(200);
      expect(before.body).toMatchObject({ sid: tokens.sessionId, scheme: 'Bearer' });
      expect((await withBearer(`${issuer}/auth/logout`, tokens.accessToken, 'POST')).status).toBe(
        204,
      );
      await waitFor('the revocation to reach the API', async () => {
        return (await call('/me', bearer(tokens.accessToken))).status === 401;
      });
      const after = await call('/me', bearer(tokens.accessToken));
      expectRefusal(after, 401, 'invalid_token');
      expect(after.headers.get('www-authenticate')).toContain('the token has been revoked');
    });

    it('refuses a DPoP-bound token sent as a bearer token, and accepts it with a proof', async () => {
      const key = createDpopKey('ES256');
      const token = await clientToken('orders:read orders:write', key);
      const asBearer = await call('/orders', bearer(token));
      expectRefusal(asBearer, 401, 'invalid_token');
      expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP algs="[^"]+", error=/);

      const proofFor = (method: string, path: string, signer: DpopKey = key): string =>
        createProof(signer, { method, url: `${api.url}${path}`, accessToken: token });
      const withProof = await call('/orders', {
        authorization: `DPoP ${token}`,
        dpop: proofFor('GET', '/orders'),
      });
      expect(withProof.status).toBe(200);
      const me = await call('/me', {
        authorization: `DPoP ${token}`,
        dpop: proofFor('GET', '/me'),
      });
      expect(me.body).toMatchObject({ scheme: 'DPoP', dpopBound: true });

      // Two middleware on one route check the proof once: a second check would see a replay.
      const placed = await call(
        '/orders',
        {
          authorization: `DPoP ${token}`,
          dpop: proofFor('POST', '/orders'),
          'content-type': 'application/json',
        },
        { method: 'POST', body: JSON.stringify({ product: 'p-2', quantity: 3 }) },
      );
      expect(placed.status).toBe(201);

      // Without a proof, with a replayed one, or with one from another key: refused.
      expectRefusal(
        await call('/orders', { authorization: `DPoP ${token}` }),
        401,
        'invalid_dpop_proof',
      );
      const once = { authorization: `DPoP ${token}`, dpop: proofFor('GET', '/orders') };
      expect((await call('/orders', once)).status).toBe(200);
      expectRefusal(await call('/orders', once), 401, 'invalid_dpop_proof');
      const thief = {
        authorization: `DPoP ${token}`,
        dpop: proofFor('GET', '/orders', createDpopKey()),
      };
      expectRefusal(await call('/orders', thief), 401, 'invalid_dpop_proof');
    });

    it('checks proofs against the socket address or publicUrl, never the Host header', async () => {
      const proxied = await example.startOrdersApi({
        verifier,
        dpop: true,
        host: '127.0.0.1',
        port: 0,
        publicUrl: 'https://api.example.test/v1/',
      });
      closers.push(() => proxied.close());
      const key = createDpopKey();
      const token = await clientToken('orders:read', key);
      /** GET /orders at `base` with a proof naming `url`, and a Host header the client chose. */
      const send = (base: string, url: string): Promise<number> =>
        statusWithHost(`${base}/orders`, 'evil.example', {
          authorization: `DPoP ${token}`,
          dpop: createProof(key, { method: 'GET', url, accessToken: token }),
        });
      expect(await send(api.url, `${api.url}/orders`)).toBe(200);
      expect(await send(api.url, 'http://evil.example/orders')).toBe(401);
      expect(await send(proxied.url, 'https://api.example.test/v1/orders')).toBe(200);
      expect(await send(proxied.url, `${proxied.url}/orders`)).toBe(401);
      expect(await send(proxied.url, 'http://evil.example/orders')).toBe(401);
    });

    it('answers 503 with Retry-After, and no challenge, while revocations cannot be confirmed', async () => {
      // Keys given inline, revocations from a port where nothing listens: tokens verify, but
      // the denylist is never confirmed current, so they must be refused (fail closed).
      const jwks: unknown = await (await fetch(`${issuer}/.well-known/jwks.json`)).json();
      const blind = createVerifier({
        issuer,
        audience: AUDIENCE,
        algorithms: ['EdDSA'],
        jwks,
        revocations: { feed: `http://127.0.0.1:${await findFreePort()}/revocations/stream` },
        timeoutMs: 500,
      });
      closers.push(() => blind.close());
      const reported: unknown[] = [];
      const stale = await example.startOrdersApi({
        verifier: blind,
        dpop: true,
        host: '127.0.0.1',
        port: 0,
        onError: (error) => reported.push(error),
      });
      closers.push(() => stale.close());
      const token = await clientToken('orders:read');
      const response = await readResponse(
        await fetch(`${stale.url}/orders`, { headers: bearer(token) }),
      );
      expectRefusal(response, 503, 'temporarily_unavailable');
      expect(response.headers.get('retry-after')).toBe('5');
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(reported).toHaveLength(1);
    });

    it('answers an unexpected failure 500 server_error without detail, and reports it', async () => {
      const reported: unknown[] = [];
      const broken = await example.startOrdersApi({
        // An authenticator with a bug: it throws instead of answering.
        authenticator: {
          authenticate: () => Promise.reject(new Error('secret internal detail')),
          requireScope: () => null,
        },
        host: '127.0.0.1',
        port: 0,
        onError: (error) => reported.push(error),
      });
      closers.push(() => broken.close());
      const response = await readResponse(
        await fetch(`${broken.url}/me`, { headers: bearer('x') }),
      );
      expectRefusal(response, 500, 'server_error');
      expect(response.text).not.toContain('secret internal detail');
      expect(reported).toEqual([new Error('secret internal detail')]);
    });

    it('reported no unexpected error', () => {
      expect(errors).toEqual([]);
    });
  });
}

/** GET with a `Host` header of our choosing (fetch always sends the URL's own). */
function statusWithHost(
  url: string,
  host: string,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { headers: { ...headers, host }, timeout: 10_000 },
      (response) => {
        response.resume();
        response.on('end', () => {
          resolve(response.statusCode ?? 0);
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer from ${url}`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}
