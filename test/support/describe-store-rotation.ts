import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/store/records.js';
import { SESSION_END_REASONS } from '../../src/store/session-end-reasons.js';
import type { Store } from '../../src/store/store.js';
import {
  auditTypes,
  conflict,
  countKinds,
  DAY,
  GRACE,
  MINUTE,
  NOW,
  revocationLog,
  rotation,
  seedSession as seed,
  token,
} from './describe-store-fixtures.js';

/**
 * The rotation part of describeStore: rotation, grace, reuse, expiry, atomicity and
 * concurrency. `current()` is the store of the running test.
 */
export function describeRotation(current: () => Store): void {
  describe('refresh rotation', () => {
    it('rotates a live token: parent spent, successor live, idle expiry moved', async () => {
      const store = current();
      await seed(store, 's1', 'h0', 'u1', { absoluteExpiresAt: NOW + 10 * MINUTE });
      // The caller knows only the presented token: the store puts the successor in its chain.
      const outcome = await store.rotateRefreshToken({
        ...rotation('h0', 'h1', 's1', { now: NOW + 5 }),
        successor: token('h1', '', null, NOW + 5),
      });
      const stored = await store.findSession('s1');
      // The idle expiry asked for (NOW + 5 + 30 min) is capped by the absolute expiry.
      expect(stored).toMatchObject({ lastUsedAt: NOW + 5, idleExpiresAt: NOW + 10 * MINUTE });
      expect(outcome).toEqual({ kind: 'rotated', session: stored });
      expect(await store.findRefreshToken('h0')).toMatchObject({
        spentAt: NOW + 5,
        successorSealed: 'sealed:h1',
      });
      expect(await store.findRefreshToken('h1')).toEqual(token('h1', 's1', 'h0', NOW + 5));
    });

    it('hands out the same successor again within the grace window', async () => {
      const store = current();
      await seed(store);
      await store.rotateRefreshToken(rotation('h0', 'h1', 's1'));
      const again = await store.rotateRefreshToken(
        rotation('h0', 'h2', 's1', { now: NOW + GRACE - 1 }),
      );
      expect(again).toMatchObject({ kind: 'grace', successorSealed: 'sealed:h1' });
      expect(await store.findRefreshToken('h2')).toBeNull();
      expect(await store.findRefreshToken('h1')).toMatchObject({ spentAt: null });
    });

    it('treats reuse outside the window as theft: ends the session, logs sid + audit', async () => {
      const store = current();
      await seed(store);
      await store.rotateRefreshToken(rotation('h0', 'h1', 's1'));
      const replay = await store.rotateRefreshToken(
        rotation('h0', 'h2', 's1', { now: NOW + GRACE }),
      );
      expect(replay).toMatchObject({
        kind: 'reused',
        session: { id: 's1', endedAt: NOW + GRACE },
      });
      expect(await store.findSession('s1')).toMatchObject({
        endedAt: NOW + GRACE,
        endReason: SESSION_END_REASONS.refreshReuse,
      });
      expect(await revocationLog(store)).toMatchObject([{ kind: 'sid', value: 's1' }]);
      expect((await auditTypes(store))[0]).toBe('refresh.reused');
      // The successor dies with its session; the sealed copy is forgotten.
      const next = await store.rotateRefreshToken(rotation('h1', 'h3', 's1', { now: NOW + GRACE }));
      expect(next).toEqual({ kind: 'expired' });
      expect(await store.findRefreshToken('h0')).toMatchObject({ successorSealed: null });
    });

    it('treats reuse as theft inside the window once the successor was used', async () => {
      const store = current();
      await seed(store);
      await store.rotateRefreshToken(rotation('h0', 'h1', 's1'));
      await store.rotateRefreshToken(rotation('h1', 'h2', 's1', { now: NOW + 1 }));
      const replay = await store.rotateRefreshToken(rotation('h0', 'h9', 's1', { now: NOW + 2 }));
      expect(replay.kind).toBe('reused');
      expect(await revocationLog(store)).toHaveLength(1);
    });

    it('keeps the sealed successor only for the grace window', async () => {
      const store = current();
      await seed(store);
      await store.rotateRefreshToken(rotation('h0', 'h1', 's1'));
      await store.rotateRefreshToken(rotation('h1', 'h2', 's1', { now: NOW + GRACE }));
      expect(await store.findRefreshToken('h0')).toMatchObject({ successorSealed: null });
      expect(await store.findRefreshToken('h1')).toMatchObject({ successorSealed: 'sealed:h2' });
    });

    it('says expired for an ended, idle or over-age session or an expired token', async () => {
      const store = current();
      const cases: [string, Partial<SessionRecord>, number][] = [
        ['ended', { endedAt: NOW - 1, endReason: 'logout' }, NOW],
        ['idle', { idleExpiresAt: NOW + 10 }, NOW + 10],
        ['over', { absoluteExpiresAt: NOW + 10 }, NOW + 10],
        ['token', {}, NOW + 30 * DAY],
      ];
      for (const [id, extra, now] of cases) {
        await seed(store, id, `${id}-h0`, 'u1', { idleExpiresAt: NOW + 31 * DAY, ...extra });
        const outcome = await store.rotateRefreshToken(
          rotation(`${id}-h0`, `${id}-h1`, id, { now }),
        );
        expect([id, outcome]).toEqual([id, { kind: 'expired' }]);
        expect(await store.findRefreshToken(`${id}-h0`)).toMatchObject({ spentAt: null });
      }
      expect(await store.rotateRefreshToken(rotation('nope', 'h1', 's1'))).toEqual({
        kind: 'unknown',
      });
    });

    it('rolls a failed rotation back whole', async () => {
      const store = current();
      await seed(store);
      await seed(store, 's2', 'taken');
      const clash = store.rotateRefreshToken(rotation('h0', 'taken', 's1'));
      await expect(clash).rejects.toMatchObject(conflict);
      expect(await store.findRefreshToken('h0')).toMatchObject({ spentAt: null });
      const spent = store.rotateRefreshToken({
        ...rotation('h0', 'h1', 's1'),
        successor: { ...token('h1', 's1', 'h0'), spentAt: NOW },
      });
      await expect(spent).rejects.toBeInstanceOf(TypeError);
      expect(await store.findRefreshToken('h0')).toMatchObject({ spentAt: null });
      await store.rotateRefreshToken(rotation('h0', 'h1', 's1'));
      const failingLog = store.rotateRefreshToken({
        ...rotation('h0', 'h2', 's1', { now: NOW + GRACE }),
        reuseAudit: () => {
          throw new Error('audit sink down');
        },
      });
      await expect(failingLog).rejects.toThrow('audit sink down');
      expect(await store.findSession('s1')).toMatchObject({ endedAt: null });
      expect(await revocationLog(store)).toEqual([]);
    });

    it('serialises 10 concurrent presentations: one rotated, nine grace', async () => {
      const store = current();
      await seed(store);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.rotateRefreshToken(rotation('h0', `n${i}`, 's1')),
        ),
      );
      expect(countKinds(outcomes)).toEqual({ rotated: 1, grace: 9 });
      const winner = outcomes.findIndex((outcome) => outcome.kind === 'rotated');
      for (const outcome of outcomes) {
        if (outcome.kind === 'grace') expect(outcome.successorSealed).toBe(`sealed:n${winner}`);
      }
      const successors = await Promise.all(outcomes.map((_, i) => store.findRefreshToken(`n${i}`)));
      const live = successors.filter((found) => found !== null && found.spentAt === null);
      expect(live.map((found) => found?.hash)).toEqual([`n${winner}`]);
      expect(await store.findRefreshToken('h0')).toMatchObject({ spentAt: NOW });
    });

    it('with no grace window, ends the session on the second of 10 concurrent presentations', async () => {
      const store = current();
      await seed(store);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.rotateRefreshToken(rotation('h0', `n${i}`, 's1', { graceMs: 0 })),
        ),
      );
      // The first replay ends the session; the ones after it find the session over.
      const counts = countKinds(outcomes);
      expect(counts).toMatchObject({ rotated: 1, reused: 1 });
      expect((counts['reused'] ?? 0) + (counts['expired'] ?? 0)).toBe(9);
      expect(await store.findSession('s1')).toMatchObject({
        endReason: SESSION_END_REASONS.refreshReuse,
      });
      expect(await revocationLog(store)).toMatchObject([{ kind: 'sid', value: 's1' }]);
    });
  });
}
