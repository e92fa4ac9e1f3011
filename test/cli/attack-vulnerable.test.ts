import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exitCodeOfReport,
  formatReportText,
  type AttackReport,
} from '../../src/cli/attack/attack-report.js';
import { runAttack } from '../../src/cli/attack/run-attack.js';
import {
  startVulnerableApi,
  type VulnerableApi,
  type VulnerableFlaws,
} from '../support/vulnerable-api.js';

// `tessera attack` proven to find what it claims: a deliberately vulnerable API with one
// classic flaw switched on at a time. With none on it is strict, and nothing may be found
// (no false positives); with one on, exactly the attacks that exploit it are ACCEPTED.

let dir: string;
let keyFile: string;
const apis: VulnerableApi[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-attack-test-'));
  keyFile = join(dir, 'key.pem');
});
afterAll(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()));
  await rm(dir, { recursive: true, force: true });
});

async function attack(flaws: VulnerableFlaws, keyPem?: string): Promise<AttackReport> {
  const api = await startVulnerableApi(flaws);
  apis.push(api);
  await writeFile(keyFile, keyPem ?? api.privateKeyPem, { mode: 0o600 });
  return runAttack({
    url: api.url,
    token: api.issueToken(),
    jwksUrl: api.jwksUrl,
    keyFile,
    method: 'GET',
    headers: {},
    timeoutMs: 5000,
    concurrency: 4,
  });
}

/** Ids of the attacks with `outcome`, controls excluded. */
function idsWith(report: AttackReport, outcome: string): string[] {
  return report.results
    .filter((result) => result.outcome === outcome && result.isControl !== true)
    .map((result) => result.id)
    .sort();
}

