import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RevocationSource } from '../../src/revocation/revocation-follower.js';
import { resolveServerConfig } from '../../src/server/server-config.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { runNode, type Run } from '../support/serve-process.js';
import {
  addUser,
  FAST_PASSWORDS,
  ISSUER,
  login,
  waitFor,
  withBearer,
  type LoginTokens,
} from '../support/server-fixture.js';
import {
  createTestDatabase,
  describeWithService,
  REDIS_URL,
  uniqueRedisPrefix,
  type TestDatabase,
} from '../support/services.js';

// `tessera revoke` in a child process, next to a server on the same PostgreSQL database that
// follows the Redis stream. The server polls the log only once a minute while the stream
// works, so a revocation it holds within seconds came through the stream: the CLI published it.
// The CLI runs from source (tsx), so the test needs no build of dist/.

let database: TestDatabase;
let dataDir: string;
let server: RunningServer;
let prefix: string;
const arrivals: { readonly id: number; readonly source: RevocationSource }[] = [];

/** Run `tessera <args>` from source, with only `env` as TESSERA_* settings. */
function tessera(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<Run> {
  return runNode(['--import', 'tsx', 'src/cli/main.ts', ...args], '', env);
}

function revoke(what: readonly string[], extra: readonly string[] = []): Promise<Run> {
  return tessera(['revoke', ...what, '--db', database.url, '--data-dir', dataDir, ...extra]);
}

/** Wait until the server refuses `token` as revoked. */
async function refused(token: string, timeoutMs = 3_000): Promise<void> {
  await waitFor(
    'the server to refuse the revoked token',
    async () => (await withBearer(`${server.url}/auth/sessions`, token)).status === 401,
    timeoutMs,
    20,
  );
}

async function newUser(): Promise<{ name: string; tokens: LoginTokens }> {
  const name = `user${String(Math.random()).slice(2, 10)}`;
  await addUser(server, name);
  return { name, tokens: await login(server.url, name) };
}

await describeWithService(['postgres', 'redis'], 'tessera revoke with Redis', () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-cli-revoke-'));
    prefix = uniqueRedisPrefix();
    const config = resolveServerConfig(
      {
        port: '0',
        issuer: ISSUER,
        dataDir,
        db: database.url,
        redis: REDIS_URL,
        redisPrefix: prefix,
        // The log is read only once a minute below, and only a log read confirms the denylist
        // current: with the default 30 s, a run of this file longer than that (a loaded
        // machine) answered 503 to the last test's token.
        maxStalenessSeconds: '300',
      },
      {},
    );
    server = await startServer(config, {
      passwords: FAST_PASSWORDS,
      env: {},
      revocationPolling: { intervalMs: 250, whileStreamingMs: 60_000 },
    });
    server.context.follower.subscribe((event, source) => arrivals.push({ id: event.id, source }));
    await waitFor('the stream to be followed', () =>
      Promise.resolve(server.context.freshness.status().source === 'redis'),
    );
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('--session --redis: the server holds the revocation at once, from the stream', async () => {
    const { tokens } = await newUser();
    const run = await revoke(
      ['--session', tokens.sessionId],
      ['--redis', REDIS_URL, '--redis-prefix', prefix],
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`ended session ${tokens.sessionId}`);
    expect(run.stdout).toContain('published 1 revocation event to the Redis stream');
    await refused(tokens.accessToken);
    expect(arrivals.at(-1)?.source).toBe('stream');
  }, 30_000);

  it('--token with TESSERA_REDIS_URL and TESSERA_REDIS_PREFIX from the environment', async () => {
    const { tokens } = await newUser();
    const run = await tessera(
      ['revoke', '--token', tokens.accessToken, '--db', database.url, '--data-dir', dataDir],
      { TESSERA_REDIS_URL: REDIS_URL, TESSERA_REDIS_PREFIX: prefix },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^revoked token \S+\npublished 1 revocation event to the Redis/);
    await refused(tokens.accessToken);
    expect(arrivals.at(-1)?.source).toBe('stream');
  }, 30_000);

  it('--user --redis: the user event and one event per session, all from the stream', async () => {
    const { name, tokens } = await newUser();
    const second = await login(server.url, name);
    const before = arrivals.length;
    const run = await revoke(['--user', name], ['--redis', REDIS_URL, '--redis-prefix', prefix]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('(2 sessions ended)');
    expect(run.stdout).toContain('published 3 revocation events to the Redis stream');
    await refused(tokens.accessToken);
    await refused(second.accessToken);
    await waitFor('three arrivals', () => Promise.resolve(arrivals.length - before === 3));
    expect(arrivals.slice(before).map((arrival) => arrival.source)).toEqual([
      'stream',
      'stream',
      'stream',
    ]);
  }, 30_000);

  it('with Redis unreachable: the revocation is recorded, exit 0, and a warning says how it spreads', async () => {
    const { tokens } = await newUser();
    const cursor = server.context.follower.cursor;
    const run = await revoke(['--session', tokens.sessionId], ['--redis', 'redis://127.0.0.1:1']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`ended session ${tokens.sessionId}`);
    expect(run.stdout).not.toContain('published');
    expect(run.stderr).toMatch(
      /^warning: could not publish to Redis \(.+\); the revocation is recorded, and servers read it from the database within about a second\n$/,
    );
    const logged = await server.context.store.revocationsAfter(cursor, 10, Date.now());
    expect(logged.map((event) => [event.kind, event.value])).toEqual([['sid', tokens.sessionId]]);
  }, 30_000);

  it('without Redis: writes to the database only, as before', async () => {
    const { tokens } = await newUser();
    const run = await revoke(['--session', tokens.sessionId]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`ended session ${tokens.sessionId}\n`);
    expect(run.stderr).toBe('');
  }, 30_000);

  it('refuses a --redis that is not a redis:// URL before writing anything', async () => {
    const { tokens } = await newUser();
    const run = await revoke(['--session', tokens.sessionId], ['--redis', 'localhost:6379']);
    expect(run.code).toBe(64);
    expect(run.stderr).toBe(
      'tessera: --redis (TESSERA_REDIS_URL) must be a redis:// or rediss:// URL\n',
    );
    expect((await withBearer(`${server.url}/auth/sessions`, tokens.accessToken)).status).toBe(200);
  }, 30_000);
});
