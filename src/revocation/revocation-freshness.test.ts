import { describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/forge.js';
import type { LoggedRevocationEvent } from './revocation-event.js';
import type { RevocationLogReader } from './revocation-follower.js';
import {
  confirmingLogReader,
  RevocationFreshness,
  type FreshnessStatus,
} from './revocation-freshness.js';

function setup() {
  const clock = new TestClock(1_000_000);
  const changes: FreshnessStatus[] = [];
  const freshness = new RevocationFreshness({
    maxStalenessMs: 30_000,
    sources: ['redis', 'database polling'],
    clock,
    onChange: (status) => changes.push(status),
  });
  return { clock, changes, freshness };
}

describe('RevocationFreshness', () => {
  it('is stale before the first confirmation, and fresh after it without reporting a change', () => {
    const { changes, freshness } = setup();
    expect(freshness.status()).toMatchObject({ fresh: false, ageMs: null, source: null });
    freshness.confirm('database polling');
    expect(freshness.isFresh()).toBe(true);
    expect(changes).toEqual([]);
  });

  it('goes stale just past maxStaleness from the last confirmation of any source', () => {
    const { clock, freshness } = setup();
    freshness.confirm('database polling');
    clock.advance(20_000);
    freshness.confirm('redis');
    clock.advance(30_000);
    expect(freshness.isFresh()).toBe(true);
    clock.advance(1);
    expect(freshness.isFresh()).toBe(false);
  });

  it('reports turning stale once, with why, and turning fresh again once', () => {
    const { clock, changes, freshness } = setup();
    freshness.confirm('redis');
    freshness.fail('redis', 'redis down');
    freshness.fail('database polling', 'database unreachable');
    clock.advance(34_000);
    expect(freshness.isFresh()).toBe(false);
    expect(freshness.isFresh()).toBe(false);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      fresh: false,
      source: null,
      summary: 'revocations unconfirmed for 34 s: redis down, database unreachable',
    });
    freshness.confirm('database polling');
    expect(changes).toHaveLength(2);
    expect(changes[1]).toMatchObject({
      fresh: true,
      source: 'database polling',
      problems: ['redis down'],
    });
  });

  it('names the preferred healthy source', () => {
    const { freshness } = setup();
    freshness.confirm('database polling');
    freshness.confirm('redis');
    expect(freshness.status().source).toBe('redis');
    freshness.fail('redis', 'redis down');
    expect(freshness.status().source).toBe('database polling');
  });

  it('keeps a later confirmation when an earlier one arrives after it', () => {
    const { clock, freshness } = setup();
    const startedAt = freshness.now();
    clock.advance(10_000);
    freshness.confirm('redis');
    freshness.confirm('database polling', startedAt);
    clock.advance(25_000);
    expect(freshness.isFresh()).toBe(true);
  });

  it('counts only authoritative sources towards freshness, and still reports the others', () => {
    const clock = new TestClock(1_000_000);
    const freshness = new RevocationFreshness({
      maxStalenessMs: 30_000,
      sources: ['redis', 'database polling'],
      authoritative: ['database polling'],
      clock,
    });
    freshness.confirm('redis');
    expect(freshness.isFresh()).toBe(false);
    freshness.confirm('database polling');
    clock.advance(20_000);
    freshness.confirm('redis');
    freshness.fail('database polling', 'database unreachable');
    clock.advance(10_001);
    // Redis confirmed 10 s ago, but only the log can vouch, and it did 30.001 s ago.
    expect(freshness.isFresh()).toBe(false);
    expect(freshness.status()).toMatchObject({
      fresh: false,
      source: 'redis',
      problems: ['database unreachable'],
    });
  });

  it('refuses authoritative sources that are not sources, or none', () => {
    const make = (authoritative: string[]) => () =>
      new RevocationFreshness({ maxStalenessMs: 1000, sources: ['redis'], authoritative });
    expect(make(['database polling'])).toThrow(TypeError);
    expect(make([])).toThrow(TypeError);
  });

  it('refuses unknown sources and bad limits', () => {
    const { freshness } = setup();
    expect(() => {
      freshness.confirm('sse');
    }).toThrow(TypeError);
    expect(() => new RevocationFreshness({ maxStalenessMs: 0, sources: ['x'] })).toThrow(TypeError);
    expect(() => new RevocationFreshness({ maxStalenessMs: 1, sources: [] })).toThrow(TypeError);
  });
});

describe('confirmingLogReader', () => {
  const event: LoggedRevocationEvent = { id: 1, kind: 'jti', value: 'a', at: 0, expiresAt: 1 };

  it('confirms as of the start of a read that reached the end of the log', async () => {
    const { clock, freshness } = setup();
    const startedAt = clock.now();
    const slow: RevocationLogReader = {
      revocationsAfter: () => {
        clock.advance(5_000);
        return Promise.resolve([event]);
      },
    };
    await confirmingLogReader(slow, freshness, 'database polling').revocationsAfter(0, 10, 0);
    clock.set(startedAt + 30_001);
    expect(freshness.isFresh()).toBe(false);
  });

  it('does not confirm a full page (more may follow)', async () => {
    const { freshness } = setup();
    const full: RevocationLogReader = { revocationsAfter: () => Promise.resolve([event]) };
    await confirmingLogReader(full, freshness, 'database polling').revocationsAfter(0, 1, 0);
    expect(freshness.status().ageMs).toBeNull();
  });

  it('records the failure of a read and rethrows it', async () => {
    const { freshness } = setup();
    const failing: RevocationLogReader = {
      revocationsAfter: () => Promise.reject(new Error('SQLITE_CANTOPEN')),
    };
    const reader = confirmingLogReader(failing, freshness, 'database polling');
    await expect(reader.revocationsAfter(0, 10, 0)).rejects.toThrow('SQLITE_CANTOPEN');
    expect(freshness.status().problems).toEqual(['database unreachable']);
  });
});
