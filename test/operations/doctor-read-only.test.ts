import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSigningKeyAlgorithms } from '../../src/cli/internal/read-signing-key-algorithms.js';
import { openStore } from '../../src/store/open-store.js';
import { buildCli, tessera } from '../support/serve-process.js';
import { createTestDatabase, describeWithService, type TestDatabase } from '../support/services.js';
import { OperationsHarness } from './operations-fixture.js';

// tessera doctor only looks: it never creates a database file, a table or a migration row.

const harness = new OperationsHarness();
afterAll(() => harness.cleanup());

describe('doctor on SQLite', () => {
  let dir = '';
  beforeAll(async () => {
    await buildCli();
    dir = await harness.tempDir();
  }, 240_000);

  it('creates no file for a missing path, a sqlite: URL or a sqlite:// URL', async () => {
    for (const db of [
      join(dir, 'plain.db'),
      `sqlite:${join(dir, 'url.db')}`,
      `sqlite://${join(dir, 'slashes.db')}`,
    ]) {
      expect(await readSigningKeyAlgorithms(db)).toBeNull();
      const run = await tessera(['doctor', '--data-dir', join(dir, 'data'), '--db', db]);
      expect(run.stderr).toBe('');
    }
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  it('reads an existing store and treats a file without the table as no store yet', async () => {
    const path = join(dir, 'real.db');
    const store = await openStore(path);
    await store.close();
    expect(await readSigningKeyAlgorithms(`sqlite:${path}`)).toEqual([]);
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    const empty = join(dir, 'empty.db');
    new BetterSqlite3(empty).close();
    const before = readdirSync(dir).sort();
    expect(await readSigningKeyAlgorithms(empty)).toBeNull();
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(existsSync(`${empty}-wal`)).toBe(false);
  });
});

await describeWithService('postgres', 'doctor on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    await buildCli();
    database = await createTestDatabase();
  }, 240_000);
  afterAll(() => database.drop());

  const tables = async () =>
    (
      await database.query<{ name: string }>(
        "select table_name as name from information_schema.tables where table_schema = 'public'",
      )
    ).map((row) => row.name);

  it('leaves a fresh database without tables', async () => {
    expect(await readSigningKeyAlgorithms(database.url)).toBeNull();
    const run = await tessera([
      'doctor',
      '--data-dir',
      await harness.tempDir(),
      '--db',
      database.url,
    ]);
    expect(run.stderr).toBe('');
    expect(await tables()).toEqual([]);
  }, 60_000);
});
