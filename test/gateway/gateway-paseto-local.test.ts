import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from '../../src/gateway/gateway-config.js';
import { startGateway, type RunningGateway } from '../../src/gateway/start-gateway.js';
import { encryptPaseto } from '../../src/token/paseto-token.js';
import {
  accessClaims,
  gatewaySettingsFor,
  startFakeAuthServer,
  type FakeAuthServer,
} from './fake-auth-server.js';
import { echoedHeaders, getJson, startEchoUpstream, type EchoUpstream } from './gateway-fixture.js';

// `tessera gateway` with PASETO v4.local tokens: the shared key comes from a JWKS of oct keys
// named by --paseto-local-keys, and the checks are the verifier's (gateway-formats.test.ts
// covers v4.public and the nested JWE the same way).

const localKey = randomBytes(32);
let dir = '';
let auth: FakeAuthServer;
let upstream: EchoUpstream;
let running: RunningGateway | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-gateway-paseto-local-'));
  await writeFile(
    join(dir, 'paseto-local.jwks.json'),
    JSON.stringify({ keys: [{ kty: 'oct', kid: 'l1', k: localKey.toString('base64url') }] }),
  );
  auth = await startFakeAuthServer();
  upstream = await startEchoUpstream();
});
afterAll(async () => {
  await running?.close();
  await upstream.close();
  await auth.close();
  await rm(dir, { recursive: true, force: true });
});

/** A v4.local PASETO with the claims of the fake server's access tokens, under `key`. */
function localToken(key: Uint8Array, overrides: Record<string, unknown> = {}): Promise<string> {
  return encryptPaseto(accessClaims(auth, { sid: 'session-1', ...overrides }), key, { kid: 'l1' });
}

describe('gateway with PASETO v4.local', () => {
  it('forwards a v4.local token under its key, and answers 401 for one under another key', async () => {
    running = await startGateway(
      resolveGatewayConfig(
        {
          ...gatewaySettingsFor(auth, upstream.url),
          formats: 'jwt,paseto-v4-local',
          pasetoLocalKeys: join(dir, 'paseto-local.jwks.json'),
        },
        {},
      ),
      { readyTimeoutMs: 10_000, onWarning: () => undefined }, // revocations 'none' warns
    );
    expect(running.ready).toBe(true);
    const get = async (token: string) =>
      getJson(`${running?.url ?? ''}/orders`, { authorization: `Bearer ${token}` });

    const token = await localToken(localKey);
    expect(token.startsWith('v4.local.')).toBe(true);
    const forwarded = await get(token);
    expect(forwarded.status).toBe(200);
    const headers = echoedHeaders(forwarded.body);
    expect(headers['x-tessera-sub']).toBe('alice');
    expect(headers['x-tessera-sid']).toBe('session-1');
    expect(headers['x-tessera-scope']).toBe('orders:read');

    // Same kid, same claims, another key: the MAC fails and nothing is forwarded.
    const forged = await get(await localToken(randomBytes(32)));
    expect(forged.status).toBe(401);
    expect(forged.body['error']).toBe('invalid_token');
    expect(forged.body['headers']).toBeUndefined(); // the upstream's echo: never reached
  });
});
