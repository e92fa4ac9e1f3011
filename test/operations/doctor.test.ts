import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfiguration, type DoctorFacts } from '../../src/cli/internal/doctor-checks.js';
import { resolveServerConfig, type ServerConfig } from '../../src/server/server-config.js';
import { buildCli, tessera } from '../support/serve-process.js';
import { METRICS_TOKEN, OperationsHarness } from './operations-fixture.js';

// tessera doctor: each weak setting is found with its severity and the setting to change;
// the defaults are clean of anything above info; exit 1 on any high finding.

const FACTS: DoctorFacts = {
  processes: 1,
  masterKeyMode: 0o100600,
  metricsTokenMode: null,
  signingKeyAlgorithms: [{ kid: 'k1', alg: 'EdDSA' }],
  sources: {},
};

function config(flags: Partial<Record<keyof ServerConfig, string | boolean>> = {}): ServerConfig {
  return resolveServerConfig(
    { issuer: 'https://auth.example.com', trustProxy: '10.0.0.1', ...flags },
    {},
  );
}

function ids(cfg: ServerConfig, facts: Partial<DoctorFacts> = {}): Record<string, string> {
  const found = checkConfiguration(cfg, { ...FACTS, ...facts });
  return Object.fromEntries(found.map((f) => [f.id, `${f.severity} ${f.setting}`]));
}

describe('checks', () => {
  it('finds nothing above info in a sound configuration', () => {
    expect(ids(config())).toEqual({ 'dpop-nonce': 'info dpopNonce' });
    expect(ids(config({ dpopNonce: true }))).toEqual({});
  });

  const cases: [
    string,
    Partial<Record<keyof ServerConfig, string | boolean>>,
    Partial<DoctorFacts>,
    string,
    string,
  ][] = [
    [
      'long access tokens',
      { accessTokenTtlSeconds: '7200' },
      {},
      'access-token-ttl',
      'high accessTokenTtlSeconds',
    ],
    [
      'longish access tokens',
      { accessTokenTtlSeconds: '3600' },
      {},
      'access-token-ttl',
      'medium accessTokenTtlSeconds',
    ],
    [
      'long sessions',
      { sessionAbsoluteSeconds: String(180 * 86400) },
      {},
      'session-max',
      'medium sessionAbsoluteSeconds',
    ],
    [
      'long idle sessions',
      { sessionIdleSeconds: String(60 * 86400), sessionAbsoluteSeconds: String(90 * 86400) },
      {},
      'session-idle',
      'low sessionIdleSeconds',
    ],
    ['fail-open staleness', { failOpenWhenStale: true }, {}, 'fail-open', 'high failOpenWhenStale'],
    [
      'a large max staleness',
      { maxStalenessSeconds: '600' },
      {},
      'max-staleness',
      'medium maxStalenessSeconds',
    ],
    [
      'a huge max staleness',
      { maxStalenessSeconds: '3600' },
      {},
      'max-staleness',
      'high maxStalenessSeconds',
    ],
    [
      'an http issuer on a network',
      { issuer: 'http://auth.internal', allowInsecureHttp: true },
      {},
      'issuer-http',
      'high issuer',
    ],
    [
      'allow-insecure-http',
      { issuer: 'http://auth.internal', allowInsecureHttp: true },
      {},
      'allow-insecure-http',
      'high allowInsecureHttp',
    ],
    [
      'https issuer with no proxy named',
      { trustProxy: '', host: '0.0.0.0' },
      {},
      'no-tls-in-front',
      'medium trustProxy',
    ],
    [
      'a loopback issuer on all interfaces',
      { issuer: 'http://127.0.0.1:4000', host: '0.0.0.0' },
      {},
      'loopback-issuer-exposed',
      'medium host',
    ],
    [
      'an HMAC signing key',
      {},
      { signingKeyAlgorithms: [{ kid: 'old', alg: 'HS256' }] },
      'hmac-key',
      'high keys',
    ],
    [
      'no key rotation',
      { keyRotateAfterSeconds: '0' },
      {},
      'no-rotation',
      'medium keyRotateAfterSeconds',
    ],
    [
      'slow key rotation',
      { keyRotateAfterSeconds: String(300 * 86400) },
      {},
      'slow-rotation',
      'low keyRotateAfterSeconds',
    ],
    ['a readable master key', {}, { masterKeyMode: 0o100644 }, 'master-key-mode', 'high dataDir'],
    [
      'a readable metrics token',
      {},
      { metricsTokenMode: 0o100644 },
      'metrics-token-mode',
      'low metricsTokenFile',
    ],
    [
      'SQLite shared by processes',
      { redis: 'redis://127.0.0.1:6379' },
      { processes: 3 },
      'sqlite-many-processes',
      'high db',
    ],
    ['SQLite with Redis', { redis: 'redis://127.0.0.1:6379' }, {}, 'sqlite-with-redis', 'low db'],
    [
      'several processes without Redis',
      { db: 'postgres://db/tessera' },
      { processes: 2 },
      'no-redis',
      'high redis',
    ],
    [
      'Redis without TLS on a network',
      { redis: 'redis://cache.internal:6379' },
      {},
      'redis-plaintext',
      'medium redis',
    ],
  ];
  for (const [what, flags, facts, id, expected] of cases) {
    it(`finds ${what}`, () => {
      expect(ids(config(flags), facts)[id]).toBe(expected);
      // …and not without the weakness.
      expect(ids(config())[id]).toBeUndefined();
    });
  }

  it('lists high findings first', () => {
    const found = checkConfiguration(
      config({ failOpenWhenStale: true, keyRotateAfterSeconds: '0' }),
      FACTS,
    );
    expect(found.map((f) => f.severity)).toEqual(['high', 'medium', 'info']);
  });
});

