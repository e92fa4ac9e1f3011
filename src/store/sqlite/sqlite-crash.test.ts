import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { openSqliteStore } from './open-sqlite-store.js';

// Crash consistency: a process rotating refresh tokens as fast as it can is killed with
// SIGKILL at a random moment, several times over. Whatever instant the kill lands on, the
// database must hold whole rotations only, and every rotation the process saw committed.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const MODULE = pathToFileURL(join(ROOT, 'src/store/sqlite/open-sqlite-store.ts')).href;
const SESSIONS = ['s1', 's2', 's3', 's4'];
const HOUR = 3_600_000;

// The child: rotate each session's live token in turn, print each successor once the store
// has returned (so committed), and now and then present the just-spent token again to go
// through the grace path too. Stdout to a pipe is synchronous on Linux: a printed line was
// acknowledged before any kill.
const CHILD = `
import BetterSqlite3 from 'better-sqlite3';
const { openSqliteStore } = await import(process.env.STORE_MODULE);
const path = process.env.STORE_PATH;
const peek = new BetterSqlite3(path);
const live = new Map(peek.prepare('select session_id, hash from refresh_tokens where spent_at is null').raw().all());
peek.close();
const store = await openSqliteStore({ path });
const audit = (type) => ({ at: Date.now(), type, userId: null, sessionId: null, clientId: null, ip: null, detail: {} });
const present = (hash, sessionId, next) => {
  const now = Date.now();
  return store.rotateRefreshToken({
    presentedHash: hash,
    successor: { hash: next, sessionId, parentHash: hash, createdAt: now, expiresAt: now + ${HOUR}, spentAt: null, successorSealed: null },
    successorSealed: 'sealed:' + next,
    now,
    graceMs: 60000,
    idleExpiresAt: now + ${HOUR},
    reuseRevocation: (s) => ({ kind: 'sid', value: s.id, at: now, expiresAt: now + 900000 }),
    reuseAudit: () => audit('refresh.reused'),
  });
};
for (let n = 0; ; n++) {
  for (const [sessionId, hash] of live) {
    const next = sessionId + ':' + process.pid + ':' + n;
    const outcome = await present(hash, sessionId, next);
    if (outcome.kind !== 'rotated') throw new Error('rotation: ' + outcome.kind);
    live.set(sessionId, next);
    process.stdout.write(next + '\\n');
    if (n % 3 === 0 && (await present(hash, sessionId, next + ':again')).kind !== 'grace') {
      throw new Error('no grace');
    }
  }
}
`;

const dir = mkdtempSync(join(tmpdir(), 'tessera-crash-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Run the child until it has rotated a little, kill it at a random moment, return its acks. */
function rotateUntilKilled(path: string): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
      cwd: ROOT,
      env: { ...process.env, STORE_PATH: path, STORE_MODULE: MODULE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let scheduled = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (!scheduled) {
        scheduled = true;
        setTimeout(() => child.kill('SIGKILL'), 20 + Math.floor(Math.random() * 300));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited on its own: ${err}`));
      // Only whole lines were acknowledged; a line cut by the kill was not.
      else resolvePromise(out.split('\n').slice(0, -1));
    });
  });
}

function checkConsistent(path: string, acknowledged: readonly string[]): void {
  const db = new BetterSqlite3(path);
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const liveCounts = db
      .prepare('select session_id, count(*) from refresh_tokens where spent_at is null group by 1')
      .raw()
      .all();
    expect(liveCounts).toEqual(SESSIONS.map((id) => [id, 1]));
    const orphans = db
      .prepare(
        `select count(*) from refresh_tokens p where p.spent_at is not null
         and not exists (select 1 from refresh_tokens c where c.parent_hash = p.hash)`,
      )
      .pluck()
      .get();
    expect(orphans).toBe(0);
    const unlinked = db
      .prepare(
        `select count(*) from refresh_tokens c where c.parent_hash is not null
         and not exists (select 1 from refresh_tokens p where p.hash = c.parent_hash
                         and p.spent_at is not null)`,
      )
      .pluck()
      .get();
    expect(unlinked).toBe(0);
    // The session update is part of each rotation: its last use is its newest spend.
    const stale = db
      .prepare(
        `select count(*) from sessions s where s.last_used_at <>
         coalesce((select max(spent_at) from refresh_tokens t where t.session_id = s.id), s.created_at)`,
      )
      .pluck()
      .get();
    expect(stale).toBe(0);
    const exists = db.prepare('select 1 from refresh_tokens where hash = ?').pluck();
    expect(acknowledged.filter((hash) => exists.get(hash) === undefined)).toEqual([]);
  } finally {
    db.close();
  }
}

it('keeps every acknowledged rotation and no partial one across SIGKILLs', async () => {
  const path = join(dir, 'crash.db');
  const store = await openSqliteStore({ path });
  const now = Date.now();
  const audit = { at: now, type: 'login', userId: 'u1', sessionId: null, clientId: null, ip: null };
  await store.createUser(
    {
      id: 'u1',
      username: 'ada',
      passwordHash: '$argon2id$x',
      disabled: false,
      createdAt: now,
      passwordChangedAt: now,
    },
    { ...audit, detail: {} },
  );
  for (const id of SESSIONS) {
    const session = { id, userId: 'u1', clientId: 'web', userAgent: null, ip: null, scope: '' };
    const times = {
      createdAt: now,
      lastUsedAt: now,
      endedAt: null,
      endReason: null,
      dpopJkt: null,
    };
    await store.createSession(
      { ...session, ...times, idleExpiresAt: now + HOUR, absoluteExpiresAt: now + 24 * HOUR },
      {
        hash: `${id}:first`,
        sessionId: id,
        parentHash: null,
        createdAt: now,
        expiresAt: now + HOUR,
        spentAt: null,
        successorSealed: null,
      },
      { ...audit, detail: {} },
    );
  }
  await store.close();

  const acknowledged: string[] = [];
  for (let round = 0; round < 4; round++) {
    acknowledged.push(...(await rotateUntilKilled(path)));
    checkConsistent(path, acknowledged);
  }
  expect(acknowledged.length).toBeGreaterThan(0);
}, 120_000);
