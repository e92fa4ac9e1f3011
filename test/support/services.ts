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

export type ServiceName = 'postgres' | 'redis';

const URLS: Record<ServiceName, string> = { postgres: POSTGRES_URL, redis: REDIS_URL };
const LABELS: Record<ServiceName, string> = { postgres: 'PostgreSQL', redis: 'Redis' };
const DEFAULT_PORTS: Record<ServiceName, number> = { postgres: 5432, redis: 6379 };

const reachable = new Map<ServiceName, Promise<string | null>>();

/** Null when a TCP connection to the service opens within a second, else why not. */
function probe(service: ServiceName): Promise<string | null> {
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
 * `describe` for tests that need `service`. Missing service: skipped with a loud warning, or,
 * with `TESSERA_REQUIRE_SERVICES=1`, a thrown error that fails the file.
 */
export async function describeWithService(
  service: ServiceName,
  name: string,
  body: () => void,
): Promise<void> {
  const problem = await serviceProblem(service);
  if (problem !== null) {
    const message = `${LABELS[service]} at ${URLS[service]} is unreachable (${problem})`;
    if (REQUIRE_SERVICES) {
      throw new Error(`${message}, and TESSERA_REQUIRE_SERVICES=1 requires it`);
    }
    console.warn(
      `\n!!! SKIPPED "${name}": ${message}. Start it, or point TESSERA_TEST_${service.toUpperCase()}_URL at one.\n`,
    );
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

/** A database of its own for one test file, on the test PostgreSQL server. */
export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * Create an empty database with a random name on the test server, so test files (and the
 * server processes they start) never see each other's rows. `drop()` removes it.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`create database ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin((client) => client.query(`drop database if exists ${name} with (force)`)),
  };
}

async function withAdmin(run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  // With no user in the URL, the OS account, as psql and the store do (USER may be unset).
  const client = new pg.Client({
    connectionString: resolvePostgresUrl(POSTGRES_URL).connectionString,
  });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

/** A key prefix no other test file uses, for tests that share the Redis server. */
export function uniqueRedisPrefix(): string {
  return `tessera-test:${randomBytes(6).toString('hex')}:`;
}
