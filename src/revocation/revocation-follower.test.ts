import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LoggedRevocationEvent } from './revocation-event.js';
import {
  RevocationFollower,
  type RevocationLogReader,
  type RevocationSource,
} from './revocation-follower.js';

const FAR = 4_000_000_000_000;

function event(id: number, value = `jti-${id}`): LoggedRevocationEvent {
  return { id, kind: 'jti', value, at: 1_000, expiresAt: FAR };
}

/** A revocation log in memory that counts its reads. */
class MemoryLog implements RevocationLogReader {
  readonly events: LoggedRevocationEvent[] = [];
  reads = 0;

  append(...events: LoggedRevocationEvent[]): void {
    this.events.push(...events);
  }

  revocationsAfter(cursor: number, limit: number): Promise<LoggedRevocationEvent[]> {
    this.reads++;
    return Promise.resolve(this.events.filter((e) => e.id > cursor).slice(0, limit));
  }
}

function setup(options: { pollIntervalMs?: number } = {}) {
  const log = new MemoryLog();
  const applied: string[] = [];
  const told: [number, RevocationSource][] = [];
  const follower = new RevocationFollower({
    log,
    apply: (e) => applied.push(e.value),
    pageSize: 2,
    ...options,
  });
  follower.subscribe((e, source) => told.push([e.id, source]));
  return { log, applied, told, follower };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RevocationFollower', () => {
  it('applies the log in order, page by page, and tells listeners the events came from it', async () => {
    const { log, applied, told, follower } = setup();
    log.append(event(1), event(2), event(3));
    await follower.catchUp();
    expect(applied).toEqual(['jti-1', 'jti-2', 'jti-3']);
    expect(told).toEqual([
      [1, 'log'],
      [2, 'log'],
      [3, 'log'],
    ]);
    expect(follower.cursor).toBe(3);
  });

  it('moves the cursor on the next event offered, without reading the log', async () => {
    const { log, applied, told, follower } = setup();
    log.append(event(1));
    await follower.catchUp();
    const reads = log.reads;
    log.append(event(2));
    follower.offer(event(2));
    expect(applied).toEqual(['jti-1', 'jti-2']);
    expect(follower.cursor).toBe(2);
    expect(told.at(-1)).toEqual([2, 'stream']);
    expect(log.reads).toBe(reads);
  });

  it('applies an event ahead of a gap at once, and fills the gap from the log in order', async () => {
    const { log, applied, told, follower } = setup();
    log.append(event(1), event(2), event(3));
    follower.offer(event(3));
    // Applied before the log is read: the denylist holds it at once.
    expect(applied).toEqual(['jti-3']);
    expect(follower.cursor).toBe(0);
    await follower.catchUp();
    expect(applied).toEqual(['jti-3', 'jti-1', 'jti-2']);
    expect(told).toEqual([
      [1, 'log'],
      [2, 'log'],
      [3, 'stream'],
    ]);
    expect(follower.cursor).toBe(3);
  });

  it('starts the log read for a gap by itself', async () => {
    const { log, follower } = setup();
    log.append(event(1), event(2));
    follower.offer(event(2));
    await vi.waitFor(() => {
      expect(follower.cursor).toBe(2);
    });
    expect(log.reads).toBeGreaterThan(0);
  });

  it('applies an offered event once, however often it is offered before the log confirms it', async () => {
    const { log, applied, follower } = setup();
    log.append(event(1));
    follower.offer(event(1));
    follower.offer(event(1));
    expect(applied).toEqual(['jti-1']);
    await follower.catchUp();
    expect(applied).toEqual(['jti-1']);
  });

  it('never lets a pushed event hide the logged event with the same id', async () => {
    const { log, applied, follower } = setup();
    log.append(event(1, 'real'));
    follower.offer(event(1, 'forged'));
    expect(follower.cursor).toBe(1);
    await follower.catchUp();
    expect(applied).toEqual(['forged', 'real']);
  });

  it('applies an offered event the log read had already passed (it may have been invisible then)', async () => {
    const { log, applied, follower } = setup();
    log.append(event(2));
    await follower.catchUp();
    follower.offer(event(1, 'late'));
    expect(applied).toEqual(['jti-2', 'late']);
    expect(follower.cursor).toBe(2);
  });

  it('polls at the interval set last, rescheduling a pending poll', async () => {
    vi.useFakeTimers();
    const { log, follower } = setup({ pollIntervalMs: 60_000 });
    await follower.start();
    const reads = log.reads;
    follower.setPollInterval(1_000);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(log.reads).toBe(reads + 1);
    follower.setPollInterval(60_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(log.reads).toBe(reads + 1);
    follower.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(log.reads).toBe(reads + 1);
  });

  it('refuses a polling interval that is not positive', () => {
    const { follower } = setup();
    expect(() => {
      follower.setPollInterval(0);
    }).toThrow(TypeError);
  });
});
