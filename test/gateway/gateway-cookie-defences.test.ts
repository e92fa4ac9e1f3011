import { describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from '../../src/gateway/gateway-config.js';
import { startGateway } from '../../src/gateway/start-gateway.js';
import { createDpopKey, createProof } from '../server/dpop-client.js';
import { setCookies } from '../support/browser.js';
import { STACK_FRAME } from '../support/server-fixture.js';
import {
  auth,
  call,
  cookieNamed,
  cookieSettings,
  errors,
  FINGERPRINT,
  fromShop,
  jar,
  session,
  upstream,
  upstreamHeaders,
  useCookieGateway,
} from './cookie-gateway.js';
import { AUDIENCE, CSRF, sha256 } from './fake-auth-server.js';

// The gateway in browser mode when things go wrong: an auth server that fails or hangs, the
// CSRF rule, forged and spent refresh cookies, DPoP-bound sessions, duplicated cookies.

useCookieGateway();

describe('gateway cookie sessions: failures and defences', () => {
  it('keeps the cookies and answers 503 when the auth server fails or is slow', async () => {
    for (const mode of ['error500', 'hang'] as const) {
      auth.mode = mode;
      const started = Date.now();
      const answer = await call(session(undefined, `${mode}-${'e'.repeat(40)}`));
      expect(answer.status, mode).toBe(503);
      expect(answer.body['error']).toBe('temporarily_unavailable');
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(setCookies(answer.headers)).toEqual([]);
      expect(Date.now() - started).toBeLessThan(5000);
    }
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(String(errors)).not.toMatch(/e{40}/);
  });

  it('lets the shop change state, with its CSRF token, and refreshes on the way', async () => {
    const answer = await call(
      { ...session(auth.accessToken({ expired: true }), `post-${'f'.repeat(40)}`), ...fromShop },
      'POST',
    );
    expect(answer.status).toBe(200);
    expect(answer.body['method']).toBe('POST');
    // The CSRF header is the session's: the upstream does not get it.
    expect(upstreamHeaders(answer)['x-csrf-token']).toBeUndefined();
  });

  it('refuses a forged state change before refreshing anything', async () => {
    for (const headers of [
      { ...fromShop, 'sec-fetch-site': 'cross-site' },
      { ...fromShop, 'sec-fetch-site': 'same-site' },
      { ...fromShop, origin: 'https://evil.example.test' },
      { 'x-csrf-token': CSRF },
    ]) {
      const answer = await call(
        { ...session(auth.accessToken({ expired: true }), `forged-${'g'.repeat(40)}`), ...headers },
        'POST',
      );
      expect(answer.status).toBe(403);
      expect(answer.body['error']).toBe('csrf_rejected');
      expect(answer.text).not.toMatch(STACK_FRAME);
    }
    expect(auth.tokenCalls).toHaveLength(0);
    // Live token, same origin, but no or a wrong CSRF token.
    for (const token of [undefined, 'wrong']) {
      const answer = await call(
        { ...session(auth.accessToken()), ...fromShop, 'x-csrf-token': token ?? '' },
        'DELETE',
      );
      expect(answer.status).toBe(403);
    }
  });

  it('leaves Authorization requests alone, and holds sidecar tokens to their cookie', async () => {
    const plain = await call(
      { authorization: `Bearer ${auth.accessToken()}`, 'sec-fetch-site': 'cross-site' },
      'POST',
    );
    expect(plain.status).toBe(200);
    const bound = auth.accessToken({ claims: { fgp: sha256(FINGERPRINT) } });
    const without = await call({ authorization: `Bearer ${bound}` });
    expect(without.status).toBe(401);
    expect(without.body['error_description']).toMatch(/fingerprint cookie/);
    const wrong = await call({
      authorization: `Bearer ${bound}`,
      ...jar({ '__Host-tessera-fgp': 'other' }),
    });
    expect(wrong.status).toBe(401);
    const right = await call({
      authorization: `Bearer ${bound}`,
      ...jar({ '__Host-tessera-fgp': FINGERPRINT, theme: 'dark' }),
    });
    expect(right.status).toBe(200);
    expect(upstreamHeaders(right)['cookie']).toBe('theme=dark');
  });

  it('judges the origin before refreshing a session that has only its refresh cookie', async () => {
    // No access cookie: the authenticator has nothing to judge, so the gate must.
    const onlyRefresh = jar({
      '__Host-tessera-refresh': `lone-${'h'.repeat(40)}`,
      '__Host-tessera-csrf': CSRF,
    });
    for (const [headers, method] of [
      [{ ...fromShop, 'sec-fetch-site': 'same-site' }, 'POST'],
      [{ ...fromShop, 'sec-fetch-site': 'cross-site' }, 'DELETE'],
      [{ ...fromShop, origin: 'https://evil.example.test' }, 'PUT'],
      [{ 'sec-fetch-site': 'cross-site', 'x-http-method-override': 'DELETE' }, 'GET'],
    ] as const) {
      const answer = await call({ ...onlyRefresh, ...headers }, method);
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(answer.body['error']).toBe('csrf_rejected');
    }
    expect(auth.tokenCalls).toHaveLength(0);
  });

  it('refreshes only a missing or expired access token, never a forged or bearer one', async () => {
    const good = auth.accessToken();
    const tampered = `${good.slice(0, -4)}${good.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const forged = await call(session(tampered, `forged-${'i'.repeat(40)}`));
    expect(forged.status).toBe(401);
    expect(forged.body['error']).toBe('invalid_token');
    expect(setCookies(forged.headers)).toEqual([]);
    // An expired token in Authorization is the API client's to renew, not the cookie's.
    const bearer = await call({
      authorization: `Bearer ${auth.accessToken({ expired: true })}`,
      ...session(undefined, `bearer-${'j'.repeat(40)}`),
    });
    expect(bearer.status).toBe(401);
    expect(setCookies(bearer.headers)).toEqual([]);
    expect(auth.tokenCalls).toHaveLength(0);
  });

  it('asks the auth server once about a refused refresh cookie, however often it comes', async () => {
    auth.mode = 'invalid_grant';
    const garbage = session(undefined, `garbage-${'k'.repeat(40)}`);
    for (let i = 0; i < 10; i++) expect((await call(garbage)).status).toBe(401);
    expect(auth.tokenCalls).toHaveLength(1);
  });

  it('never sends the auth server a refresh cookie it cannot have issued', async () => {
    for (const value of ['a'.repeat(300), 'dotted.value.0123456789abcdef']) {
      const answer = await call(session(undefined, value));
      expect(answer.status).toBe(401);
      expect(answer.body['error_description']).toBe('the session has ended; sign in again');
      expect(cookieNamed(answer, '__Host-tessera-refresh')?.attributes.get('max-age')).toBe('0');
    }
    expect(auth.tokenCalls).toHaveLength(0);
  });

  it('with --refresh-reuse 0, lets the auth server see a spent refresh token again', async () => {
    const strict = await startGateway(
      resolveGatewayConfig(
        {
          ...cookieSettings(),
          refreshReuseMs: '0',
        },
        {},
      ),
      { readyTimeoutMs: 10_000, onWarning: () => undefined },
    );
    try {
      const spent = session(undefined, `spent-once-${'l'.repeat(40)}`);
      const first = await fetch(`${strict.url}/orders`, { headers: spent });
      await first.text();
      expect(first.status).toBe(200);
      auth.mode = 'invalid_grant';
      const second = await fetch(`${strict.url}/orders`, { headers: spent });
      await second.text();
      // The server's reuse detection, not the gateway's memory, answered.
      expect(auth.tokenCalls).toHaveLength(2);
      expect(second.status).toBe(401);
    } finally {
      await strict.close();
    }
  });

  it('holds a DPoP-bound token that carries fgp to its fingerprint cookie too', async () => {
    const publicUrl = 'https://api.example.test';
    const withDpop = await startGateway(
      resolveGatewayConfig(
        {
          listen: '127.0.0.1:0',
          publicUrl,
          upstream: upstream.url,
          issuer: auth.url,
          audience: AUDIENCE,
          revocations: 'none',
        },
        {},
      ),
      { readyTimeoutMs: 10_000, onWarning: () => undefined },
    );
    try {
      const key = createDpopKey('ES256');
      const token = auth.accessToken({
        claims: { cnf: { jkt: key.jkt }, fgp: sha256(FINGERPRINT) },
      });
      const send = async (cookie: Record<string, string>) => {
        const response = await fetch(`${withDpop.url}/orders`, {
          headers: {
            authorization: `DPoP ${token}`,
            dpop: createProof(key, {
              method: 'GET',
              url: `${publicUrl}/orders`,
              accessToken: token,
            }),
            ...cookie,
          },
        });
        return {
          status: response.status,
          body: (await response.json()) as Record<string, unknown>,
        };
      };
      const without = await send({});
      expect(without.status).toBe(401);
      expect(without.body['error']).toBe('invalid_token');
      expect(without.body['error_description']).toMatch(/fingerprint cookie/);
      const withIt = await send(jar({ '__Host-tessera-fgp': FINGERPRINT }));
      expect(withIt.status).toBe(200);
      expect(withIt.body['method']).toBe('GET');
    } finally {
      await withDpop.close();
    }
  });

  it('refuses a duplicated cookie of ours', async () => {
    const token = auth.accessToken();
    const answer = await call({
      cookie: `__Host-tessera-access=${token}; __Host-tessera-access=${token}`,
    });
    expect(answer.status).toBe(400);
    expect(answer.body['error']).toBe('invalid_request');
  });
});
