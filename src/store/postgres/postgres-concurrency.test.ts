import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  audit,
  countKinds,
  GRACE,
  NOW,
  revocationLog,
  rotation,
  seedSession,
} from '../../../test/support/describe-store-fixtures.js';
import {
  createTestDatabase,
  describeWithService,
  type TestDatabase,
} from '../../../test/support/services.js';
import type { LoggedRevocationEvent } from '../../revocation/revocation-event.js';
import { RevocationFollower } from '../../revocation/revocation-follower.js';
import { SESSION_END_REASONS } from '../session-end-reasons.js';
import type { Store } from '../store.js';
import { openPostgresStore } from './open-postgres-store.js';
import { resolvePostgresUrl } from './postgres-target.js';

// Several processes on one PostgreSQL database, played by separate stores (separate pools,
// so separate connections and transactions): the revocation log becomes visible in id order,
// and a refresh token rotates once however many processes race to present it.

const TABLES = 'users, clients, sessions, refresh_tokens, signing_keys, revocations, audit_log';

let database: TestDatabase;
let admin: pg.Client;
let first: Store;
let second: Store;

await describeWithService('postgres', 'PostgreSQL store shared by processes', () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    first = await openPostgresStore({ url: database.url, maxConnections: 5 });
    second = await openPostgresStore({ url: database.url, maxConnections: 5 });
    admin = new pg.Client({ connectionString: resolvePostgresUrl(database.url).connectionString });
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all([first.close(), second.close(), admin.end()]);
    await database.drop();
  });
  beforeEach(async () => {
    await admin.query(`truncate ${TABLES} restart identity`);
  });

  describe('revocation log', () => {
    it('reaches a follower whole while two processes write it concurrently', async () => {
      // Widen the gap between taking an id (the revocation insert) and committing (after the
      // audit insert) to a few random milliseconds, so that without the log's writer lock
      // transactions would commit their ids out of order all the time.
      await admin.query(`
        create or replace function slow_commit() returns trigger language plpgsql as
          $$ begin perform pg_sleep(random() * 0.004); return new; end $$;
        create trigger slow_commit after insert on audit_log
          for each row execute function slow_commit();`);
      const reader = await openPostgresStore({ url: database.url, maxConnections: 1 });
      const applied: LoggedRevocationEvent[] = [];
      const follower = new RevocationFollower({
        log: reader,
        apply: (event) => applied.push(event),
        pollIntervalMs: 1,
        clock: { now: () => NOW },
      });
      try {
        await follower.start();
        const writes = Array.from({ length: 240 }, (_, i) =>
          (i % 2 === 0 ? first : second).appendRevocation(
            { kind: 'jti', value: `j${i}`, at: NOW, expiresAt: NOW + 60_000 },
            audit('token.revoked'),
          ),
        );
        const written = await Promise.all(writes);
        await follower.catchUp();
        const ids = written.map((event) => event.id).sort((a, b) => a - b);
        expect(applied.map((event) => event.id)).toEqual(ids);
        expect(new Set(applied.map((event) => event.value)).size).toBe(240);
      } finally {
        follower.stop();
        await reader.close();
        await admin.query('drop trigger slow_commit on audit_log; drop function slow_commit()');
      }
    });
  });

  describe('refresh rotation', () => {
    // Presentations of one token, alternating between the two processes, all at once.
    const race = (sessionId: string, graceMs: number) =>
      Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 === 0 ? first : second).rotateRefreshToken(
            rotation(`${sessionId}-h0`, `${sessionId}-n${i}`, sessionId, { graceMs }),
          ),
        ),
      );

    it('rotates once, and hands the same successor to the rest within the grace window', async () => {
      for (const id of ['s1', 's2', 's3', 's4']) {
        await seedSession(first, id, `${id}-h0`);
        const outcomes = await race(id, GRACE);
        expect(countKinds(outcomes)).toEqual({ rotated: 1, grace: 11 });
        const winner = outcomes.findIndex((outcome) => outcome.kind === 'rotated');
        for (const outcome of outcomes) {
          if (outcome.kind === 'grace')
            expect(outcome.successorSealed).toBe(`sealed:${id}-n${winner}`);
        }
        const live = await admin.query<{ hash: string }>(
          'select hash from refresh_tokens where session_id = $1 and spent_at is null',
          [id],
        );
        expect(live.rows).toEqual([{ hash: `${id}-n${winner}` }]);
      }
    });

    it('with no grace window, ends the session at the first repeat, once', async () => {
      for (const id of ['s1', 's2', 's3']) {
        await seedSession(first, id, `${id}-h0`);
        const counts = countKinds(await race(id, 0));
        expect(counts).toMatchObject({ rotated: 1, reused: 1 });
        expect((counts['reused'] ?? 0) + (counts['expired'] ?? 0)).toBe(11);
        expect(await second.findSession(id)).toMatchObject({
          endReason: SESSION_END_REASONS.refreshReuse,
        });
      }
      const log = await revocationLog(first);
      expect(log.map((event) => `${event.kind}:${event.value}`)).toEqual([
        'sid:s1',
        'sid:s2',
        'sid:s3',
      ]);
    });

    it('detects reuse in one process of a token spent in another', async () => {
      await seedSession(first, 's1', 'h0');
      expect((await first.rotateRefreshToken(rotation('h0', 'h1', 's1'))).kind).toBe('rotated');
      // Within the grace window the other process hands out the same successor…
      const again = await second.rotateRefreshToken(
        rotation('h0', 'h2', 's1', { now: NOW + GRACE - 1 }),
      );
      expect(again).toMatchObject({ kind: 'grace', successorSealed: 'sealed:h1' });
      // …after it, the repeat is theft: the session ends, and its live token with it.
      const replay = await second.rotateRefreshToken(
        rotation('h0', 'h3', 's1', { now: NOW + GRACE }),
      );
      expect(replay.kind).toBe('reused');
      expect(
        await first.rotateRefreshToken(rotation('h1', 'h4', 's1', { now: NOW + GRACE })),
      ).toEqual({ kind: 'expired' });
      expect(await revocationLog(first)).toMatchObject([{ kind: 'sid', value: 's1' }]);
    });
  });
});
