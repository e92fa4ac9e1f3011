import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { ProcessGroup, tessera, type ServeProcess } from './serve-process.js';
import { PASSWORD } from './server-fixture.js';
import { createTestDatabase, REDIS_URL, uniqueRedisPrefix, type TestDatabase } from './services.js';

/** The issuer every process of a cluster shares, as behind one load balancer. */
export const CLUSTER_ISSUER = 'http://127.0.0.1';

/**
 * Several `tessera serve` processes on one PostgreSQL database of their own and one Redis key
 * prefix of their own, sharing a master key through `TESSERA_MASTER_KEY`, as a deployment
 * behind a load balancer runs them. {@link close} stops every process and removes the
 * database, the Redis keys and the data directory.
 */
export class Cluster {
  readonly processes = new ProcessGroup();
  readonly #database: TestDatabase;
  readonly #dataDir: string;
  readonly env: Readonly<Record<string, string>>;

  private constructor(database: TestDatabase, dataDir: string, env: Record<string, string>) {
    this.#database = database;
    this.#dataDir = dataDir;
    this.env = env;
  }

  /** A new database, key prefix and master key; `settings` adds `TESSERA_*` variables. */
  static async create(settings: Readonly<Record<string, string>> = {}): Promise<Cluster> {
    const database = await createTestDatabase();
    const dataDir = await mkdtemp(join(tmpdir(), 'tessera-cluster-'));
    return new Cluster(database, dataDir, {
      TESSERA_DB_URL: database.url,
      TESSERA_REDIS_URL: REDIS_URL,
      TESSERA_REDIS_PREFIX: uniqueRedisPrefix(),
      TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
      TESSERA_DATA_DIR: dataDir,
      TESSERA_ISSUER: CLUSTER_ISSUER,
      TESSERA_PORT: '0',
      ...settings,
    });
  }

  get databaseUrl(): string {
    return this.#database.url;
  }

  /** Run one statement on the cluster's database (to check what the processes wrote). */
  query<Row extends pg.QueryResultRow>(sql: string, values?: readonly unknown[]): Promise<Row[]> {
    return this.#database.query<Row>(sql, values);
  }

  /** The most successors any refresh token has had: 1 when rotation never forked a chain. */
  async maxSuccessorsPerParent(): Promise<number> {
    const rows = await this.query<{ n: string }>(
      `select coalesce(max(n), 0) as n from (
         select count(*) as n from refresh_tokens where parent_hash is not null group by parent_hash
       ) per_parent`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Unspent refresh tokens of each session still open (exactly one each when all is well). */
  async unspentPerOpenSession(): Promise<Map<string, number>> {
    const rows = await this.query<{ session_id: string; n: string }>(
      `select s.id as session_id, count(r.hash) as n
         from sessions s left join refresh_tokens r on r.session_id = s.id and r.spent_at is null
        where s.ended_at is null
        group by s.id`,
    );
    return new Map(rows.map((row) => [row.session_id, Number(row.n)]));
  }

  /** Start one more process; resolves once it listens (so its denylist is complete). */
  async start(args: readonly string[] = []): Promise<ServeProcess> {
    const started = await this.processes.serve(args, this.env);
    if (started.url === '') {
      const { stdout, stderr } = started.output();
      throw new Error(`tessera serve did not start:\n${stdout}${stderr}`);
    }
    return started;
  }

  /** `tessera users add <name>` against the cluster's database. */
  async addUser(name: string, password = PASSWORD): Promise<void> {
    const run = await tessera(
      ['users', 'add', name, '--password-stdin'],
      `${password}\n`,
      this.env,
    );
    if (run.code !== 0) throw new Error(`users add failed:\n${run.stdout}${run.stderr}`);
  }

  async close(): Promise<void> {
    await this.processes.killAll();
    await deleteRedisKeys(this.env['TESSERA_REDIS_PREFIX'] ?? '');
    await this.#database.drop();
    await rm(this.#dataDir, { recursive: true, force: true });
  }
}

/** Delete every key under `prefix` on the test Redis. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  if (prefix === '') return;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
