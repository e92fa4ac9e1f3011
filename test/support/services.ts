import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import pg from 'pg';
import { describe } from 'vitest';
import { resolvePostgresUrl } from '../../src/store/postgres/postgres-target.js';

/**
 * The outside services some tests need: PostgreSQL and Redis at their usual local ports, or at
 * the URLs the environment names. A test file asks with {@link describeWithService}: where the
 * service is missing its tests are skipped with a loud message, unless
 * `TESSERA_REQUIRE_SERVICES=1` (CI), where a missing service fails the run.
 */
export const POSTGRES_URL =
  process.env['TESSERA_TEST_POSTGRES_URL'] ?? 'postgres://127.0.0.1:5432/test';
export const REDIS_URL = process.env['TESSERA_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const REQUIRE_SERVICES = process.env['TESSERA_REQUIRE_SERVICES'] === '1';

/**
 * `postgres` and `redis`: the servers at those URLs. `redis-server`: the program, for tests
 * that start a Redis of their own to stop and restart (scripts/install-test-servers.sh).
 */
export type ServiceName = 'postgres' | 'redis' | 'redis-server';
type NetworkService = Exclude<ServiceName, 'redis-server'>;

const URLS: Record<NetworkService, string> = { postgres: POSTGRES_URL, redis: REDIS_URL };
const DEFAULT_PORTS: Record<NetworkService, number> = { postgres: 5432, redis: 6379 };

/** How a missing service reads in a message, and what to do about it. */
const DESCRIPTIONS: Record<ServiceName, { readonly what: string; readonly hint: string }> = {
  postgres: {
    what: `PostgreSQL at ${POSTGRES_URL}`,
    hint: 'Start it, or point TESSERA_TEST_POSTGRES_URL at one.',
  },
  redis: {
    what: `Redis at ${REDIS_URL}`,
    hint: 'Start it, or point TESSERA_TEST_REDIS_URL at one.',
  },
  'redis-server': {
    what: 'the redis-server program',
    hint: 'Install it with scripts/install-test-servers.sh.',
  },
};

const reachable = new Map<ServiceName, Promise<string | null>>();

/** Null when the service is there (a TCP connection opens within a second), else why not. */
function probe(service: ServiceName): Promise<string | null> {
  if (service === 'redis-server') return probeProgram('redis-server');
  const url = new URL(URLS[service]);
  const host = url.hostname === '' ? '127.0.0.1' : url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? DEFAULT_PORTS[service] : Number(url.port);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (why: string | null): void => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(1000, () => {
      done(`no answer from ${host}:${port} within 1 s`);
    });
    socket.once('error', (error) => {
      done(error.message);
    });
    socket.connect(port, host, () => {
      done(null);
    });
  });
}

/** Null when `program --version` runs, else why not. */
function probeProgram(program: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(program, ['--version'], { timeout: 5000 }, (error) => {
      resolve(error === null ? null : `not runnable: ${error.message.split('\n')[0] ?? ''}`);
    });
  });
}

/** Why the service cannot be reached, or null when it can. Probed once per test file. */
export function serviceProblem(service: ServiceName): Promise<string | null> {
  let pending = reachable.get(service);
  if (pending === undefined) {
    pending = probe(service);
    reachable.set(service, pending);
  }
  return pending;
}

/**
 * `describe` for tests that need `services` (one or several). A missing service: skipped with
 * a loud warning, or, with `TESSERA_REQUIRE_SERVICES=1`, a thrown error that fails the file.
 */
export async function describeWithService(
  services: ServiceName | readonly ServiceName[],
  name: string,
  body: () => void,
): Promise<void> {
  for (const service of typeof services === 'string' ? [services] : services) {
    const problem = await serviceProblem(service);
    if (problem === null) continue;
    const { what, hint } = DESCRIPTIONS[service];
    const message = `${what} is unavailable (${problem})`;
    if (REQUIRE_SERVICES) {
      throw new Error(`${message}, and TESSERA_REQUIRE_SERVICES=1 requires it. ${hint}`);
    }
    console.warn(`\n!!! SKIPPED "${name}": ${message}. ${hint}\n`);
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

/** A database of its own for one test file, on the test PostgreSQL server. */
export interface TestDatabase {
  readonly url: string;
  /** Run one statement on this database and return its rows. */
  query<Row extends pg.QueryResultRow>(sql: string, values?: readonly unknown[]): Promise<Row[]>;
  drop(): Promise<void>;
}

/**
 * Create an empty database with a random name on the test server, so test files (and the
 * server processes they start) never see each other's rows. `drop()` removes it.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  await withClient(POSTGRES_URL, (client) => client.query(`create database ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    query: <Row extends pg.QueryResultRow>(sql: string, values: readonly unknown[] = []) =>
      withClient(
        url.toString(),
        async (client) => (await client.query<Row>(sql, [...values])).rows,
      ),
    drop: async () => {
      await withClient(POSTGRES_URL, (client) =>
        client.query(`drop database if exists ${name} with (force)`),
      );
    },
  };
}

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  // With no user in the URL, the OS account, as psql and the store do (USER may be unset).
  const client = new pg.Client({ connectionString: resolvePostgresUrl(url).connectionString });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A key prefix no other test file uses, for tests that share the Redis server. */
export function uniqueRedisPrefix(): string {
  return `tessera-test:${randomBytes(6).toString('hex')}:`;
}
