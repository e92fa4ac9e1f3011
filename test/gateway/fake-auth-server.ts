import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import type { RawGatewaySettings } from '../../src/gateway/gateway-config.js';
import { generateSigningKey } from '../../src/keys/generate-signing-key.js';
import type { SigningKey } from '../../src/keys/signing-key.js';
import { signAccessToken } from '../../src/token/access-token.js';
import { AUDIENCE } from './gateway-fixture.js';

// An auth server reduced to what a cookie-mode gateway asks of it: its JWKS, and
// `/oauth/token` for refresh_token grants, answering as each test says and counting calls.

/** The fixture's audience: the gateway tests share one. */
export { AUDIENCE };
export const CSRF = 'the-csrf-token-of-the-session-0123456789abc';
export const sha256 = (value: string): string =>
  createHash('sha256').update(value).digest('base64url');

/** How `/oauth/token` answers the next refreshes. */
/**
 * Settings of a gateway in front of `auth` and the upstream at `upstreamUrl`, with DPoP and
 * revocations off: each test adds what it is about.
 */
export function gatewaySettingsFor(auth: FakeAuthServer, upstreamUrl: string): RawGatewaySettings {
  return {
    listen: '127.0.0.1:0',
    upstream: upstreamUrl,
    issuer: auth.url,
    audience: AUDIENCE,
    revocations: 'none',
    disableDpop: true,
  };
}

/** The claims of `auth`'s access tokens, issued now for five minutes with a fresh jti. */
export function accessClaims(
  auth: FakeAuthServer,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: auth.url,
    aud: AUDIENCE,
    sub: 'alice',
    client_id: 'tessera',
    scope: 'orders:read',
    iat: now,
    exp: now + 300,
    jti: randomBytes(8).toString('hex'),
    ...overrides,
  };
}

export type TokenMode = 'rotate' | 'invalid_grant' | 'error500' | 'hang';

export interface FakeAuthServer {
  readonly url: string;
  readonly key: SigningKey;
  /** Every `/oauth/token` request body, parsed. */
  readonly tokenCalls: URLSearchParams[];
  mode: TokenMode;
  /** Milliseconds `/oauth/token` waits before answering (to make requests overlap). */
  delayMs: number;
  /** `refresh_token_expires_in` of refreshes (the session's seconds left); null leaves it out. */
  refreshExpiresIn: number | null;
  /** An access token of alice's cookie session; `expired` puts exp well past any tolerance. */
  accessToken(options?: { expired?: boolean; claims?: Record<string, unknown> }): string;
  close(): Promise<void>;
}

export async function startFakeAuthServer(): Promise<FakeAuthServer> {
  const key = await generateSigningKey('EdDSA', { kid: 'fake' });
  let issuer = '';
  let counter = 0;
  const accessToken = (
    options: { expired?: boolean; claims?: Record<string, unknown> } = {},
  ): string =>
    signAccessToken(
      {
        issuer,
        subject: 'alice',
        audience: AUDIENCE,
        clientId: 'tessera',
        scope: 'orders:read orders:write',
        sessionId: 'session-1',
        ttlSeconds: 300,
        extraClaims: { csh: sha256(CSRF), ...options.claims },
        ...(options.expired === true ? { clock: { now: () => Date.now() - 3_600_000 } } : {}),
      },
      key,
    );
  const fake: FakeAuthServer = {
    url: '',
    key,
    tokenCalls: [],
    mode: 'rotate',
    delayMs: 0,
    refreshExpiresIn: null,
    accessToken,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const answerToken = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let text = '';
    for await (const chunk of request) text += String(chunk);
    fake.tokenCalls.push(new URLSearchParams(text));
    if (fake.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.delayMs));
    const json = (status: number, body: unknown): void => {
      response.writeHead(status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
      });
      response.end(JSON.stringify(body));
    };
    switch (fake.mode) {
      case 'hang':
        return;
      case 'error500':
        json(500, { error: 'server_error' });
        return;
      case 'invalid_grant':
        json(400, { error: 'invalid_grant', error_description: 'the refresh token is invalid' });
        return;
      case 'rotate':
        counter++;
        json(200, {
          access_token: accessToken(),
          token_type: 'Bearer',
          expires_in: 300,
          refresh_token: `refresh-${counter}-${'r'.repeat(30)}`,
          scope: 'orders:read orders:write',
          ...(fake.refreshExpiresIn === null
            ? {}
            : { refresh_token_expires_in: fake.refreshExpiresIn }),
        });
    }
  };
  const server: Server = createServer((request, response) => {
    if (request.url === '/.well-known/jwks.json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [key.getPublicJwk()] }));
      return;
    }
    if (request.url === '/oauth/token' && request.method === 'POST') {
      void answerToken(request, response);
      return;
    }
    response.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, { url: issuer });
}

/**
 * Cookies a hostile or careless upstream tries to set in place of the session's, on
 * `/planted`: every spelling a browser would store under one of our names.
 */
export const PLANTED_COOKIES: readonly string[] = [
  '__Host-tessera-access=planted; Path=/; Secure; HttpOnly',
  ' __HOST-Tessera-refresh=planted; Path=/; Secure',
  '__host-tessera-csrf=planted; Path=/; Secure',
  '__Host-tessera-fgp; Path=/; Secure',
];

/**
 * An upstream that sets cookies of its own, says its answers may be cached publicly, and
 * echoes method and headers; on `/planted` it also tries to set {@link PLANTED_COOKIES}.
 */
export async function startCookieUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const planted = request.url === '/planted' ? PLANTED_COOKIES : [];
      response.writeHead(200, [
        'content-type',
        'application/json',
        'set-cookie',
        'upstream-a=1; Path=/',
        ...planted.flatMap((cookie) => ['set-cookie', cookie]),
        'set-cookie',
        'upstream-b=2; Path=/',
        'cache-control',
        'public, max-age=60',
        'vary',
        'Accept-Encoding',
      ]);
      response.end(JSON.stringify({ method: request.method, headers: request.headers }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
