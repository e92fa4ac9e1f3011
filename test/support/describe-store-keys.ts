import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import {
  audit,
  auditTypes,
  conflict,
  DAY,
  key,
  NOW,
  revocation,
  revocationLog,
} from './describe-store-fixtures.js';

/**
 * The revocation log and signing key part of describeStore: cursors, expiry and pruning of
 * the log; saving, updating and deleting keys; compare-and-add of the key set under
 * concurrency. `current()` is the store of the running test.
 */
export function describeKeysAndRevocations(current: () => Store): void {
  describe('revocation log', () => {
    it('numbers events in order and pages through them by cursor', async () => {
      const store = current();
      const ids: number[] = [];
      for (const value of ['a', 'b', 'c', 'd', 'e']) {
        ids.push((await store.appendRevocation(revocation('jti', value), audit('revoke'))).id);
      }
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(5);
      const seen: string[] = [];
      for (
        let cursor = 0, page;
        (page = await store.revocationsAfter(cursor, 2, NOW)).length > 0;
      ) {
        expect(page.length).toBeLessThanOrEqual(2);
        seen.push(...page.map((event) => event.value));
        cursor = page.at(-1)?.id ?? cursor;
      }
      expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(await store.revocationsAfter(ids[2] ?? 0, 10, NOW)).toMatchObject([
        { value: 'd' },
        { value: 'e' },
      ]);
      expect(await store.revocationsAfter(0, 0, NOW)).toEqual([]);
      await expect(store.revocationsAfter(0, -1, NOW)).rejects.toBeInstanceOf(TypeError);
      expect(await auditTypes(store)).toHaveLength(5);
    });

    it('skips expired events, prunes them, and never reuses an id', async () => {
      const store = current();
      await store.appendRevocation(revocation('jti', 'short', NOW + 10), audit('revoke'));
      await store.appendRevocation(revocation('jti', 'long', NOW + DAY), audit('revoke'));
      const last = await store.appendRevocation(revocation('jti', 'late', NOW + 10), audit('r'));
      expect(last).toMatchObject({ kind: 'jti', value: 'late', at: NOW, expiresAt: NOW + 10 });
      expect((await store.revocationsAfter(0, 10, NOW + 10)).map((e) => e.value)).toEqual(['long']);
      expect(await store.pruneRevocations(NOW + 10)).toBe(2);
      expect(await store.pruneRevocations(NOW + 10)).toBe(0);
      expect((await store.revocationsAfter(0, 10, NOW)).map((e) => e.value)).toEqual(['long']);
      // The newest event was pruned: a new one must still get a higher id than any before.
      const next = await store.appendRevocation(revocation('kid', 'k1'), audit('revoke'));
      expect(next.id).toBeGreaterThan(last.id);
    });
  });

  describe('signing keys', () => {
    it('saves, lists, updates and deletes keys, logging a kid revocation', async () => {
      const store = current();
      await store.saveSigningKey(key('k2', NOW + 1), audit('key.created'));
      await store.saveSigningKey(key('k1'), audit('key.created'));
      await expect(store.saveSigningKey(key('k1'), audit('x'))).rejects.toMatchObject(conflict);
      expect((await store.listSigningKeys()).map((found) => found.kid)).toEqual(['k1', 'k2']);
      const change = { state: 'retiring', activatesAt: NOW, retiresAt: NOW + DAY } as const;
      expect(await store.updateSigningKey('k1', change)).toBe(true);
      expect(await store.updateSigningKey('nope', change)).toBe(false);
      expect((await store.listSigningKeys())[0]).toEqual({ ...key('k1'), ...change });
      const kidEvent = revocation('kid', 'k1');
      expect(await store.deleteSigningKey('k1', kidEvent, audit('key.deleted'))).toBe(true);
      expect(await store.deleteSigningKey('k1', kidEvent, audit('key.deleted'))).toBe(false);
      expect((await store.listSigningKeys()).map((found) => found.kid)).toEqual(['k2']);
      expect(await revocationLog(store)).toMatchObject([{ kind: 'kid', value: 'k1' }]);
      expect((await auditTypes(store)).filter((type) => type === 'key.deleted')).toHaveLength(1);
    });
  });

  describe('signing key set', () => {
    const retire = { state: 'active', activatesAt: NOW, retiresAt: NOW + DAY } as const;

    it('adds a key only while the stored keys are the expected ones', async () => {
      const store = current();
      const first = { key: key('k1'), expectedKids: [], changes: new Map() };
      expect(await store.addSigningKey(first, audit('key.created'))).toBe(true);
      // Decided from an empty key set, which is no longer so: nothing is written.
      const stale = { ...first, key: key('k9') };
      expect(await store.addSigningKey(stale, audit('key.created'))).toBe(false);
      const next = {
        key: { ...key('k2', NOW + 1), state: 'pending', activatesAt: NOW + 10 },
        expectedKids: ['k1'],
        changes: new Map([['k1', retire]]),
      } as const;
      expect(await store.addSigningKey(next, audit('key.rotated'))).toBe(true);
      expect(await store.listSigningKeys()).toEqual([{ ...key('k1'), ...retire }, next.key]);
      expect(await auditTypes(store)).toEqual(['key.rotated', 'key.created']);
    });

    it('adds nothing when a change names a key that is not stored', async () => {
      const store = current();
      await store.addSigningKey(
        { key: key('k1'), expectedKids: [], changes: new Map() },
        audit('key.created'),
      );
      const bad = { key: key('k2'), expectedKids: ['k1'], changes: new Map([['nope', retire]]) };
      await expect(store.addSigningKey(bad, audit('key.rotated'))).rejects.toBeInstanceOf(
        TypeError,
      );
      expect((await store.listSigningKeys()).map((found) => found.kid)).toEqual(['k1']);
      expect(await auditTypes(store)).toEqual(['key.created']);
    });

    it('lets exactly one of several concurrent adds from the same key set through', async () => {
      const store = current();
      // Open the connections first (where there is a pool), so the adds really overlap.
      await Promise.all(Array.from({ length: 8 }, () => store.listSigningKeys()));
      const results = await Promise.all(
        ['a', 'b', 'c', 'd'].map((kid) =>
          store.addSigningKey(
            { key: key(kid), expectedKids: [], changes: new Map() },
            audit('key.created'),
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.listSigningKeys()).toHaveLength(1);
    });
  });
}
