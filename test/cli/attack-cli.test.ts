import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, tessera } from '../support/serve-process.js';
import { startVulnerableApi, type VulnerableApi } from '../support/vulnerable-api.js';

// The built `tessera attack` as a user runs it: exit 1 on a vulnerable API, the token read
// from standard input or a file (so it never shows in `ps`), and usage errors as exit 64.

let dir = '';
let api: VulnerableApi;

beforeAll(async () => {
  await buildCli();
  dir = await mkdtemp(join(tmpdir(), 'tessera-attack-cli-'));
  api = await startVulnerableApi({ algNone: true });
}, 240_000);
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tessera attack (built CLI)', () => {
  it('exits 1 on an API that accepts alg none, with the token from standard input', async () => {
    const token = api.issueToken();
    const run = await tessera(['attack', '--url', api.url, '--token', '-'], `${token}\n`);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ACCEPTED\s+alg-none\/none-empty-signature\s/m);
    expect(run.stdout).not.toContain(token);
  }, 60_000);

  it('reads the token from --token-file, and exits 0 on a strict API', async () => {
    const strict = await startVulnerableApi();
    try {
      const file = join(dir, 'token.txt');
      await writeFile(file, `${strict.issueToken()}\n`, { mode: 0o600 });
      const run = await tessera(['attack', '--url', strict.url, '--token-file', file]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    } finally {
      await strict.close();
    }
  }, 60_000);

  it('exits 64 without a token, with two, or with an unreadable token file', async () => {
    const none = await tessera(['attack', '--url', api.url]);
    expect(none.code).toBe(64);
    expect(none.stderr).toMatch(/a valid token is needed/);
    const both = await tessera([
      'attack',
      '--url',
      api.url,
      '--token',
      api.issueToken(),
      '--token-file',
      join(dir, 'token.txt'),
    ]);
    expect(both.code).toBe(64);
    expect(both.stderr).toMatch(/--token or --token-file, not both/);
    const missing = await tessera(['attack', '--url', api.url, '--token-file', join(dir, 'none')]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toMatch(/cannot read --token-file .* \(ENOENT\)/);
  }, 60_000);
});
