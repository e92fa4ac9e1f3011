import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { TestRedisServer } from '../support/redis-server.js';
import { addUser, PASSWORD, postJson, ServerHarness } from '../support/server-fixture.js';
import {
  createTestDatabase,
  describeWithService,
  uniqueRedisPrefix,
  type TestDatabase,
} from '../support/services.js';

// With --redis, login back-off counts failures across processes: an attacker spreading
// guesses over the processes behind a balancer gets one allowance, not one per process.
// And while Redis is down, logins are refused with 503 rather than counted nowhere.

const harness = new ServerHarness();
let database: TestDatabase;
let redis: TestRedisServer;
/** One for the file: its master key seals the signing keys in the shared database. */
let dataDir: string;

await describeWithService(['postgres', 'redis-server'], 'login throttling shared in Redis', () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await TestRedisServer.start();
    dataDir = await harness.tempDir();
  }, 60_000);
  afterEach(() => harness.stopServers(), 30_000);
  afterAll(async () => {
    await harness.cleanup();
    await redis.close();
    await database.drop();
  }, 30_000);

  /** Two processes on one database and one Redis prefix, with a user an attacker targets. */
  async function twoProcesses() {
    const flags = { db: database.url, redis: redis.url, redisPrefix: uniqueRedisPrefix() };
    const a = await harness.start({ flags, dataDir });
    const b = await harness.start({ flags, dataDir });
    const name = `victim${String(Math.random()).slice(2, 10)}`;
    await addUser(a.server, name);
    const attempt = (url: string, password: string) =>
      postJson(`${url}/auth/login`, { username: name, password });
    return { a, b, attempt };
  }

  it('counts failed logins on A and B together', async () => {
    const { a, b, attempt } = await twoProcesses();
    // Five free failures per account, then a wait: three on A and two on B use them up.
    for (let i = 0; i < 3; i++) expect((await attempt(a.url, 'wrong guess')).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await attempt(b.url, 'wrong guess')).status).toBe(401);
    // B saw only two failures itself; the shared count makes it wait.
    const refused = await attempt(b.url, PASSWORD);
    expect(refused.status, refused.text).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await attempt(a.url, PASSWORD)).status).toBe(429);
  });

  it('answers logins 503 with Retry-After while Redis is down, and serves them after', async () => {
    const { a, attempt } = await twoProcesses();
    await redis.stop();
    try {
      const answer = await attempt(a.url, PASSWORD);
      expect(answer.status, answer.text).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(answer.body['error']).toBe('temporarily_unavailable');
    } finally {
      await redis.restart();
    }
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await attempt(a.url, PASSWORD)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
  }, 30_000);
});
