import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/forge.js';
import { createTestDatabase, describeWithService } from '../../test/support/services.js';
import { generateMasterKey, Sealer } from '../keys/sealer.js';
import { openStore } from '../store/open-store.js';
import { openPostgresStore } from '../store/postgres/open-postgres-store.js';
import type { Store } from '../store/store.js';
import { SigningKeyManager, type KeyRotationPolicy } from './signing-keys.js';

const START = 1_800_000_000_000;
const POLICY: KeyRotationPolicy = {
  algorithm: 'EdDSA',
  prepublishSeconds: 600,
  overlapSeconds: 930,
  rotateAfterSeconds: 86_400,
};

let store: Store;
let sealer: Sealer;
let clock: TestClock;

beforeEach(async () => {
  store = await openStore(':memory:');
  sealer = new Sealer(generateMasterKey());
  clock = new TestClock(START);
});

afterEach(async () => {
  await store.close();
});

const load = (): Promise<SigningKeyManager> => SigningKeyManager.load(store, sealer, clock, POLICY);
const states = (keys: SigningKeyManager): string[] => keys.list().map((entry) => entry.state);

describe('SigningKeyManager', () => {
  it('creates the first key once and stores it sealed', async () => {
    const first = await load();
    const again = await load();
    expect(again.getSigningKey().kid).toBe(first.getSigningKey().kid);
    const [row] = await store.listSigningKeys();
    expect(row?.privateJwkSealed.startsWith('v1.')).toBe(true);
    expect(row?.privateJwkSealed).not.toContain('"d"');
  });

  it('refuses to open keys sealed under another master key', async () => {
    await load();
    sealer = new Sealer(generateMasterKey());
    await expect(load()).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
  });

  it('rotates automatically at the configured age: published first, signing after the pre-publication', async () => {
    const keys = await load();
    const first = keys.getSigningKey().kid;
    clock.advance(86_399_000);
    expect(await keys.rotateIfDue()).toBe(false);
    clock.advance(1_000);
    expect(await keys.rotateIfDue()).toBe(true);
    expect(states(keys)).toEqual(['active', 'pending']);
    expect(keys.getSigningKey().kid).toBe(first);
    expect(keys.toJwks().keys).toHaveLength(2);
    expect(await keys.rotateIfDue()).toBe(false);

    clock.advance(600_000);
    expect(keys.getSigningKey().kid).not.toBe(first);
    expect(states(keys)).toEqual(['active', 'retiring']);
    // Another process reading the same rows sees the same schedule.
    expect(states(await load())).toEqual(['active', 'retiring']);
    clock.advance(930_000);
    expect(states(keys)).toEqual(['active']);
  });

  it('refuses a second rotation while one is pending', async () => {
    const keys = await load();
    await keys.rotate();
    await expect(keys.rotate()).rejects.toThrow(/pending/);
  });

  it('revokes a retiring key at once and logs a kid revocation, but never the active key', async () => {
    const keys = await load();
    const first = keys.getSigningKey().kid;
    await keys.rotate();
    clock.advance(600_000);
    const event = {
      kind: 'kid' as const,
      value: first,
      at: clock.now(),
      expiresAt: clock.now() + 1e6,
    };
    await expect(keys.revoke(keys.getSigningKey().kid, event)).rejects.toThrow(/active key/);
    await keys.revoke(first, event);
    expect(keys.getKeySet().find(first)).toBeNull();
    const log = await store.revocationsAfter(0, 10, clock.now());
    expect(log.map((entry) => [entry.kind, entry.value])).toEqual([['kid', first]]);
    await expect(keys.revoke('no-such-kid', event)).rejects.toThrow(/no signing key/);
  });
});

