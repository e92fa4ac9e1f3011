import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describeStore } from '../../../test/support/describe-store.js';
import { openStore } from '../open-store.js';
import type { Store } from '../store.js';
import { openSqliteStore } from './open-sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let made = 0;
const paths = new WeakMap<Store, string>();

async function makeFileStore(): Promise<Store> {
  const path = join(dir, `nested-${++made}`, 'tessera.db');
  const store = await openSqliteStore({ path });
  paths.set(store, path);
  return store;
}

async function reopenFileStore(closed: Store): Promise<Store> {
  const path = paths.get(closed);
  if (path === undefined) throw new Error('not a store this file made');
  const store = await openSqliteStore({ path });
  paths.set(store, path);
  return store;
}

describeStore('SQLite store (file)', makeFileStore, { reopen: reopenFileStore });
describeStore('SQLite store (:memory:)', () => openSqliteStore({ path: ':memory:' }));

describe('SQLite store files', () => {
  it('uses WAL, in an owner-only file, with foreign keys enforced', async () => {
    const path = join(dir, 'pragmas', 'tessera.db');
    const store = await openStore(`sqlite:${path}`);
    try {
      const db = new BetterSqlite3(path, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const session = {
        id: 's1',
        userId: 'nobody',
        clientId: 'web',
        userAgent: null,
        ip: null,
        scope: '',
        createdAt: 1,
        lastUsedAt: 1,
        idleExpiresAt: 2,
        absoluteExpiresAt: 2,
        endedAt: null,
        endReason: null,
        dpopJkt: null,
      };
      const first = { hash: 'h0', sessionId: 's1', parentHash: null, createdAt: 1, expiresAt: 2 };
      const orphan = store.createSession(
        session,
        { ...first, spentAt: null, successorSealed: null },
        {
          at: 1,
          type: 'login',
          userId: null,
          sessionId: null,
          clientId: null,
          ip: null,
          detail: {},
        },
      );
      await expect(orphan).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    } finally {
      await store.close();
    }
  });

  it('migrates once: opening an existing database keeps its data', async () => {
    const path = join(dir, 'twice.db');
    const first = await openStore(path);
    await first.appendAudit({
      at: 1,
      type: 't',
      userId: null,
      sessionId: null,
      clientId: null,
      ip: null,
      detail: {},
    });
    await first.close();
    const second = await openStore(`sqlite://${path}`);
    expect(await second.listAudit(10)).toHaveLength(1);
    await second.close();
  });

  it('refuses unknown schemes and empty paths', async () => {
    await expect(openStore('mysql://db/tessera')).rejects.toBeInstanceOf(TypeError);
    await expect(openStore('sqlite:')).rejects.toBeInstanceOf(TypeError);
  });
});
