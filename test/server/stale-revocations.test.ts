import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  FALLBACK_MS,
  hasLine,
  INFO,
  revocationsOf,
  sessionsStatus,
  Started,
  switchableLog,
  waitForHealth,
  waitForLine,
  WARN,
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

// A server that can confirm its denylist by neither path (the stream is down and the log
// cannot be read) refuses tokens with 503, or, with --fail-open-when-stale, accepts them and
// says so; it recovers as soon as the log answers again.

const started = new Started();

await describeWithService(
  ['postgres', 'redis-server'],
  'a server that cannot confirm revocations',
  () => {
    let database: TestDatabase;
    let redis: TestRedisServer;
    let proc: Process;
    let tokens: LoginTokens;
    let dataDir: string;
    const log = switchableLog();

    beforeAll(async () => {
      database = await createTestDatabase();
      // Kept across tests (afterEach stops servers only): its master key seals the shared keys.
      dataDir = await mkdtemp(join(tmpdir(), 'tessera-redis-outage-'));
    }, 30_000);
    afterAll(async () => {
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    }, 30_000);
    afterEach(async () => {
      await started.stopAll();
      log.failing = false;
    }, 30_000);

    async function start(flags: ConfigFlags): Promise<void> {
      redis = await started.redis();
      proc = await started.server({
        db: database.url,
        dataDir,
        flags: {
          redis: redis.url,
          redisPrefix: uniqueRedisPrefix(),
          maxStalenessSeconds: '2',
          ...flags,
        },
        wrapRevocationLog: log.wrap,
        whileStreamingMs: FALLBACK_MS,
      });
      const name = `user${String(Math.random()).slice(2, 10)}`;
      await addUser(proc.server, name);
      tokens = await login(proc.url, name);
      await waitForHealth('redis as the source', proc.url, (h) => {
        return revocationsOf(h)['source'] === 'redis';
      });
      expect((await sessionsStatus(proc.url, tokens.accessToken)).status).toBe(200);
    }

    /** Take both sources away; the request right after still succeeds (within max staleness). */
    async function loseBothSources(): Promise<void> {
      log.failing = true;
      await redis.stop();
      const early = await sessionsStatus(proc.url, tokens.accessToken);
      expect(early.status, early.text).toBe(200);
    }

    it('fails closed: 503 with Retry-After past max staleness, and recovers without a restart', async () => {
      await start({});
      await loseBothSources();
      const stale = await waitForHealth('status stale', proc.url, (h) => h.status === 503);
      expect(stale.body['status']).toBe('stale');
      expect(stale.body['reason']).toMatch(
        /^revocations unconfirmed for \d+ s: redis down, database unreachable$/,
      );
      expect(revocationsOf(stale)['source']).toBeNull();
      // Stale means older than 2,000 ms; lag_ms is rounded, so 2,000.4 ms reads 2000.
      expect(revocationsOf(stale)['lag_ms']).toBeGreaterThanOrEqual(2_000);

      const refused = await sessionsStatus(proc.url, tokens.accessToken);
      expect(refused.status, refused.text).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.headers.get('www-authenticate')).toBeNull();
      expect(refused.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'revocations cannot be confirmed current; retry shortly',
      });
      // A token that does not verify is still the client's problem: 401, not 503.
      expect((await sessionsStatus(proc.url, `${tokens.accessToken}x`)).status).toBe(401);
      await waitForLine(
        proc,
        WARN,
        /^revocations unconfirmed for \d+ s: redis down, database unreachable; refusing bearer tokens with 503/,
      );
      expect(
        hasLine(proc, WARN, /^revocation log unreadable \(connection refused \(test\)\)/),
      ).toBe(true);

      // The database alone is enough to recover.
      log.failing = false;
      const back = await waitForHealth('fresh again', proc.url, (h) => h.status === 200);
      expect(back.body['status']).toBe('ok');
      expect(revocationsOf(back)['source']).toBe('database polling');
      expect((await sessionsStatus(proc.url, tokens.accessToken)).status).toBe(200);
      await waitForLine(proc, INFO, /^revocations current via database polling: redis down$/);
      await redis.restart();
      await waitForHealth('redis as the source again', proc.url, (h) => {
        return revocationsOf(h)['source'] === 'redis';
      });
    }, 40_000);

    it('fails closed with Redis up but the database log unreadable: the stream cannot vouch', async () => {
      await start({});
      // Redis keeps answering; only the log, which every writer reaches, is out of reach.
      log.failing = true;
      const stale = await waitForHealth('status stale', proc.url, (h) => h.status === 503);
      expect(stale.body['reason']).toMatch(
        /^revocations unconfirmed for \d+ s: database unreachable$/,
      );
      expect(revocationsOf(stale)['problems']).toEqual(['database unreachable']);
      const refused = await sessionsStatus(proc.url, tokens.accessToken);
      expect(refused.status, refused.text).toBe(503);
      log.failing = false;
      await waitForHealth('fresh again', proc.url, (h) => h.status === 200);
      expect((await sessionsStatus(proc.url, tokens.accessToken)).status).toBe(200);
    }, 40_000);

    it('fails open with --fail-open-when-stale: tokens accepted, health degraded, and a warning', async () => {
      await start({ failOpenWhenStale: 'true' });
      expect(hasLine(proc, WARN, /^--fail-open-when-stale: bearer tokens are accepted/)).toBe(true);
      await loseBothSources();
      const degraded = await waitForHealth('status degraded', proc.url, (h) => {
        return h.body['status'] === 'degraded';
      });
      expect(degraded.status).toBe(200);
      expect(degraded.body['reason']).toMatch(
        /^revocations unconfirmed for \d+ s: redis down, database unreachable$/,
      );
      expect(revocationsOf(degraded)['lag_ms']).toBeGreaterThan(2_000);
      const accepted = await sessionsStatus(proc.url, tokens.accessToken);
      expect(accepted.status, accepted.text).toBe(200);
      await waitForLine(proc, WARN, /; accepting bearer tokens anyway \(--fail-open-when-stale\)$/);

      log.failing = false;
      await redis.restart();
      const back = await waitForHealth('ok again', proc.url, (h) => h.body['status'] === 'ok');
      expect(back.status).toBe(200);
    }, 40_000);
  },
);
