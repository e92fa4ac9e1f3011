import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { audit, revocation } from '../../../test/support/describe-store-fixtures.js';
import {
  createTestDatabase,
  describeWithService,
  type TestDatabase,
} from '../../../test/support/services.js';
import { TcpProxy } from '../../../test/support/tcp-proxy.js';
import { StoreError } from '../store-error.js';
import type { Store } from '../store.js';
import { openPostgresStore } from './open-postgres-store.js';
import { resolvePostgresUrl } from './postgres-target.js';

// The store behind a proxy that drops the network: while a query runs, between queries, and
// while the server is gone. Each loss is an ERR_STORE_UNAVAILABLE, never a crash (an
// unhandled 'error' event would fail this file), and the store works again once it is back.

let database: TestDatabase;
let proxy: TcpProxy;
let store: Store;
let admin: pg.Client;

const unavailable = { name: 'StoreError', code: 'ERR_STORE_UNAVAILABLE' };

await describeWithService('postgres', 'PostgreSQL store losing its connection', () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    const proxied = await TcpProxy.forDatabase(database.url);
    proxy = proxied.proxy;
    store = await openPostgresStore({ url: proxied.url, maxConnections: 3 });
    admin = new pg.Client({ connectionString: resolvePostgresUrl(database.url).connectionString });
    await admin.connect();
    // Every audit insert takes 300 ms, so a cut can land in the middle of a transaction.
    await admin.query(`
      create function slow_audit() returns trigger language plpgsql as
        $$ begin if new.type = 'slow' then perform pg_sleep(0.3); end if; return new; end $$;
      create trigger slow_audit after insert on audit_log
        for each row execute function slow_audit();`);
  });
  afterAll(async () => {
    await store.close();
    await proxy.close();
    await admin.end();
    await database.drop();
  });

  it('fails an operation cut mid-transaction with ERR_STORE_UNAVAILABLE, and writes none of it', async () => {
    await store.listAudit(1); // a pooled connection to cut
    const write = store.appendRevocation(revocation('jti', 'cut'), audit('slow'));
    const settled = write.catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await proxy.cut();
    const error = await settled;
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject(unavailable);
    await proxy.restore();
    const { rows } = await admin.query('select value from revocations');
    expect(rows).toEqual([]);
  });

  it('answers ERR_STORE_UNAVAILABLE while the server is gone, and works again after', async () => {
    await store.listAudit(1);
    await proxy.cut();
    // Idle pooled connections were reset too: the pool drops them without crashing.
    await expect(store.listUsers()).rejects.toMatchObject(unavailable);
    await expect(store.appendAudit(audit('down'))).rejects.toMatchObject(unavailable);
    await proxy.restore();
    await store.appendAudit(audit('back'));
    expect((await store.listAudit(1)).map((line) => line.type)).toEqual(['back']);
  });
});
