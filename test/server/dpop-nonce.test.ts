import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/revocation/redis-connection.js';
import {
  addUser,
  PASSWORD,
  postJson,
  readResponse,
  ServerHarness,
  stringField,
} from '../support/server-fixture.js';
import { describeWithService, REDIS_URL, uniqueRedisPrefix } from '../support/services.js';
import { createDpopKey, createProof, type DpopKey } from './dpop-client.js';
import { expectError, startDpopServer } from './dpop-server.js';

// DPoP (RFC 9449) server nonces (--dpop-nonce), and proofs accepted once across processes
// sharing Redis.

const harness = new ServerHarness();
afterAll(() => harness.cleanup());
const startServer = (flags: Record<string, string> = {}) => startDpopServer(harness, flags);

describe('server nonces (--dpop-nonce)', () => {
  let nonceUrl = '';
  let other = '';
  beforeAll(async () => {
    nonceUrl = (await startServer({ dpopNonce: 'true' })).url;
    other = (await startServer({ dpopNonce: 'true' })).url;
  });

  const login = (key: DpopKey, nonce?: string, base = nonceUrl) =>
    postJson(
      `${base}/auth/login`,
      { username: 'alice', password: PASSWORD },
      {
        dpop: createProof(key, {
          method: 'POST',
          url: `${base}/auth/login`,
          ...(nonce === undefined ? {} : { nonce }),
        }),
      },
    );

  it('asks for a nonce with 400 use_dpop_nonce and a DPoP-Nonce header, then accepts it', async () => {
    const key = createDpopKey();
    const first = await login(key);
    expectError(first, 400, 'use_dpop_nonce');
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await login(key, nonce ?? '');
    expect(second.status).toBe(200);
    expect(second.body['token_type']).toBe('DPoP');
    // Successful answers carry the current nonce too (RFC 9449 §8.2).
    expect(second.headers.get('dpop-nonce')).toBe(nonce);
  });

  it('refuses a made-up nonce, and one from a server with another master key', async () => {
    const key = createDpopKey();
    expectError(await login(key, 'made-up'), 400, 'use_dpop_nonce');
    const theirs = (await login(key, undefined, other)).headers.get('dpop-nonce') ?? '';
    expectError(await login(key, theirs), 400, 'use_dpop_nonce');
  });

  it('still logs in without DPoP at all', async () => {
    const response = await postJson(`${nonceUrl}/auth/login`, {
      username: 'alice',
      password: PASSWORD,
    });
    expect(response.status).toBe(200);
    expect(response.body['token_type']).toBe('Bearer');
  });

  it('asks for a nonce at protected routes with 401 and a DPoP challenge', async () => {
    const key = createDpopKey();
    const nonce = (await login(key)).headers.get('dpop-nonce') ?? '';
    const token = stringField((await login(key, nonce)).body, 'access_token');
    const call = (proofNonce?: string) =>
      fetch(`${nonceUrl}/auth/sessions`, {
        headers: {
          authorization: `DPoP ${token}`,
          dpop: createProof(key, {
            method: 'GET',
            url: `${nonceUrl}/auth/sessions`,
            accessToken: token,
            ...(proofNonce === undefined ? {} : { nonce: proofNonce }),
          }),
        },
      }).then(readResponse);
    const refused = await call();
    expectError(refused, 401, 'use_dpop_nonce');
    expect(refused.headers.get('www-authenticate')).toMatch(/^DPoP .*error="use_dpop_nonce"/);
    expect(refused.headers.get('dpop-nonce')).toBe(nonce);
    expect((await call(nonce)).status).toBe(200);
  });
});

await describeWithService('redis', 'DPoP replay across processes (--redis)', () => {
  it('refuses at one process a proof already used at another', async () => {
    const prefix = uniqueRedisPrefix();
    // Two processes behind one public address: both have its issuer, so both accept its htu.
    const a = await startServer({ redis: REDIS_URL, redisPrefix: prefix });
    const issuer = a.server.context.config.issuer;
    const b = await harness.start({
      flags: { issuer, audience: issuer, redis: REDIS_URL, redisPrefix: prefix },
    });
    await addUser(b.server, 'alice');
    const proof = createProof(createDpopKey(), { method: 'POST', url: `${issuer}/auth/login` });
    const body = { username: 'alice', password: PASSWORD };
    expect((await postJson(`${a.url}/auth/login`, body, { dpop: proof })).status).toBe(200);
    expectError(
      await postJson(`${b.url}/auth/login`, body, { dpop: proof }),
      400,
      'invalid_dpop_proof',
    );
    const redis = await connectRedis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.some((key) => key.startsWith(`${prefix}dpop:`))).toBe(true);
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });
});
