import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { connectRedis } from '../../src/revocation/redis-connection.js';
import { revocationStreamKey } from '../../src/revocation/redis-revocation-publisher.js';
import { createVerifier, type Verifier } from '../../src/verifier/create-verifier.js';
import {
  addUser,
  ISSUER,
  login,
  ServerHarness,
  waitFor,
  withBearer,
  type TestServer,
} from '../support/server-fixture.js';
import { describeWithService, REDIS_URL, uniqueRedisPrefix } from '../support/services.js';
import { JwksServer } from './jwks-server.js';

// A verifier that follows the deployment's Redis stream directly, with the auth server's HTTP
// log as its start and fallback: a logout on the server reaches it through Redis, with no
// read of the log in between. The machine's Redis is shared: this file uses a prefix of its
// own and deletes only its own key.

await describeWithService('redis', 'verifier following revocations through Redis', () => {
  const harness = new ServerHarness();
  const prefix = uniqueRedisPrefix();
  let started: TestServer;
  let log: JwksServer;
  let verifier: Verifier;

  beforeAll(async () => {
    started = await harness.start({ flags: { redis: REDIS_URL, redisPrefix: prefix } });
    await addUser(started.server, 'alice');
    log = await JwksServer.forward(started.url);
  }, 60_000);
  afterEach(async () => {
    await verifier.close();
  });
  afterAll(async () => {
    await log.close();
    await harness.cleanup();
    const redis = await connectRedis(REDIS_URL);
    try {
      await redis.del(revocationStreamKey(prefix));
    } finally {
      redis.disconnect();
    }
  }, 30_000);

  it('refuses a token within moments of its logout, pushed by the stream', async () => {
    const { url } = started;
    // Revoked before the verifier exists: only the log read at start can know of it. (A logout
    // racing the start would reach the verifier by the stream, moments after ready().)
    const early = await login(url, 'alice');
    expect((await withBearer(`${url}/auth/logout`, early.accessToken, 'POST')).status).toBe(204);
    verifier = createVerifier({
      issuer: ISSUER,
      audience: ISSUER,
      algorithms: ['EdDSA'],
      jwksUri: `${url}/.well-known/jwks.json`,
      revocations: {
        redis: REDIS_URL,
        prefix,
        log: `${log.base}/revocations`,
      },
      onWarning: () => undefined,
    });
    await verifier.ready();
    expect(verifier.verify(early.accessToken)).toMatchObject({ code: 'ERR_JWT_REVOKED' });
    expect(log.requests).toBeGreaterThan(0);
    await waitFor('the stream to be followed', () =>
      Promise.resolve(verifier.status().revocations?.source === 'redis'),
    );

    const tokens = await login(url, 'alice');
    expect(verifier.verify(tokens.accessToken)).toMatchObject({ ok: true, stale: false });
    // The log is polled every 10 s (max staleness ÷ 3) while the stream works; let the
    // start's last poll pass.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const logReads = log.requests;
    expect((await withBearer(`${url}/auth/logout`, tokens.accessToken, 'POST')).status).toBe(204);
    await waitFor(
      'the verifier to refuse the token',
      () => Promise.resolve(!verifier.verify(tokens.accessToken).ok),
      3_000,
      20,
    );
    expect(verifier.verify(tokens.accessToken)).toMatchObject({ code: 'ERR_JWT_REVOKED' });
    expect(log.requests).toBe(logReads);
  });

  it('fails closed when the log cannot be read, though the stream still flows', async () => {
    const { url } = started;
    verifier = createVerifier({
      issuer: ISSUER,
      audience: ISSUER,
      algorithms: ['EdDSA'],
      jwksUri: `${url}/.well-known/jwks.json`,
      revocations: { redis: REDIS_URL, prefix, log: `${log.base}/revocations` },
      maxStalenessSeconds: 1,
      onWarning: () => undefined,
    });
    await verifier.ready();
    const { accessToken } = await login(url, 'alice');
    const codeOf = (): string => {
      const result = verifier.verify(accessToken);
      return result.ok ? 'ok' : result.code;
    };
    expect(codeOf()).toBe('ok');
    const forward = log.answer;
    log.answer = () => ({ status: 503, body: '{}' });
    try {
      // The stream may miss what the admin CLI wrote to the database: only the log can vouch.
      await waitFor(
        'the verifier to go stale',
        () => Promise.resolve(codeOf() === 'ERR_REVOCATIONS_STALE'),
        5_000,
        50,
      );
      expect(verifier.status().revocations?.source).toBe('redis');
    } finally {
      log.answer = forward;
    }
    await waitFor(
      'the verifier to be fresh again',
      () => Promise.resolve(codeOf() === 'ok'),
      5_000,
    );
  });
});
