import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  DELIVERY_STALENESS,
  FALLBACK_MS,
  hasLine,
  healthz,
  INFO,
  logout,
  refusedWithin,
  revocationsOf,
  revokeAccessToken,
  sessionsStatus,
  Started,
  waitForHealth,
  waitForLine,
  WARN,
  WHILE_STREAMING_MS,
  type Process,
} from '../support/outage-servers.js';
import type { TestRedisServer } from '../support/redis-server.js';
import { addUser, login, type ConfigFlags, type LoginTokens } from '../support/server-fixture.js';
import {
  createTestDatabase,
  describeWithService,
  uniqueRedisPrefix,
  type TestDatabase,
} from '../support/services.js';

// Redis outages, end to end: in-process servers sharing one PostgreSQL database and a
// redis-server of the test's own, which the tests stop and start again. The log stays the
// source of truth (revocations are acknowledged and reach every process by polling while the
// stream is down); a process that can confirm its denylist by neither path refuses tokens
// with 503 (or, with --fail-open-when-stale, accepts them and says so).

const started = new Started();

await describeWithService(['postgres', 'redis-server'], 'two servers across a Redis outage', () => {
  let database: TestDatabase;
  let redis: TestRedisServer;
  let a: Process;
  let b: Process;
  /** Started while Redis is down. */
  let d: Process;
  let dataDir: string;
  let flags: ConfigFlags;
  /** Every token revoked in this story. */
  const revoked: LoginTokens[] = [];
  let control: LoginTokens;
  let spare: LoginTokens[] = [];

  function takeSpare(): LoginTokens {
    const tokens = spare.pop();
    if (tokens === undefined) throw new Error('more tokens needed: log in more in beforeAll');
    return tokens;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await started.redis();
    // One data directory: both processes need the master key that seals the shared keys.
    dataDir = await started.dir();
    flags = {
      redis: redis.url,
      redisPrefix: uniqueRedisPrefix(),
      maxStalenessSeconds: DELIVERY_STALENESS,
    };
    a = await started.server({ db: database.url, dataDir, flags });
    b = await started.server({ db: database.url, dataDir, flags });
    await addUser(a.server, 'alice');
    control = await login(a.url, 'alice');
    // Logins need Redis (their throttle counters live there): take the outage's tokens now.
    spare = await Promise.all([1, 2, 3, 4, 5, 6].map(() => login(b.url, 'alice')));
  }, 60_000);
  afterAll(async () => {
    await started.stopAll();
    await database.drop();
  }, 30_000);

  it('with Redis up, a revocation on A is refused on B within moments, through the stream', async () => {
    for (const proc of [a, b]) {
      const health = await waitForHealth('redis as the source', proc.url, (h) => {
        return revocationsOf(h)['source'] === 'redis';
      });
      expect(health.status).toBe(200);
      expect(health.body['status']).toBe('ok');
      expect(revocationsOf(health)['problems']).toEqual([]);
    }
    const tokens = takeSpare();
    expect((await sessionsStatus(b.url, tokens.accessToken)).status).toBe(200);
    await logout(a.url, tokens);
    revoked.push(tokens);
    const ms = await refusedWithin(b.url, tokens.accessToken, 3_000);
    // B polls the log once a minute while the stream works: only the stream brings it this fast.
    expect(b.server.context.follower.pollIntervalMs).toBe(WHILE_STREAMING_MS);
    expect(b.arrivals.at(-1)?.source).toBe('stream');
    expect(ms).toBeLessThan(3_000);
  }, 30_000);

  it('with Redis stopped, revocations are acknowledged and reach B by polling the database', async () => {
    await redis.stop();
    for (const proc of [a, b]) {
      await waitForLine(
        proc,
        WARN,
        /^revocation stream: Redis unreachable .*polling the database log every 250 ms/,
      );
    }
    // Database polling confirms them now, every 250 ms.
    for (const proc of [a, b]) {
      const health = await waitForHealth('database polling as the source', proc.url, (h) => {
        return revocationsOf(h)['source'] === 'database polling';
      });
      expect(health.status, health.text).toBe(200);
      expect(health.body['status']).toBe('ok');
      expect(revocationsOf(health)['source']).toBe('database polling');
      expect(revocationsOf(health)['problems']).toEqual(['redis down']);
      expect(revocationsOf(health)['lag_ms']).toBeLessThan(FALLBACK_MS + 1_000);
      expect(proc.server.context.follower.pollIntervalMs).toBe(FALLBACK_MS);
    }
    // A process that starts now, with Redis unreachable, starts complete and fresh by polling.
    d = await started.server({ db: database.url, dataDir, flags });
    expect(hasLine(d, WARN, /^revocation stream: Redis unreachable/)).toBe(true);
    const dHealth = await healthz(d.url);
    expect(dHealth.status, dHealth.text).toBe(200);
    expect(revocationsOf(dHealth)['source']).toBe('database polling');
    expect((await sessionsStatus(d.url, revoked[0]?.accessToken ?? '')).status).toBe(401);

    const byLogout = takeSpare();
    const byRevoke = takeSpare();
    await logout(a.url, byLogout);
    await revokeAccessToken(a.url, byRevoke);
    revoked.push(byLogout, byRevoke);
    // Acknowledged: A refuses them at once.
    expect((await sessionsStatus(a.url, byLogout.accessToken)).status).toBe(401);
    expect((await sessionsStatus(a.url, byRevoke.accessToken)).status).toBe(401);
    // B within the fallback interval, plus the time of a read and a request on a busy machine.
    const ms = await refusedWithin(b.url, byRevoke.accessToken, 5_000);
    expect(ms).toBeLessThan(FALLBACK_MS + 1_500);
    expect((await sessionsStatus(b.url, byLogout.accessToken)).status).toBe(401);
    expect(b.arrivals.slice(-2).map((arrival) => arrival.source)).toEqual(['log', 'log']);
    await refusedWithin(d.url, byRevoke.accessToken, 5_000);
    expect((await sessionsStatus(d.url, byLogout.accessToken)).status).toBe(401);
  }, 30_000);

  it('with Redis back, the stream resumes and nothing revoked during the outage is lost', async () => {
    await redis.restart();
    for (const proc of [a, b, d]) {
      await waitForLine(proc, INFO, /^revocation stream: following Redis again$/);
      const health = await waitForHealth('redis as the source again', proc.url, (h) => {
        return revocationsOf(h)['source'] === 'redis';
      });
      expect(health.status).toBe(200);
      expect(revocationsOf(health)['problems']).toEqual([]);
    }
    // New revocations flow over the (restarted, empty) stream again.
    const after = takeSpare();
    await logout(a.url, after);
    revoked.push(after);
    for (const proc of [b, d]) {
      await refusedWithin(proc.url, after.accessToken, 3_000);
      expect(proc.server.context.follower.pollIntervalMs).toBe(WHILE_STREAMING_MS);
      expect(proc.arrivals.at(-1)?.source).toBe('stream');
    }
    // And the other way round.
    const reverse = takeSpare();
    await revokeAccessToken(b.url, reverse);
    revoked.push(reverse);
    await refusedWithin(a.url, reverse.accessToken, 3_000);
    expect(a.arrivals.at(-1)?.source).toBe('stream');

    // Nothing lost: every token revoked in this story is refused by every process, and by one
    // that starts now from the database; a token never revoked still works.
    expect(revoked).toHaveLength(5);
    const c = await started.server({ db: database.url, dataDir, flags });
    for (const proc of [a, b, c, d]) {
      for (const tokens of revoked) {
        const response = await sessionsStatus(proc.url, tokens.accessToken);
        expect(response.status, `${proc.url}: ${response.text}`).toBe(401);
        expect(response.body['error_description']).toBe('the token has been revoked');
      }
      expect((await sessionsStatus(proc.url, control.accessToken)).status).toBe(200);
    }
  }, 30_000);
});

