import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { GRACE, NOW, audit, session, token, user } from '../support/describe-store-fixtures.js';
import { createTestDatabase, describeWithService, type TestDatabase } from '../support/services.js';

// Migration 003 (sessions.browser_binding) on both backends: a session keeps its browser
// binding through creation, rotation and listing; older sessions read as unbound.

function bindingSuite(open: () => Promise<{ store: Store; close: () => Promise<void> }>): void {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await open());
    await store.createUser(user('u1'), audit('user.created'));
  });
  afterAll(() => close());

  it('keeps cookie and fingerprint bindings, and none for a plain session', async () => {
    await store.createSession(
      session('s-cookie', 'u1', { browserBinding: 'cookie' }),
      token('h1', 's-cookie'),
      audit('login'),
    );
    await store.createSession(
      session('s-fgp', 'u1', { browserBinding: 'fingerprint' }),
      token('h2', 's-fgp'),
      audit('login'),
    );
    await store.createSession(session('s-plain'), token('h3', 's-plain'), audit('login'));
    expect((await store.findSession('s-cookie'))?.browserBinding).toBe('cookie');
    expect((await store.findSession('s-fgp'))?.browserBinding).toBe('fingerprint');
    expect((await store.findSession('s-plain'))?.browserBinding).toBeUndefined();
    const live = await store.listLiveSessions('u1', NOW);
    expect(live.find((s) => s.id === 's-cookie')?.browserBinding).toBe('cookie');
  });

  it('hands the binding to rotation, so a refresh issues tokens bound alike', async () => {
    const outcome = await store.rotateRefreshToken({
      presentedHash: 'h1',
      successor: token('h1-next', ''),
      successorSealed: 'sealed',
      now: NOW + 1000,
      graceMs: GRACE,
      idleExpiresAt: NOW + 60_000,
      reuseRevocation: (s) => ({ kind: 'sid', value: s.id, at: NOW, expiresAt: NOW + 1 }),
      reuseAudit: () => audit('refresh.reused'),
    });
    expect(outcome.kind).toBe('rotated');
    if (outcome.kind === 'rotated') expect(outcome.session.browserBinding).toBe('cookie');
  });
}

describe('browser binding on SQLite', () => {
  bindingSuite(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-binding-'));
    const store = await openStore(join(dir, 'tessera.db'));
    return {
      store,
      close: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
});

await describeWithService('postgres', 'browser binding on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());
  bindingSuite(async () => {
    const store = await openStore(database.url);
    return { store, close: () => store.close() };
  });
});
