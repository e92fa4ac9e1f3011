import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type {
  RevocationLogReader,
  RevocationSource,
} from '../../src/revocation/revocation-follower.js';
import { resolveServerConfig } from '../../src/server/server-config.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { TestRedisServer } from '../support/redis-server.js';
import {
  addUser,
  FAST_PASSWORDS,
  ISSUER,
  login,
  postForm,
  readResponse,
  waitFor,
  withBearer,
  type ConfigFlags,
  type Json,
  type JsonResponse,
  type LoginTokens,
} from '../support/server-fixture.js';
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

/** Log polling while the stream is down: a revocation reaches other processes this fast. */
const FALLBACK_MS = 250;
/**
 * Log polling while the stream works, in the delivery tests: far longer than any wait there,
 * so whatever arrives within a test while Redis is up came through the stream.
 */
const WHILE_STREAMING_MS = 60_000;
/**
 * Max staleness of the delivery tests: longer than their log polling. Only a read of the
 * whole log confirms the denylist current (publication to the stream is best effort), so a
 * process must poll the log within max staleness even while the stream works.
 */
const DELIVERY_STALENESS = '120';

/** One pino line as the server wrote it. */
interface LogLine {
  readonly level: number;
  readonly msg: string;
}
const INFO = 30;
const WARN = 40;

interface Process {
  readonly server: RunningServer;
  readonly url: string;
  readonly lines: LogLine[];
  /** How each revocation event reached this process's follower, in log order. */
  readonly arrivals: { readonly id: number; readonly source: RevocationSource }[];
}

/** What every test started, stopped in afterEach/afterAll whatever happened. */
class Started {
  readonly #servers: RunningServer[] = [];
  readonly #redis: TestRedisServer[] = [];
  readonly #dirs: string[] = [];

  async redis(): Promise<TestRedisServer> {
    const redis = await TestRedisServer.start();
    this.#redis.push(redis);
    return redis;
  }

  async dir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-redis-outage-'));
    this.#dirs.push(dir);
    return dir;
  }

  async server(options: {
    readonly db: string;
    readonly dataDir: string;
    readonly flags: ConfigFlags;
    readonly wrapRevocationLog?: (log: RevocationLogReader) => RevocationLogReader;
    /** Log polling while the stream works; default {@link WHILE_STREAMING_MS}. */
    readonly whileStreamingMs?: number;
  }): Promise<Process> {
    const lines: LogLine[] = [];
    const config = resolveServerConfig(
      { port: '0', issuer: ISSUER, dataDir: options.dataDir, db: options.db, ...options.flags },
      {},
    );
    const server = await startServer(config, {
      passwords: FAST_PASSWORDS,
      env: {},
      logger: {
        level: 'info',
        stream: {
          write: (chunk: string) => {
            for (const text of chunk.split('\n')) {
              if (text !== '') lines.push(JSON.parse(text) as LogLine);
            }
          },
        },
      },
      revocationPolling: {
        intervalMs: FALLBACK_MS,
        whileStreamingMs: options.whileStreamingMs ?? WHILE_STREAMING_MS,
      },
      ...(options.wrapRevocationLog === undefined
        ? {}
        : { wrapRevocationLog: options.wrapRevocationLog }),
    });
    this.#servers.push(server);
    const arrivals: Process['arrivals'][number][] = [];
    server.context.follower.subscribe((event, source) => arrivals.push({ id: event.id, source }));
    return { server, url: server.url, lines, arrivals };
  }

  async stopAll(): Promise<void> {
    const servers = this.#servers.splice(0);
    const redis = this.#redis.splice(0);
    const results = await Promise.allSettled([
      ...servers.map((server) => server.close()),
      ...redis.map((r) => r.close()),
    ]);
    await Promise.all(this.#dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }
}

async function healthz(url: string): Promise<JsonResponse> {
  return readResponse(await fetch(`${url}/healthz`));
}

function revocationsOf(health: JsonResponse): Json {
  return health.body['revocations'] as Json;
}

async function waitForHealth(
  what: string,
  url: string,
  check: (health: JsonResponse) => boolean,
  timeoutMs = 10_000,
): Promise<JsonResponse> {
  let last = await healthz(url);
  const deadline = Date.now() + timeoutMs;
  while (!check(last)) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; /healthz: ${last.text}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await healthz(url);
  }
  return last;
}

function hasLine(proc: Process, level: number, pattern: RegExp): boolean {
  return proc.lines.some((line) => line.level === level && pattern.test(line.msg));
}

function waitForLine(proc: Process, level: number, pattern: RegExp): Promise<void> {
  return waitFor(
    `a log line ${String(pattern)}`,
    () => Promise.resolve(hasLine(proc, level, pattern)),
    10_000,
    25,
  );
}

/** The status of a bearer-protected request with `token` (200 accepted, 401 refused). */
async function sessionsStatus(url: string, token: string): Promise<JsonResponse> {
  return withBearer(`${url}/auth/sessions`, token);
}

/** Wait until `token` is refused as revoked at `url`; resolves to the time it took. */
async function refusedWithin(url: string, token: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  await waitFor(
    `the revoked token to be refused at ${url}`,
    async () => (await sessionsStatus(url, token)).status === 401,
    timeoutMs,
    20,
  );
  return performance.now() - started;
}

async function logout(url: string, tokens: LoginTokens): Promise<void> {
  const response = await withBearer(`${url}/auth/logout`, tokens.accessToken, 'POST');
  expect(response.status, response.text).toBe(204);
}

/** RFC 7009 revocation of an access token by the public first-party client. */
async function revokeAccessToken(url: string, tokens: LoginTokens): Promise<void> {
  const response = await postForm(`${url}/oauth/revoke`, {
    token: tokens.accessToken,
    client_id: 'tessera',
  });
  expect(response.status, response.text).toBe(200);
}

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

/** A log reader that fails on demand, as a database the process cannot reach would. */
function switchableLog(): {
  failing: boolean;
  wrap: (log: RevocationLogReader) => RevocationLogReader;
} {
  const state = {
    failing: false,
    wrap: (log: RevocationLogReader): RevocationLogReader => ({
      revocationsAfter: (cursor, limit, now) =>
        state.failing
          ? Promise.reject(new Error('connection refused (test)'))
          : log.revocationsAfter(cursor, limit, now),
    }),
  };
  return state;
}

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