describe('SigningKeyManager emergency revocation', () => {
  it('revokes the active key with replaceActive: a new key signs at once, the old one is gone', async () => {
    const keys = await load();
    const leaked = keys.getSigningKey().kid;
    const event = { kind: 'kid' as const, value: leaked, at: START, expiresAt: START + 1e6 };
    const successor = await keys.revoke(leaked, event, { replaceActive: true });
    expect(successor).not.toBeNull();
    expect(successor?.kid).not.toBe(leaked);
    // No pre-publication: it signs now, and it is the only key left.
    expect(keys.getSigningKey().kid).toBe(successor?.kid);
    expect(keys.list().map((entry) => [entry.key.kid, entry.state])).toEqual([
      [successor?.kid, 'active'],
    ]);
    expect(keys.getKeySet().find(leaked)).toBeNull();
    // Another process reading the same rows agrees.
    expect((await load()).getSigningKey().kid).toBe(successor?.kid);
    const log = await store.revocationsAfter(0, 10, clock.now());
    expect(log.map((entry) => [entry.kind, entry.value])).toEqual([['kid', leaked]]);
  });

  it('keeps a pending rotation, and the new key verifies for the overlap after it', async () => {
    const keys = await load();
    const leaked = keys.getSigningKey().kid;
    const pending = (await keys.rotate()).kid;
    const event = { kind: 'kid' as const, value: leaked, at: START, expiresAt: START + 1e6 };
    const successor = (await keys.revoke(leaked, event, { replaceActive: true }))?.kid ?? '';
    expect(keys.getSigningKey().kid).toBe(successor);
    expect(keys.list().map((entry) => entry.key.kid)).toContain(pending);
    clock.advance(600_000);
    expect(keys.getSigningKey().kid).toBe(pending);
    // Tokens the emergency key signed stay valid until they expire, as after any rotation.
    expect(keys.getKeySet().find(successor)).not.toBeNull();
    expect(states(await load())).toEqual(['active', 'retiring']);
    clock.advance(929_000);
    expect(keys.getKeySet().find(successor)).not.toBeNull();
    clock.advance(1_000);
    expect(keys.getKeySet().find(successor)).toBeNull();
  });

  it('starts the new key early enough for a server whose clock is behind', async () => {
    const keys = await load();
    const leaked = keys.getSigningKey().kid;
    clock.advance(3_600_000);
    const event = { kind: 'kid' as const, value: leaked, at: clock.now(), expiresAt: 2e12 };
    const successor = await keys.revoke(leaked, event, { replaceActive: true });
    // A process 30 s behind reads the keys: the new key already signs there.
    const behind = new TestClock(clock.now() - 30_000);
    const elsewhere = await SigningKeyManager.load(store, sealer, behind, POLICY);
    expect(elsewhere.getSigningKey().kid).toBe(successor?.kid);
  });

  it('applies reloads in the order they were asked for, whatever order the reads finish in', async () => {
    let releaseFirst: () => void = () => undefined;
    const firstHeld = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    let armed = false;
    // Once armed, the next read of the keys takes the rows of its moment, then answers late.
    const slow = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'listSigningKeys')
          return Reflect.get(target, property, receiver) as unknown;
        return async () => {
          const rows = await target.listSigningKeys();
          if (armed) {
            armed = false;
            await firstHeld;
          }
          return rows;
        };
      },
    });
    const other = await load();
    const keys = await SigningKeyManager.load(slow, sealer, clock, POLICY);
    const leaked = keys.getSigningKey().kid;
    armed = true;
    const stale = keys.reload();
    const event = { kind: 'kid' as const, value: leaked, at: START, expiresAt: START + 1e6 };
    const successor = await other.revoke(leaked, event, { replaceActive: true });
    const fresh = keys.reload();
    // Give the later read every chance to finish first; only then does the first one answer.
    await Promise.race([fresh, new Promise((resolve) => setTimeout(resolve, 100))]);
    releaseFirst();
    await Promise.all([stale, fresh]);
    expect(keys.getSigningKey().kid).toBe(successor?.kid);
  });

  it('says which key signs when the old one could not be deleted, and a rerun finishes', async () => {
    let failDelete = true;
    const flaky = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'deleteSigningKey' && failDelete) {
          return () => Promise.reject(new Error('database went away'));
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        // The store's methods use private fields: call them on the store itself.
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const keys = await SigningKeyManager.load(flaky, sealer, clock, POLICY);
    const leaked = keys.getSigningKey().kid;
    const event = { kind: 'kid' as const, value: leaked, at: START, expiresAt: START + 1e6 };
    await expect(keys.revoke(leaked, event, { replaceActive: true })).rejects.toThrow(
      /^key \S+ signs now, but \S+ was not revoked: run the command again$/,
    );
    await keys.reload();
    const successor = keys.getSigningKey().kid;
    expect(successor).not.toBe(leaked);
    failDelete = false;
    // The rerun finds the old key no longer signing and revokes it like any other.
    expect(await keys.revoke(leaked, event, { replaceActive: true })).toBeNull();
    expect(keys.getKeySet().find(leaked)).toBeNull();
    expect(keys.getSigningKey().kid).toBe(successor);
  });

  it('returns no successor when the key revoked was not the active one', async () => {
    const keys = await load();
    const first = keys.getSigningKey().kid;
    await keys.rotate();
    clock.advance(600_000);
    const event = { kind: 'kid' as const, value: first, at: clock.now(), expiresAt: 2e12 };
    expect(await keys.revoke(first, event, { replaceActive: true })).toBeNull();
    expect(keys.list()).toHaveLength(1);
  });
});

