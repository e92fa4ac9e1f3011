import { request as httpRequest } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../support/forge.js';
import { signAccessToken } from '../../src/token/access-token.js';
import { login, waitFor, withBearer } from '../support/server-fixture.js';
import {
  AUDIENCE,
  clientToken,
  echoedHeaders,
  GatewayHarness,
  getJson,
  type GatewayStack,
} from './gateway-fixture.js';

// The gateway in front of an echo upstream, with tokens from a real auth server: what it lets
// through, with which identity headers, and how it refuses the rest (RFC 6750 §3).

const harness = new GatewayHarness();
let stack: GatewayStack;
let routed: string;

beforeAll(async () => {
  const dir = await harness.servers.tempDir();
  const config = join(dir, 'gateway.json');
  await writeFile(
    config,
    JSON.stringify({
      routes: [
        { prefix: '/orders', scopes: ['orders:read'] },
        { prefix: '/orders', methods: ['POST', 'DELETE'], scopes: ['orders:write'] },
      ],
      publicPaths: ['/health'],
    }),
  );
  stack = await harness.start({ config });
  routed = stack.url;
}, 60_000);
afterAll(() => harness.cleanup());

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('a valid token', () => {
  it('is forwarded with the identity in X-Tessera-* headers and without the token', async () => {
    const token = await clientToken(stack, 'orders:read');
    const { status, body, headers } = await getJson(`${routed}/orders/7?x=1`, bearer(token));
    expect(status).toBe(200);
    expect(headers.get('x-upstream')).toBe('echo');
    expect(body['url']).toBe('/orders/7?x=1');
    const seen = echoedHeaders(body);
    expect(seen).toMatchObject({
      'x-tessera-sub': 'reporting',
      'x-tessera-client-id': 'reporting',
      'x-tessera-scope': 'orders:read',
      'x-forwarded-proto': 'http',
    });
    expect(seen['x-tessera-sid']).toBeUndefined();
    expect(seen['authorization']).toBeUndefined();
    expect(seen['host']).toBe(new URL(stack.upstream.url).host);
  });

  it('of a user carries the session id', async () => {
    const tokens = await login(stack.issuer, 'alice');
    // Login tokens are for the server's own audience unless configured; this one says AUDIENCE.
    const { status, body } = await getJson(`${routed}/profile`, bearer(tokens.accessToken));
    expect(status).toBe(200);
    expect(echoedHeaders(body)).toMatchObject({ 'x-tessera-sid': tokens.sessionId });
  });

  it('replaces every X-Tessera-* header the client sent (invariant 5)', async () => {
    const token = await clientToken(stack, 'orders:read');
    const { body } = await getJson(`${routed}/orders`, {
      ...bearer(token),
      'x-tessera-sub': 'admin',
      'X-Tessera-Scope': 'orders:write admin',
      'x-tessera-role': 'root',
    });
    const seen = echoedHeaders(body);
    expect(seen['x-tessera-sub']).toBe('reporting');
    expect(seen['x-tessera-scope']).toBe('orders:read');
    expect(seen['x-tessera-role']).toBeUndefined();
  });

  it('drops underscore spellings of X-Tessera-* and path-override headers', async () => {
    const token = await clientToken(stack, 'orders:read');
    // CGI/WSGI upstreams read `X-Tessera_Sub` as HTTP_X_TESSERA_SUB, the same as the real one.
    for (const url of [`${routed}/orders`, `${routed}/health`]) {
      const { status, body } = await rawRequest(url, {}, [
        'authorization',
        `Bearer ${token}`,
        'X-Tessera_Sub',
        'admin',
        'x_tessera-scope',
        'admin',
        'X_Tessera_Role',
        'root',
        'X-Original-URL',
        '/admin',
        'x-rewrite-url',
        '/admin',
      ]);
      expect(status).toBe(200);
      const names = Object.keys(echoedHeaders(JSON.parse(body) as Record<string, unknown>));
      expect(names.filter((name) => /^x[-_]tessera[-_]/.test(name)).sort()).toEqual(
        url.endsWith('/orders') ? ['x-tessera-client-id', 'x-tessera-scope', 'x-tessera-sub'] : [],
      );
      expect(names).not.toContain('x-original-url');
      expect(names).not.toContain('x-rewrite-url');
    }
  });

  it('drops method-override headers: scopes were judged on the request-line method', async () => {
    // A read-only token could otherwise GET /orders with "X-HTTP-Method-Override: DELETE",
    // which the upstream's framework may run as a DELETE that needs orders:write.
    const token = await clientToken(stack, 'orders:read');
    for (const url of [`${routed}/orders`, `${routed}/health`]) {
      const { status, body } = await rawRequest(url, {}, [
        'authorization',
        `Bearer ${token}`,
        'X-HTTP-Method-Override',
        'DELETE',
        'x-http-method',
        'DELETE',
        'X-Method-Override',
        'DELETE',
      ]);
      expect(status).toBe(200);
      const echoed = JSON.parse(body) as Record<string, unknown>;
      expect(echoed['method']).toBe('GET');
      const names = Object.keys(echoedHeaders(echoed));
      expect(names.filter((name) => name.includes('method'))).toEqual([]);
    }
  });

  it('is kept for the upstream only with --forward-token', async () => {
    const keeping = await harness.startGateway(stack, { forwardToken: true });
    const token = await clientToken(stack, 'orders:read');
    const { body } = await getJson(`${keeping.url}/orders`, bearer(token));
    expect(echoedHeaders(body)['authorization']).toBe(`Bearer ${token}`);
  });
});