await describeWithService(
  ['postgres', 'redis-server'],
  'two servers and a Redis that hangs',
  () => {
    let database: TestDatabase;
    let redis: TestRedisServer;
    let a: Process;
    let b: Process;
    const tokens: LoginTokens[] = [];

    beforeAll(async () => {
      database = await createTestDatabase();
      redis = await started.redis();
      const dataDir = await started.dir();
      const flags: ConfigFlags = {
        redis: redis.url,
        redisPrefix: uniqueRedisPrefix(),
        maxStalenessSeconds: DELIVERY_STALENESS,
      };
      a = await started.server({ db: database.url, dataDir, flags });
      b = await started.server({ db: database.url, dataDir, flags });
      await addUser(a.server, 'carol');
      for (let i = 0; i < 3; i++) tokens.push(await login(a.url, 'carol'));
    }, 60_000);
    afterAll(async () => {
      await started.stopAll();
      await database.drop();
    }, 30_000);

    it('no answer from Redis: detected by timeout, revocations still reach B, and it recovers', async () => {
      const [during, after, control] = tokens;
      if (during === undefined || after === undefined || control === undefined) throw new Error();
      for (const proc of [a, b]) {
        await waitForHealth('redis as the source', proc.url, (h) => {
          return revocationsOf(h)['source'] === 'redis';
        });
      }
      redis.pause();
      // The blocked read times out (its block time plus 2 s), and the process polls the log.
      await waitForLine(b, WARN, /^revocation stream: Redis unreachable \(Command timed out\)/);
      expect(b.server.context.follower.pollIntervalMs).toBe(FALLBACK_MS);

      const acknowledged = performance.now();
      await logout(a.url, during);
      // Publishing waits for one command timeout (1 s) at most before giving up.
      expect(performance.now() - acknowledged).toBeLessThan(3_000);
      await refusedWithin(b.url, during.accessToken, 5_000);
      expect(b.arrivals.at(-1)?.source).toBe('log');
      const health = await healthz(b.url);
      expect(health.status, health.text).toBe(200);
      expect(revocationsOf(health)['source']).toBe('database polling');
      expect(revocationsOf(health)['problems']).toEqual(['redis down']);

      redis.resume();
      for (const proc of [a, b]) {
        await waitForHealth('redis as the source again', proc.url, (h) => {
          return revocationsOf(h)['source'] === 'redis';
        });
      }
      await logout(a.url, after);
      await refusedWithin(b.url, after.accessToken, 3_000);
      expect(b.arrivals.at(-1)?.source).toBe('stream');
      for (const proc of [a, b]) {
        expect((await sessionsStatus(proc.url, during.accessToken)).status).toBe(401);
        expect((await sessionsStatus(proc.url, control.accessToken)).status).toBe(200);
      }
    }, 40_000);
  },
);
