import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttackReport } from '../../src/cli/attack/attack-report.js';
import { runAttack } from '../../src/cli/attack/run-attack.js';
import { findFreePort } from '../server/dpop-client.js';
import {
  AUDIENCE,
  clientToken,
  GatewayHarness,
  type GatewayStack,
} from '../gateway/gateway-fixture.js';
import { buildCli, ProcessGroup, tessera } from '../support/serve-process.js';
import { addUser, login, ServerHarness, STACK_FRAME } from '../support/server-fixture.js';

// Tessera's own server and `tessera gateway` (the built CLI, in a child process) resist every
// attack `tessera attack` knows, including those signed with their real key; the command
// itself runs from dist/ as operators run it.

const servers = new ServerHarness();
const gateways = new GatewayHarness();
const processes = new ProcessGroup();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-attack-test-'));
  await buildCli();
}, 180_000);
afterAll(async () => {
  await processes.killAll();
  await gateways.cleanup();
  await servers.cleanup();
  await rm(dir, { recursive: true, force: true });
});

function expectEveryAttackRefused(report: AttackReport): void {
  const notRefused = report.results.filter(
    (result) => result.isControl !== true && result.outcome !== 'refused',
  );
  expect(notRefused.map((result) => `${result.id}: ${result.outcome}`)).toEqual([]);
  // A bad token is the client's mistake: never a server error.
  const errors = report.results.filter(
    (result) => result.answer.kind === 'status' && result.answer.status >= 500,
  );
  expect(errors.map((result) => result.id)).toEqual([]);
  expect(report.results.find((result) => result.isControl === true)?.outcome).toBe('accepted');
  expect(report.skipped).toEqual([]);
  expect(report.verdict, report.problem).toBe('passed');
}

describe('tessera attack against Tessera', () => {
  it("refuses every forged token at the server's /auth/sessions", async () => {
    const { server, url } = await servers.start();
    await addUser(server, 'alice');
    const { accessToken } = await login(url, 'alice');
    const keyFile = join(dir, 'server-key.jwk');
    await writeFile(
      keyFile,
      JSON.stringify(server.context.keys.getSigningKey().exportPrivateJwk()),
      {
        mode: 0o600,
      },
    );
    const report = await runAttack({
      url: `${url}/auth/sessions`,
      token: accessToken,
      jwksUrl: `${url}/.well-known/jwks.json`,
      keyFile,
      method: 'GET',
      headers: {},
      timeoutMs: 5000,
      concurrency: 4,
    });
    expectEveryAttackRefused(report);
    expect(report.results.length).toBeGreaterThan(60);
  }, 120_000);

  it('refuses every forged token at `tessera gateway`, run through the built CLI', async () => {
    const stack: GatewayStack = await gateways.start();
    const port = await findFreePort();
    const gateway = await processes.gateway([
      '--listen',
      `127.0.0.1:${port}`,
      '--upstream',
      stack.upstream.url,
      '--issuer',
      stack.issuer,
      '--audience',
      AUDIENCE,
    ]);
    expect(gateway.url, gateway.output().stderr).not.toBe('');
    const token = await clientToken(stack, 'orders:read');
    const keyFile = join(dir, 'gateway-issuer-key.jwk');
    await writeFile(
      keyFile,
      JSON.stringify(stack.auth.context.keys.getSigningKey().exportPrivateJwk()),
      {
        mode: 0o600,
      },
    );
    const run = await tessera([
      'attack',
      '--url',
      `${gateway.url}/orders`,
      '--token',
      token,
      '--jwks',
      `${stack.issuer}/.well-known/jwks.json`,
      '--key',
      keyFile,
      '--header',
      'Accept: application/json',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain(token);
    const report = JSON.parse(run.stdout) as AttackReport & { exitCode: number };
    expectEveryAttackRefused(report);
    expect(report.exitCode).toBe(0);
  }, 120_000);

  it('prints one line per attack and a summary as text', async () => {
    const { server, url } = await servers.start();
    await addUser(server, 'bob');
    const { accessToken } = await login(url, 'bob');
    const run = await tessera(['attack', '--url', `${url}/auth/sessions`, '--token', accessToken]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^baseline\s+valid token \(alg EdDSA, kid [^)]+\) -> 200$/m);
    expect(run.stdout).toMatch(/^refused\s+alg-none\/none-empty-signature\s+.* -> 401/m);
    expect(run.stdout).toMatch(/^skipped\s+key-confusion\/\*\s+needs the public keys/m);
    expect(run.stdout).toMatch(/^verdict\s+PASSED/m);
    expect(run.stdout).not.toContain(accessToken);
  }, 60_000);
});

describe('tessera attack: exit status', () => {
  it('exits 2 when the valid token is refused or the target is unreachable', async () => {
    const { url } = await servers.start();
    const forged = `${Buffer.from('{"alg":"EdDSA"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.c2ln`;
    const refused = await tessera(['attack', '--url', `${url}/auth/sessions`, '--token', forged]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^tessera attack: the valid token was not accepted \(status 401\)/,
    );
    const port = await findFreePort();
    const down = await tessera([
      'attack',
      '--url',
      `http://127.0.0.1:${port}/`,
      '--token',
      forged,
      '--timeout-ms',
      '1000',
    ]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/the valid token was not accepted \(network error/);
  }, 60_000);

  it('exits 64 with one clear line for usage errors', async () => {
    const token = `${Buffer.from('{"alg":"EdDSA"}').toString('base64url')}.e30.c2ln`;
    for (const args of [
      ['--token', token],
      ['--url', 'ftp://example.test/', '--token', token],
      ['--url', 'http://127.0.0.1:9/', '--token', 'not-a-jwt'],
      ['--url', 'http://127.0.0.1:9/', '--token', token, '--key', join(dir, 'missing.pem')],
      ['--url', 'http://127.0.0.1:9/', '--token', token, '--header', 'Authorization: Bearer x'],
      ['--url', 'http://127.0.0.1:9/', '--token', token, '--concurrency', '100'],
    ]) {
      const run = await tessera(['attack', ...args]);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(64);
      expect(run.stderr).not.toMatch(STACK_FRAME);
      expect(run.stdout).toBe('');
    }
  }, 60_000);
});