describe('a public path', () => {
  it('needs no token, and spoofed identity headers are stripped there too', async () => {
    const { status, body } = await getJson(`${routed}/health`, {
      'x-tessera-sub': 'admin',
      'x-tessera-client-id': 'root',
    });
    expect(status).toBe(200);
    const seen = echoedHeaders(body);
    expect(Object.keys(seen).filter((name) => name.startsWith('x-tessera-'))).toEqual([]);
  });

  it('is judged after dot segments are resolved, and encoded slashes are refused', async () => {
    const escaped = await rawRequest(`${routed}/health/../orders`, {});
    expect(escaped.status).toBe(401);
    const encoded = await rawRequest(`${routed}/health%2f..%2forders`, {});
    expect(encoded.status).toBe(400);
  });
});

describe('the path the route is judged on', () => {
  it('is the path the upstream receives: escapes of plain characters are decoded first', async () => {
    // RFC 3986 §6.2.2.2: `%6f` is `o`; a decoding upstream serves `/%6frders` as `/orders`.
    const writer = await clientToken(stack, 'orders:write');
    const disguised = await rawRequest(`${routed}/%6frders/7`, bearer(writer));
    expect(disguised.status).toBe(403);
    const reader = await clientToken(stack, 'orders:read');
    const { status, body } = await rawRequest(`${routed}/%6Frders/%37?q=%6f`, bearer(reader));
    expect(status).toBe(200);
    expect((JSON.parse(body) as Record<string, unknown>)['url']).toBe('/orders/7?q=%6f');
    const dots = await rawRequest(`${routed}/health/%2E%2e/orders`, {});
    expect(dots.status).toBe(401);
  });

  it('matches route prefixes whatever the case', async () => {
    const writer = await clientToken(stack, 'orders:write');
    expect((await rawRequest(`${routed}/ORDERS/7`, bearer(writer))).status).toBe(403);
    expect((await rawRequest(`${routed}/Orders`, bearer(writer))).status).toBe(403);
    // A public path is public only as written: another case needs a token (stricter is safe).
    expect((await rawRequest(`${routed}/HEALTH`, {})).status).toBe(401);
  });

  it.each([
    ['a path parameter that Tomcat drops', '/health/..;/orders'],
    ['a path parameter on a segment', '/orders;jsessionid=1'],
    ['an encoded semicolon', '/health/..%3B/orders'],
    ['an encoded slash', '/health/..%2Forders'],
    ['an encoded backslash', '/health/..%5corders'],
    ['a backslash', '/health/..\\orders'],
    ['a double-encoded dot', '/health/%252e%252e/orders'],
    ['a double-encoded slash', '/health%252f..%252forders'],
    ['an overlong UTF-8 dot', '/health/%c0%ae%c0%ae/orders'],
    ['an encoded NUL', '/orders%00.json'],
    ['a broken escape', '/orders/%zz'],
  ])('refuses %s with 400 invalid_request', async (_, path) => {
    const { status, body } = await rawRequest(`${routed}${path}`, {});
    expect(status).toBe(400);
    expect(JSON.parse(body)).toMatchObject({ error: 'invalid_request' });
  });
});