describe('tessera attack against a deliberately vulnerable API', () => {
  it('finds nothing when every flaw is off, and its control token is accepted', async () => {
    const report = await attack({});
    expect(idsWith(report, 'accepted')).toEqual([]);
    expect(idsWith(report, 'fetched')).toEqual([]);
    expect(idsWith(report, 'no-answer')).toEqual([]);
    expect(report.verdict, report.problem).toBe('passed');
    expect(exitCodeOfReport(report)).toBe(0);
    expect(report.results.find((result) => result.isControl === true)?.outcome).toBe('accepted');
    // Every family ran: key confusion from --jwks, real-key attacks from --key.
    const categories = new Set(report.results.map((result) => result.category));
    expect([...categories].sort()).toEqual(
      [
        'alg-none',
        'embedded-key',
        'key-confusion',
        'kid',
        'malformed',
        'oversized',
        'psychic',
        'real-key',
        'signature',
      ].sort(),
    );
    expect(report.results.length).toBeGreaterThan(60);
    expect(report.skipped).toEqual([]);
  }, 60_000);

  it('detects alg none in every spelling, with and without a signature', async () => {
    const report = await attack({ algNone: true });
    expect(idsWith(report, 'accepted')).toEqual(
      ['none', 'None', 'NONE', 'nOnE']
        .flatMap((alg) => [`alg-none/${alg}-empty-signature`, `alg-none/${alg}-with-signature`])
        .sort(),
    );
    expect(report.verdict).toBe('vulnerable');
    expect(exitCodeOfReport(report)).toBe(1);
    expect(formatReportText(report)).toMatch(/^ACCEPTED\s+alg-none\/nOnE-empty-signature\s/m);
  }, 60_000);

  it('detects key confusion: HMAC with the public key PEM as the secret', async () => {
    const report = await attack({ hmacWithPublicKey: true });
    expect(idsWith(report, 'accepted')).toEqual([
      'key-confusion/HS256-pem',
      'key-confusion/HS384-pem',
      'key-confusion/HS512-pem',
    ]);
    expect(exitCodeOfReport(report)).toBe(1);
  }, 60_000);

  it("detects trust in the token's own jwk header", async () => {
    const report = await attack({ trustJwkHeader: true });
    expect(idsWith(report, 'accepted')).toEqual([
      'embedded-key/jwk-ES256',
      'embedded-key/jwk-EdDSA',
      'embedded-key/jwk-RS256',
    ]);
    expect(exitCodeOfReport(report)).toBe(1);
  }, 60_000);

  it('detects an ignored exp with a token signed by the real key', async () => {
    const report = await attack({ ignoreExp: true });
    expect(idsWith(report, 'accepted')).toEqual(['real-key/expired']);
    expect(exitCodeOfReport(report)).toBe(1);
  }, 60_000);

  it('reports a fetch of the jku URL as a finding although the token is refused', async () => {
    const report = await attack({ fetchJku: true });
    expect(idsWith(report, 'accepted')).toEqual([]);
    expect(idsWith(report, 'fetched')).toEqual(['embedded-key/jku-attacker-url']);
    const jku = report.results.find((result) => result.id === 'embedded-key/jku-attacker-url');
    expect(jku?.answer).toMatchObject({ kind: 'status', status: 401 });
    expect(report.verdict).toBe('vulnerable');
    expect(formatReportText(report)).toMatch(
      /^FETCHED\s+embedded-key\/jku-attacker-url .*FETCHED the attacker URL/m,
    );
  }, 60_000);

  it('detects a verifier that decodes without verifying the signature', async () => {
    const report = await attack({ ignoreSignature: true });
    // Every token with the expected alg and kid and acceptable claims gets through, whatever
    // its signature: the tampered, stripped and flipped ones, and the malformed ones a strict
    // parser would refuse.
    expect(idsWith(report, 'accepted')).toEqual(
      [
        'embedded-key/jwk-RS256',
        'embedded-key/jku-attacker-url',
        'signature/stripped-empty',
        'signature/tampered-sub',
        'signature/tampered-scope',
        'signature/tampered-exp',
        'signature/of-another-token',
        'signature/bit-flipped',
        'signature/truncated',
        'malformed/standard-base64-padded',
        'malformed/deep-nesting-payload',
        'malformed/deep-nesting-header',
        'malformed/huge-numbers',
        'malformed/huge-integer-exp',
        'malformed/duplicate-claims',
        'oversized/8KiB',
        'oversized/15KiB',
      ].sort(),
    );
    expect(exitCodeOfReport(report)).toBe(1);
  }, 60_000);

  const single: [string, VulnerableFlaws, string[]][] = [
    [
      'psychic ECDSA signatures (r = s = 0)',
      { psychicEcdsa: true },
      ['psychic/ES256-zero-signature'],
    ],
    [
      'kid used as a file name and pasted into SQL',
      { kidLookup: true },
      [
        'kid/absolute-dev-null',
        'kid/path-traversal-dev-null',
        'kid/sql-union',
        'kid/sql-union-numeric',
      ],
    ],
    ['an ignored aud', { ignoreAud: true }, ['real-key/wrong-audience']],
    ['an ignored nbf', { ignoreNbf: true }, ['real-key/not-yet-valid']],
    ['an ignored iss', { ignoreIss: true }, ['real-key/wrong-issuer']],
    ['trust in an unvalidated x5c chain', { trustX5c: true }, ['embedded-key/x5c-self-signed']],
  ];
  for (const [what, flaws, accepted] of single) {
    it(`detects ${what}`, async () => {
      const report = await attack(flaws);
      expect(idsWith(report, 'accepted')).toEqual(accepted);
      expect(idsWith(report, 'fetched')).toEqual([]);
      expect(report.verdict).toBe('vulnerable');
      expect(exitCodeOfReport(report)).toBe(1);
    }, 60_000);
  }

  it('is untested (exit 2) when --key is not the key that signs the tokens', async () => {
    const wrong = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const report = await attack({}, wrong);
    expect(report.results.find((result) => result.isControl === true)?.outcome).toBe('refused');
    expect(idsWith(report, 'accepted')).toEqual([]);
    expect(report.verdict).toBe('untested');
    expect(report.problem).toMatch(/--key is not the key that signs the target's tokens/);
    expect(exitCodeOfReport(report)).toBe(2);
  }, 60_000);

  it('never prints the valid token, as text or JSON', async () => {
    const api = await startVulnerableApi({ algNone: true });
    apis.push(api);
    const token = api.issueToken();
    const report = await runAttack({
      url: api.url,
      token,
      method: 'GET',
      headers: {},
      timeoutMs: 5000,
      concurrency: 2,
    });
    const signature = token.split('.')[2] ?? '';
    for (const output of [formatReportText(report), JSON.stringify(report)]) {
      expect(output).not.toContain(token);
      expect(output).not.toContain(signature);
    }
    // Without --jwks and --key, the attacks that need them are listed as skipped.
    expect(report.skipped.map((skipped) => skipped.id)).toEqual(['key-confusion/*', 'real-key/*']);
  }, 60_000);
});
