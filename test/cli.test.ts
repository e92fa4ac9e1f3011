import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../src/keys/generate-signing-key.js';
import { signAccessToken } from '../src/token/access-token.js';
import { forgeJws } from './support/forge.js';
import { buildCli } from './support/serve-process.js';

// The built CLI, run as users run it: a child process, its output and its exit status.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const STACK_FRAME = /^\s+at\s/m;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], input = ''): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      args,
      { cwd: ROOT, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (_error, stdout, stderr) => {
        done({ code: child.exitCode, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

function tessera(args: readonly string[], input?: string): Promise<Run> {
  return run([CLI, ...args], input);
}

beforeAll(buildCli, 200_000);

describe('tessera help', () => {
  it.each([
    [[], ['keys', 'inspect', 'attack', '--version', '--help']],
    [['keys'], ['generate']],
    [
      ['keys', 'generate'],
      ['--alg', '--kid', '--rsa-bits', 'EdDSA'],
    ],
    [['inspect'], ['<token>', '--json', '--now', 'Exit status', 'HIGH']],
    [['attack'], ['--url', '--token', '--jwks', '--key', 'Exit status']],
  ])('tessera %j --help exits 0 and lists %j', async (command, mentions) => {
    const result = await tessera([...command, '--help']);
    expect(result.code).toBe(0);
    for (const mention of mentions) expect(result.stdout).toContain(mention);
  });
});

describe('tessera keys generate', () => {
  it('--alg ES256 prints a private JWK with d and a public JWKS without it', async () => {
    const result = await tessera(['keys', 'generate', '--alg', 'ES256']);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as {
      privateJwk: Record<string, unknown>;
      publicJwks: { keys: Record<string, unknown>[] };
    };
    expect(output.privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(output.privateJwk['d']).toEqual(expect.any(String));
    expect(output.publicJwks.keys).toHaveLength(1);
    expect(output.publicJwks.keys[0]).toMatchObject({ kty: 'EC', kid: output.privateJwk['kid'] });
    expect(output.publicJwks.keys[0]).not.toHaveProperty('d');
  });

  it('--alg HS256 prints the secret and no public JWKS', async () => {
    const result = await tessera(['keys', 'generate', '--alg', 'HS256']);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(output['privateJwk']).toMatchObject({ kty: 'oct', alg: 'HS256' });
    expect(output).not.toHaveProperty('publicJwks');
  });

  it('a bad --alg exits non-zero with a clear message and no stack trace', async () => {
    const result = await tessera(['keys', 'generate', '--alg', 'none']);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("argument 'none' is invalid");
    expect(result.stderr).toContain('choose one of EdDSA');
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it.each(['1024', '0x800', '2e3', 'many'])(
    'refuses --rsa-bits %s with a usage error',
    async (bits) => {
      const result = await tessera(['keys', 'generate', '--alg', 'RS256', '--rsa-bits', bits]);
      expect(result.code).toBe(64);
      expect(result.stderr).toContain('--rsa-bits');
      expect(result.stderr).toContain('2048 to 16384');
    },
  );

  it('an unknown command exits 64 and --help exits 0', async () => {
    expect((await tessera(['frobnicate'])).code).toBe(64);
    expect((await tessera(['--help'])).code).toBe(0);
  });
});

describe('tessera inspect', () => {
  const forged = (header: unknown, claims: unknown): string =>
    forgeJws(header, claims, () => Buffer.alloc(64, 1));
  const now = Date.UTC(2025, 0, 1) / 1000;
  const unsigned = forgeJws({ alg: 'none', typ: 'JWT' }, { sub: 'u1', exp: now + 60 }, null);

  it('exits 0 on a good Tessera access token', async () => {
    const key = await generateSigningKey('EdDSA');
    const token = signAccessToken(
      { issuer: 'https://auth.example.com', subject: 'u1', audience: 'orders', clientId: 'web' },
      key,
    );
    const result = await tessera(['inspect', token]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"typ": "at+jwt"');
    expect(result.stdout).toContain('"sub": "u1"');
    expect(result.stdout).toMatch(/exp {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}\(in 14 min\)/);
    expect(result.stdout).toMatch(/Findings\n {2}none\n$/);
  });

  it('exits 1 when the worst finding is medium', async () => {
    const key = await generateSigningKey('HS256');
    const token = signAccessToken(
      { issuer: 'https://auth.example.com', subject: 'u1', audience: 'orders', clientId: 'web' },
      key,
    );
    const result = await tessera(['inspect', token]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^MEDIUM {2}ALG_HMAC +alg HS256 uses a shared secret/m);
  });

  it('exits 2 on alg none and prints ALG_NONE as a finding line', async () => {
    const result = await tessera(['inspect', unsigned]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^HIGH {4}ALG_NONE +alg is "none"/m);
  });

  it('--json prints the inspection as JSON, and --now sets the time', async () => {
    const result = await tessera(['inspect', unsigned, '--json', '--now', '2025-01-01T00:00:00Z']);
    expect(result.code).toBe(2);
    const inspection = JSON.parse(result.stdout) as {
      header: unknown;
      times: { exp: { relative: string } };
      findings: { code: string; severity: string }[];
    };
    expect(inspection.header).toEqual({ alg: 'none', typ: 'JWT' });
    expect(inspection.times.exp.relative).toBe('in 1 min');
    expect(inspection.findings[0]).toMatchObject({ code: 'ALG_NONE', severity: 'high' });
  });

  it('reads the token from stdin when it is -', async () => {
    const result = await tessera(['inspect', '-', '--json'], `Bearer ${unsigned}\n`);
    expect(result.code).toBe(2);
    expect(JSON.stringify(JSON.parse(result.stdout))).toContain('ALG_NONE');
  });

  it('reports a malformed token as a finding, without a stack trace', async () => {
    const result = await tessera(['inspect', 'not-a-token']);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^HIGH {4}MALFORMED /m);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('escapes characters that could drive the terminal', async () => {
    const token = forged({ alg: 'EdDSA', kid: 'k\u009b2J' }, { note: 'a\u202eb\u001b[2J' });
    const result = await tessera(['inspect', token]);
    for (const raw of ['\u001b', '\u009b', '\u202e']) expect(result.stdout).not.toContain(raw);
    expect(result.stdout).toContain('"kid": "k\\u009b2J"');
    expect(result.stdout).toContain('"note": "a\\u202eb\\u001b[2J"');
  });

  it('refuses a --now that is not a time, with a clear message', async () => {
    const result = await tessera(['inspect', unsigned, '--now', 'yesterday']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('expected an ISO 8601 time');
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});
