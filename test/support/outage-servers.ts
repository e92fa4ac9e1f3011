import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type {
  RevocationLogReader,
  RevocationSource,
} from '../../src/revocation/revocation-follower.js';
import { resolveServerConfig } from '../../src/server/server-config.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { TestRedisServer } from './redis-server.js';
import {
  FAST_PASSWORDS,
  ISSUER,
  postForm,
  readResponse,
  waitFor,
  withBearer,
  type ConfigFlags,
  type Json,
  type JsonResponse,
  type LoginTokens,
} from './server-fixture.js';

// What the Redis outage tests share: in-process servers on one PostgreSQL database and a
// redis-server of the test's own, with their log lines and how each revocation reached them,
// and the requests the tests make of them.

/** Log polling while the stream is down: a revocation reaches other processes this fast. */
export const FALLBACK_MS = 250;
/**
 * Log polling while the stream works, in the delivery tests: far longer than any wait there,
 * so whatever arrives within a test while Redis is up came through the stream.
 */
export const WHILE_STREAMING_MS = 60_000;
/**
 * Max staleness of the delivery tests: longer than their log polling. Only a read of the
 * whole log confirms the denylist current (publication to the stream is best effort), so a
 * process must poll the log within max staleness even while the stream works.
 */
export const DELIVERY_STALENESS = '120';

/** One pino line as the server wrote it. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
}
export const INFO = 30;
export const WARN = 40;

export interface Process {
  readonly server: RunningServer;
  readonly url: string;
  readonly lines: LogLine[];
  /** How each revocation event reached this process's follower, in log order. */
  readonly arrivals: { readonly id: number; readonly source: RevocationSource }[];
}

/** What every test started, stopped in afterEach/afterAll whatever happened. */
export class Started {
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

export async function healthz(url: string): Promise<JsonResponse> {
  return readResponse(await fetch(`${url}/healthz`));
}

export function revocationsOf(health: JsonResponse): Json {
  return health.body['revocations'] as Json;
}

export async function waitForHealth(
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

export function hasLine(proc: Process, level: number, pattern: RegExp): boolean {
  return proc.lines.some((line) => line.level === level && pattern.test(line.msg));
}

export function waitForLine(proc: Process, level: number, pattern: RegExp): Promise<void> {
  return waitFor(
    `a log line ${String(pattern)}`,
    () => Promise.resolve(hasLine(proc, level, pattern)),
    10_000,
    25,
  );
}

/** The status of a bearer-protected request with `token` (200 accepted, 401 refused). */
export async function sessionsStatus(url: string, token: string): Promise<JsonResponse> {
  return withBearer(`${url}/auth/sessions`, token);
}

/** Wait until `token` is refused as revoked at `url`; resolves to the time it took. */
export async function refusedWithin(
  url: string,
  token: string,
  timeoutMs: number,
): Promise<number> {
  const started = performance.now();
  await waitFor(
    `the revoked token to be refused at ${url}`,
    async () => (await sessionsStatus(url, token)).status === 401,
    timeoutMs,
    20,
  );
  return performance.now() - started;
}

export async function logout(url: string, tokens: LoginTokens): Promise<void> {
  const response = await withBearer(`${url}/auth/logout`, tokens.accessToken, 'POST');
  expect(response.status, response.text).toBe(204);
}

/** RFC 7009 revocation of an access token by the public first-party client. */
export async function revokeAccessToken(url: string, tokens: LoginTokens): Promise<void> {
  const response = await postForm(`${url}/oauth/revoke`, {
    token: tokens.accessToken,
    client_id: 'tessera',
  });
  expect(response.status, response.text).toBe(200);
}

/** A log reader that fails on demand, as a database the process cannot reach would. */
export function switchableLog(): {
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