describe('tessera doctor', () => {
  const harness = new OperationsHarness();
  let dir = '';
  beforeAll(async () => {
    await buildCli();
    dir = await harness.tempDir();
  }, 240_000);
  afterAll(() => harness.cleanup());

  it('exits 0 with only low findings, naming the file key to change', async () => {
    const file = join(dir, 'ok.json');
    await writeFile(
      file,
      JSON.stringify({
        issuer: 'https://auth.example.com',
        trustProxy: ['10.0.0.1'],
        keyRotateAfterSeconds: 300 * 86400,
        dataDir: 'data',
      }),
    );
    const run = await tessera(['doctor', '--config', file]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`change "keyRotateAfterSeconds" in ${file}`);
    expect(run.stdout).toMatch(/0 high, 0 medium, 1 low, 1 info/);
  }, 60_000);

  it('exits 1 on a high finding, naming the flag or variable that set it', async () => {
    const run = await tessera(
      [
        'doctor',
        '--issuer',
        'https://auth.example.com',
        '--trust-proxy',
        '10.0.0.1',
        '--data-dir',
        join(dir, 'd2'),
      ],
      '',
      { TESSERA_FAIL_OPEN_WHEN_STALE: 'true' },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/HIGH\s+tokens are accepted while revocations cannot be confirmed/);
    expect(run.stdout).toContain('change --fail-open-when-stale (TESSERA_FAIL_OPEN_WHEN_STALE)');
    const json = await tessera([
      'doctor',
      '--json',
      '--issuer',
      'https://auth.example.com',
      '--access-token-ttl',
      '7200',
      '--data-dir',
      join(dir, 'd3'),
    ]);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as { findings: { id: string; severity: string }[] };
    expect(parsed.findings).toContainEqual(
      expect.objectContaining({ id: 'access-token-ttl', severity: 'high' }),
    );
  }, 60_000);

  it('refuses a bad configuration file with the file and key', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ accessTokenTtl: 900 }));
    const run = await tessera(['doctor', '--config', file]);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain(
      `${file}: unknown key "accessTokenTtl" (did you mean "accessTokenTtlSeconds"?)`,
    );
  }, 60_000);

  it('finds a readable master key and probes a running server', async () => {
    const server = await harness.start({ metricsToken: METRICS_TOKEN });
    const dataDir = server.context.config.dataDir;
    await chmod(join(dataDir, 'master.key'), 0o644);
    const run = await tessera([
      'doctor',
      '--data-dir',
      dataDir,
      '--issuer',
      'http://127.0.0.1',
      '--url',
      server.url,
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/HIGH\s+the master key file is readable by others \(mode 644\)/);
    expect(run.stdout).not.toMatch(/metrics answers without a token|cannot be reached|stale/);
    const open = await harness.start();
    // Not this configuration's server: the issuer differs, and its /metrics is closed (404).
    const other = await tessera([
      'doctor',
      '--issuer',
      'https://auth.example.com',
      '--trust-proxy',
      '10.0.0.1',
      '--data-dir',
      join(dir, 'd4'),
      '--url',
      open.url,
    ]);
    expect(other.stdout).toMatch(
      /MEDIUM\s+the server at .* says its issuer is http:\/\/127\.0\.0\.1/,
    );
    const gone = await tessera([
      'doctor',
      '--data-dir',
      join(dir, 'd5'),
      '--url',
      'http://127.0.0.1:9',
    ]);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toMatch(/HIGH\s+http:\/\/127\.0\.0\.1:9 cannot be reached/);
  }, 60_000);
});
