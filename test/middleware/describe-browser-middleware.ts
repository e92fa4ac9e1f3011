import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../examples/shared/http-server.js';
import { generateSigningKey } from '../../src/keys/generate-signing-key.js';
import type { SigningKey } from '../../src/keys/signing-key.js';
import { signAccessToken } from '../../src/token/access-token.js';
import { createVerifier, type Verifier } from '../../src/verifier/create-verifier.js';
import { readResponse, STACK_FRAME, type JsonResponse } from '../support/server-fixture.js';
import type { ExampleUnderTest } from './describe-middleware.js';

// Browser mode under Express, Fastify and Hono: each framework's example orders API with
// `cookies: { allowedOrigins }`, behind a verifier that trusts a key of this test, so tokens can
// carry the claims the auth server's browser login puts in them (`csh`, `fgp`).

const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'orders-api';
const ORIGIN = 'https://shop.example.test';
const CSRF = 'the-csrf-token-of-this-session-43-characters';
const FINGERPRINT = 'the-fingerprint-cookie-of-this-browser';
const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url');
const ORDER = JSON.stringify({ product: 'p-1', quantity: 2 });

export function describeBrowserMiddleware(example: ExampleUnderTest): void {
  describe(`${example.name} middleware in browser mode`, () => {
    const closers: (() => Promise<void>)[] = [];
    let key: SigningKey;
    let verifier: Verifier;
    let api: RunningApi;

    beforeAll(async () => {
      key = await generateSigningKey('EdDSA', { kid: 'browser-test' });
      verifier = createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['EdDSA'],
        jwks: { keys: [key.getPublicJwk()] },
        revocations: 'none',
        onWarning: () => undefined,
      });
      closers.push(() => verifier.close());
      await verifier.ready();
      api = await example.startOrdersApi({
        verifier,
        dpop: false,
        cookies: { allowedOrigins: [ORIGIN] },
        host: '127.0.0.1',
        port: 0,
      });
      closers.push(() => api.close());
    }, 30_000);

    afterAll(async () => {
      for (const close of closers.splice(0).reverse()) await close();
    });

    /** An access token of alice's session, with extra claims (`csh`, `fgp`). */
    const tokenWith = (extraClaims: Record<string, unknown>): string =>
      signAccessToken(
        {
          issuer: ISSUER,
          subject: 'alice',
          audience: AUDIENCE,
          clientId: 'tessera',
          scope: 'orders:read orders:write',
          sessionId: 'session-1',
          extraClaims,
        },
        key,
      );

    const cookieToken = (): string => tokenWith({ csh: sha256(CSRF) });
    const sessionCookie = (token: string, more = ''): Record<string, string> => ({
      cookie: `lang=en; __Host-tessera-access=${token}; __Host-tessera-csrf=${CSRF}${more}`,
    });
    /** What a page of the shop sends with fetch() to its own API. */
    const fromShop = {
      'sec-fetch-site': 'same-origin',
      origin: ORIGIN,
      'x-csrf-token': CSRF,
      'content-type': 'application/json',
    };

    const call = async (
      path: string,
      headers: Record<string, string>,
      method = 'GET',
    ): Promise<JsonResponse> =>
      readResponse(
        await fetch(`${api.url}${path}`, {
          method,
          headers,
          ...(method === 'POST' ? { body: ORDER } : {}),
        }),
      );

    function expectRefusal(response: JsonResponse, status: number, error: string): void {
      expect(response.status).toBe(status);
      expect(response.body['error']).toBe(error);
      expect(typeof response.body['error_description']).toBe('string');
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.text).not.toMatch(STACK_FRAME);
    }

    it('accepts the session cookie on GET routes, required and optional', async () => {
      const token = cookieToken();
      const orders = await call('/orders', sessionCookie(token));
      expect(orders.status).toBe(200);
      const me = await call('/me', sessionCookie(token));
      expect(me.body).toMatchObject({ sub: 'alice', sid: 'session-1', scheme: 'Bearer' });
      expect((await call('/catalog', sessionCookie(token))).body).toMatchObject({
        viewer: 'alice',
      });
      expect((await call('/catalog', { cookie: 'lang=en' })).body).toMatchObject({
        viewer: null,
      });
    });

    it('accepts a POST from the shop with its CSRF token', async () => {
      const placed = await call(
        '/orders',
        { ...sessionCookie(cookieToken()), ...fromShop },
        'POST',
      );
      expect(placed.status).toBe(201);
      expect(placed.body).toMatchObject({ placedBy: 'alice' });
    });

    const forged: [string, Record<string, string>][] = [
      ['a cross-site page', { ...fromShop, 'sec-fetch-site': 'cross-site' }],
      ['a sibling subdomain (same-site)', { ...fromShop, 'sec-fetch-site': 'same-site' }],
      ['another origin', { ...fromShop, origin: 'https://evil.example.test' }],
      [
        'an old browser that sends neither Sec-Fetch-Site nor Origin',
        { 'x-csrf-token': CSRF, 'content-type': 'application/json' },
      ],
      ['a page without the CSRF token', { ...fromShop, 'x-csrf-token': '' }],
      ['a page with a wrong CSRF token', { ...fromShop, 'x-csrf-token': `${CSRF}-not` }],
    ];
    for (const [who, headers] of forged) {
      it(`refuses a POST by ${who}: 403 csrf_rejected`, async () => {
        const response = await call(
          '/orders',
          { ...sessionCookie(cookieToken()), ...headers },
          'POST',
        );
        expectRefusal(response, 403, 'csrf_rejected');
      });
    }

    it('refuses state changes with a cookie token that has no csh', async () => {
      const token = tokenWith({});
      expect((await call('/orders', sessionCookie(token))).status).toBe(200);
      expectRefusal(
        await call('/orders', { ...sessionCookie(token), ...fromShop }, 'POST'),
        403,
        'csrf_rejected',
      );
    });

    it('leaves requests with Authorization alone, wherever they come from', async () => {
      const response = await call(
        '/orders',
        {
          authorization: `Bearer ${tokenWith({})}`,
          'sec-fetch-site': 'cross-site',
          origin: 'https://evil.example.test',
          'content-type': 'application/json',
        },
        'POST',
      );
      expect(response.status).toBe(201);
    });

    it('refuses a Tessera cookie sent twice', async () => {
      const token = cookieToken();
      const response = await call('/orders', {
        cookie: `__Host-tessera-access=${token}; __Host-tessera-access=${token}`,
      });
      expectRefusal(response, 400, 'invalid_request');
    });

    it('accepts a sidecar-bound bearer token only with its fingerprint cookie', async () => {
      const token = tokenWith({ fgp: sha256(FINGERPRINT) });
      const bearer = { authorization: `Bearer ${token}` };
      const without = await call('/me', bearer);
      expectRefusal(without, 401, 'invalid_token');
      expect(without.body['error_description']).toMatch(/fingerprint cookie/);
      expect(without.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      const wrong = await call('/me', { ...bearer, cookie: '__Host-tessera-fgp=stolen-elsewhere' });
      expectRefusal(wrong, 401, 'invalid_token');
      const right = await call('/me', { ...bearer, cookie: `__Host-tessera-fgp=${FINGERPRINT}` });
      expect(right.status).toBe(200);
      expect(right.body).toMatchObject({ sub: 'alice' });
    });
  });
}
