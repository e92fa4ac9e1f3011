import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigFile, resolveSettings } from '../../src/cli/config-file.js';
import { ConfigError } from '../../src/server/server-config.js';

// tessera.config.json: flags > environment > file > defaults, and every mistake in the file
// named by file and key.

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-config-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(contents: unknown): Promise<string> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, typeof contents === 'string' ? contents : JSON.stringify(contents));
  return path;
}

async function settingsFrom(
  contents: unknown,
  flags: Record<string, string | boolean> = {},
  env: Record<string, string> = {},
) {
  const path = await file(contents);
  return resolveSettings(flags, env, await readConfigFile(path), path);
}

describe('precedence', () => {
  it('takes the file over the defaults', async () => {
    const { config, sources } = await settingsFrom({ accessTokenTtlSeconds: 600, dpopNonce: true });
    expect(config.accessTokenTtlSeconds).toBe(600);
    expect(config.dpopNonce).toBe(true);
    expect(config.refreshGraceSeconds).toBe(10);
    expect(sources['accessTokenTtlSeconds']).toBe('file');
    expect(sources['refreshGraceSeconds']).toBe('default');
  });

  it('takes the environment over the file, and flags over both', async () => {
    const contents = { accessTokenTtlSeconds: 600, refreshGraceSeconds: 5, port: 4100 };
    const env = { TESSERA_ACCESS_TOKEN_TTL: '700', TESSERA_REFRESH_GRACE: '6' };
    const { config, sources } = await settingsFrom(contents, { refreshGraceSeconds: '7' }, env);
    expect(config.accessTokenTtlSeconds).toBe(700);
    expect(config.refreshGraceSeconds).toBe(7);
    expect(config.port).toBe(4100);
    expect(sources).toMatchObject({ accessTokenTtlSeconds: 'env', refreshGraceSeconds: 'flag' });
  });

  it('reads lists as arrays and paths from the file’s directory', async () => {
    await writeFile(join(dir, 'audiences.json'), '{}');
    const { config } = await settingsFrom({
      trustProxy: ['10.0.0.1', '10.1.0.0/16'],
      dataDir: 'data',
      encryptedAudiencesFile: 'audiences.json',
    });
    expect(config.trustProxy).toEqual(['10.0.0.1', '10.1.0.0/16']);
    expect(config.dataDir).toBe(join(dir, 'data'));
    expect(config.encryptedAudiencesFile).toBe(join(dir, 'audiences.json'));
  });

  it('reads the log level and metrics token file', async () => {
    const { extras } = await settingsFrom({ logLevel: 'info', metricsTokenFile: 'metrics.token' });
    expect(extras).toEqual({ logLevel: 'info', metricsTokenFile: join(dir, 'metrics.token') });
  });
});

describe('mistakes in the file', () => {
  const cases: [string, unknown, RegExp][] = [
    [
      'an unknown key',
      { acessTokenTtlSeconds: 600 },
      /unknown key "acessTokenTtlSeconds" \(did you mean "accessTokenTtlSeconds"\?\)/,
    ],
    [
      'a string for a number',
      { accessTokenTtlSeconds: '600' },
      /"accessTokenTtlSeconds" must be a whole number, got a string/,
    ],
    ['a fraction', { port: 40.5 }, /"port" must be a whole number/],
    ['a string for a boolean', { dpopNonce: 'yes' }, /"dpopNonce" must be true or false/],
    ['a number for a string', { issuer: 42 }, /"issuer" must be a string/],
    ['a list of numbers', { trustProxy: [1] }, /"trustProxy" must be an array of strings/],
    [
      'a value out of range',
      { accessTokenTtlSeconds: 999999 },
      /"accessTokenTtlSeconds" in .*config-.*\.json must be a whole number from 60 to 86400/,
    ],
    ['an unknown log level', { logLevel: 'loud' }, /"logLevel" in .* must be one of trace/],
    ['not an object', [1, 2], /must hold a JSON object/],
    ['not JSON', '{ port: 1 }', /is not valid JSON \(line 1, column 3\)$/],
  ];
  for (const [what, contents, message] of cases) {
    it(`refuses ${what}, naming the file and key`, async () => {
      const error = await settingsFrom(contents).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain(dir);
    });
  }

  const SECRET = 'hunter2-secret-password';
  const leaks: [string, string, RegExp][] = [
    [
      'a secret in a list of the wrong type',
      JSON.stringify({ trustProxy: ['10.0.0.1', { url: `redis://app:${SECRET}@cache:6379` }] }),
      /"trustProxy" must be an array of strings, got an array holding an object$/,
    ],
    [
      'a secret as a number',
      JSON.stringify({ port: `redis://app:${SECRET}@cache` }),
      /"port" must be a whole number, got a string$/,
    ],
    [
      'a secret in a boolean',
      JSON.stringify({ dpopNonce: [SECRET] }),
      /"dpopNonce" must be true or false, got an array$/,
    ],
    [
      'a syntax error after a secret',
      `{\n  "redis": "redis://app:${SECRET}@cache:6379"\n  "port": 1\n}`,
      /is not valid JSON \(line 3, column 3\)$/,
    ],
    [
      'a syntax error inside a secret (a raw newline in a string)',
      `{"redis": "redis://app:${SECRET}\n@cache"}`,
      /is not valid JSON \(line 1, column 47\)$/,
    ],
    ['a bad literal', `{"dpopNonce": tru, "x": "${SECRET}"}`, /\(line 1, column 18\)$/],
    ['a truncated file', `{"redis": "${SECRET}`, /\(line 1, column 35\)$/],
  ];
  for (const [what, contents, message] of leaks) {
    it(`never repeats the file's contents: ${what}`, async () => {
      const error = await settingsFrom(contents).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(SECRET);
      expect((error as Error).message).not.toContain('hunter2');
    });
  }

  it('names the flag, not the file, when the bad value came from a flag', async () => {
    const error = await settingsFrom({ port: 4100 }, { accessTokenTtlSeconds: '5' }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/^--access-token-ttl \(TESSERA_ACCESS_TOKEN_TTL\)/);
  });

  it('says when the file cannot be read', async () => {
    await expect(readConfigFile(join(dir, 'missing.json'))).rejects.toThrow(
      /cannot read the configuration file .*missing\.json \(ENOENT\)/,
    );
  });
});

describe('tessera.config.example.json', () => {
  it('is a valid configuration', async () => {
    const path = join(
      dirname(fileURLToPath(import.meta.url)),
      '..',
      '..',
      'tessera.config.example.json',
    );
    const { config, extras } = resolveSettings({}, {}, await readConfigFile(path), path);
    expect(config.issuer).toBe('https://auth.example.com');
    expect(extras.logLevel).toBe('info');
  });
});

describe('serve options', () => {
  it('adds origins when --browser-origin is repeated, as a comma list does', async () => {
    const { Command } = await import('commander');
    const { addServeOptions } = await import('../../src/cli/internal/serve-options.js');
    const command = new Command('serve').exitOverride();
    const read = addServeOptions(command);
    command.parse(
      [
        '--issuer',
        'https://auth.example.com',
        '--browser-origin',
        'https://a.example.com',
        '--browser-origin',
        'https://b.example.com,https://c.example.com',
      ],
      { from: 'user' },
    );
    const { config } = await read(command.opts(), {});
    expect(config.browserOrigins).toEqual([
      'https://a.example.com',
      'https://b.example.com',
      'https://c.example.com',
    ]);
  });
});