/** A database several stores can open, as separate processes would. */
interface SharedDatabase {
  open(): Promise<Store>;
  drop(): Promise<void>;
}

/**
 * Three processes on one database: each opens its own store (its own connections) and key
 * manager, and they start, or their maintenance timers fire, at the same moment.
 */
function describeProcesses(name: string, create: () => Promise<SharedDatabase>): void {
  describe(`SigningKeyManager in three processes on one ${name} database`, () => {
    let shared: SharedDatabase;
    let stores: Store[];

    beforeEach(async () => {
      shared = await create();
      stores = [];
      for (let i = 0; i < 3; i++) stores.push(await shared.open());
    });
    afterEach(async () => {
      await Promise.all(stores.map((each) => each.close()));
      await shared.drop();
    });

    const loadAll = (): Promise<SigningKeyManager[]> =>
      Promise.all(stores.map((each) => SigningKeyManager.load(each, sealer, clock, POLICY)));

    it('creates one first key when all start at once on an empty database', async () => {
      const managers = await loadAll();
      const kids = new Set(managers.map((keys) => keys.getSigningKey().kid));
      expect(kids.size).toBe(1);
      expect(await stores[0]?.listSigningKeys()).toHaveLength(1);
    });

    it('rotates once when all their timers find the key due at the same moment', async () => {
      const managers = await loadAll();
      clock.advance(POLICY.rotateAfterSeconds * 1000);
      const rotated = await Promise.all(managers.map((keys) => keys.rotateIfDue()));
      expect(rotated.filter(Boolean)).toHaveLength(1);
      expect(await stores[1]?.listSigningKeys()).toHaveLength(2);
      // Every process now publishes the same two keys, the new one pending.
      for (const keys of managers) {
        await keys.reload();
        expect(states(keys)).toEqual(['active', 'pending']);
      }
    });

    it('lets one of several manual rotations through and tells the others one is pending', async () => {
      const managers = await loadAll();
      const results = await Promise.allSettled(managers.map((keys) => keys.rotate()));
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(String(result.reason)).toMatch(/pending/);
      }
      expect(await stores[2]?.listSigningKeys()).toHaveLength(2);
    });
  });
}

describeProcesses('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-keys-'));
  return {
    open: () => openStore(join(dir, 'tessera.db')),
    drop: () => rm(dir, { recursive: true, force: true }),
  };
});

await describeWithService('postgres', 'signing keys on PostgreSQL', () => {
  describeProcesses('PostgreSQL', async () => {
    const database = await createTestDatabase();
    return {
      open: () => openPostgresStore({ url: database.url, maxConnections: 2 }),
      drop: () => database.drop(),
    };
  });
});
