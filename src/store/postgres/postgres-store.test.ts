import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStore } from '../../../test/support/describe-store.js';
import {
  createTestDatabase,
  describeWithService,
  type TestDatabase,
} from '../../../test/support/services.js';
import { openStore } from '../open-store.js';
import type { Store } from '../store.js';
import { openPostgresStore } from './open-postgres-store.js';
import { resolvePostgresUrl } from './postgres-target.js';

// The shared store suite on PostgreSQL, on one database for this file, emptied before each
// test; then what only PostgreSQL has: concurrent migration, connection errors.

const TABLES = 'users, clients, sessions, refresh_tokens, signing_keys, revocations, audit_log';

let database: TestDatabase;
let admin: pg.Client;

/** A client on the test database, outside any store (to empty or inspect it). */
async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: resolvePostgresUrl(url).connectionString });
  await client.connect();
  return client;
}

// Small pools: every test file shares one server and its 100 connection slots.
const open = (): Promise<Store> => openPostgresStore({ url: database.url, maxConnections: 4 });

async function makeStore(): Promise<Store> {
  const store = await open(); // migrates the first time
  await admin.query(`truncate ${TABLES} restart identity`);
  return store;
}

await describeWithService('postgres', 'PostgreSQL store', () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    admin = await connect(database.url);
  });
  afterAll(async () => {
    await admin.end();
    await database.drop();
  });

  describeStore('PostgreSQL store', makeStore, { reopen: open });

  describe('on its own', () => {
    it('is what openStore opens for postgres:// and postgresql:// URLs', async () => {
      await admin.query(`truncate ${TABLES} restart identity`);
      for (const url of [database.url, database.url.replace(/^postgres:/, 'postgresql:')]) {
        const store = await openStore(url);
        await store.appendAudit({
          at: 1,
          type: 't',
          userId: null,
          sessionId: null,
          clientId: null,
          ip: null,
          detail: {},
        });
        await store.close();
      }
      const { rows } = await admin.query<{ n: string }>('select count(*) as n from audit_log');
      expect(rows[0]?.n).toBe('2');
    });

    it('migrates an empty database once when several processes open it at once', async () => {
      const fresh = await createTestDatabase();
      try {
        const stores = await Promise.all(
          Array.from({ length: 4 }, () => openPostgresStore({ url: fresh.url, maxConnections: 2 })),
        );
        const client = await connect(fresh.url);
        try {
          const applied = await client.query('select name from tessera_migration order by name');
          expect(applied.rows).toEqual([
            { name: '001-initial' },
            { name: '002-dpop-binding' },
            { name: '003-browser-binding' },
            { name: '004-sessions-client-index' },
          ]);
          // Every store works on the one schema.
          for (const [i, store] of stores.entries()) {
            await store.appendRevocation(
              { kind: 'jti', value: `j${i}`, at: 1, expiresAt: 2 },
              {
                at: 1,
                type: 'r',
                userId: null,
                sessionId: null,
                clientId: null,
                ip: null,
                detail: {},
              },
            );
          }
          expect((await stores[0]?.revocationsAfter(0, 10, 1))?.map((e) => e.id)).toEqual([
            1, 2, 3, 4,
          ]);
        } finally {
          await client.end();
          await Promise.all(stores.map((store) => store.close()));
        }
      } finally {
        await fresh.drop();
      }
    });

    it('says where and why it cannot connect, never with the password', async () => {
      const url = new URL(database.url);
      url.username = 'root';
      url.password = 'hunter2-secret';
      const missing = new URL(url);
      missing.pathname = '/no_such_database';
      const stranger = new URL(url);
      stranger.username = 'no_such_role';
      const cases: [string, RegExp][] = [
        [
          'postgres://u:hunter2-secret@127.0.0.1:1/x',
          /^cannot connect to PostgreSQL at 127\.0\.0\.1:1, database "x", user "u": connection refused/,
        ],
        [missing.toString(), /database "no_such_database" does not exist$/],
        [stranger.toString(), /user "no_such_role": access refused: role "no_such_role"/],
      ];
      for (const [target, message] of cases) {
        const failure = openStore(target);
        await expect(failure).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
        const error = (await failure.catch((caught: unknown) => caught)) as Error;
        expect(error.message).toMatch(message);
        expect(error.message).not.toContain('hunter2');
      }
    });

    it('refuses bad options and malformed URLs without echoing them', async () => {
      await expect(openPostgresStore({ url: database.url, maxConnections: 0 })).rejects.toThrow(
        TypeError,
      );
      const malformed = openStore('postgres://u:hunter2@[bad/x');
      await expect(malformed).rejects.toBeInstanceOf(TypeError);
      await expect(malformed).rejects.not.toThrow(/hunter2/);
    });
  });
});