describe('refusals', () => {
  it('answers a request without a token 401 with both challenges and no error code', async () => {
    const { status, headers, body } = await getJson(`${routed}/orders`);
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toMatch(/^Bearer realm="tessera", DPoP algs="[^"]+"$/);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({ error: 'invalid_token' });
  });

  it('answers a token that is not one 401 invalid_token, and another scheme 400', async () => {
    const bad = await getJson(`${routed}/orders`, bearer('abc.def.ghi'));
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    const basic = await getJson(`${routed}/orders`, { authorization: 'Basic YTpi' });
    expect(basic.status).toBe(400);
    expect(basic.body['error']).toBe('invalid_request');
  });

  it('answers an expired token 401 and says so', async () => {
    const expired = signAccessToken(
      {
        issuer: stack.issuer,
        subject: 'reporting',
        audience: AUDIENCE,
        clientId: 'reporting',
        ttlSeconds: 60,
        clock: new TestClock(Date.now() - 2 * 3600_000),
      },
      stack.auth.context.keys.getSigningKey(),
    );
    const { status, headers } = await getJson(`${routed}/orders`, bearer(expired));
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toContain('error_description="the token has expired"');
  });

  it('answers a revoked token 401 once the revocation reaches the gateway', async () => {
    const tokens = await login(stack.issuer, 'alice');
    expect((await getJson(`${routed}/me`, bearer(tokens.accessToken))).status).toBe(200);
    expect(
      (await withBearer(`${stack.issuer}/auth/logout`, tokens.accessToken, 'POST')).status,
    ).toBe(204);
    await waitFor('the gateway to refuse the revoked token', async () => {
      const { status } = await getJson(`${routed}/me`, bearer(tokens.accessToken));
      return status === 401;
    });
    const { headers } = await getJson(`${routed}/me`, bearer(tokens.accessToken));
    expect(headers.get('www-authenticate')).toContain('the token has been revoked');
  });

  it('answers a token without the scope of the route 403 insufficient_scope, naming it', async () => {
    const token = await clientToken(stack, 'orders:read');
    expect((await getJson(`${routed}/orders/7`, bearer(token))).status).toBe(200);
    const { status, headers, body } = await getJson(`${routed}/orders/7`, bearer(token), 'DELETE');
    expect(status).toBe(403);
    expect(body['error']).toBe('insufficient_scope');
    expect(headers.get('www-authenticate')).toMatch(
      /error="insufficient_scope".*scope="orders:write"/,
    );
    const writer = await clientToken(stack, 'orders:write');
    expect((await getJson(`${routed}/orders/7`, bearer(writer), 'DELETE')).status).toBe(200);
    // orders:write alone does not give GET, which needs orders:read.
    expect((await getJson(`${routed}/orders/7`, bearer(writer))).status).toBe(403);
  });

  it('refuses two Authorization headers', async () => {
    const token = await clientToken(stack, 'orders:read');
    const { status } = await rawRequest(`${routed}/orders`, {}, [
      'authorization',
      `Bearer ${token}`,
      'authorization',
      'Bearer other',
    ]);
    expect(status).toBe(400);
  });
});

describe('hop-by-hop headers (RFC 9110 §7.6.1)', () => {
  it('are not forwarded, nor the fields Connection names', async () => {
    const token = await clientToken(stack, 'orders:read');
    const { status, body } = await rawRequest(`${routed}/orders`, {}, [
      'authorization',
      `Bearer ${token}`,
      'connection',
      'keep-alive, x-secret-hop',
      'x-secret-hop',
      'only for the gateway',
      'keep-alive',
      'timeout=5',
      'proxy-authorization',
      'Basic eDp5',
      'x-end-to-end',
      'kept',
    ]);
    expect(status).toBe(200);
    const seen = echoedHeaders(JSON.parse(body) as Record<string, unknown>);
    expect(seen['x-secret-hop']).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(seen['keep-alive']).toBeUndefined();
    expect(seen['x-end-to-end']).toBe('kept');
  });
});

/** A request with node:http, which (unlike fetch) sends any header and any path as given. */
function rawRequest(
  url: string,
  headers: Record<string, string>,
  rawHeaders: string[] = [],
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  // With headers as a list Node adds no Host, which HTTP/1.1 requires (RFC 9112 §3.2).
  const pairs: string[] = ['host', target.host, ...rawHeaders];
  for (const [name, value] of Object.entries(headers)) pairs.push(name, value);
  const path = url.slice(target.origin.length);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: target.hostname, port: target.port, path, method: 'GET', headers: pairs },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body });
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
}
