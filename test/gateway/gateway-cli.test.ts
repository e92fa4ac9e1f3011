import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../server/dpop-client.js';
import { buildCli, ProcessGroup, tessera } from '../support/serve-process.js';
import { STACK_FRAME } from '../support/server-fixture.js';
import {
  AUDIENCE,
  clientToken,
  echoedHeaders,
  GatewayHarness,
  getJson,
  type GatewayStack,
} from './gateway-fixture.js';

// `tessera gateway` as operators run it: the built CLI in a child process, in front of the
// echo upstream, with tokens from an auth server in this process.

const harness = new GatewayHarness();
const processes = new ProcessGroup();
let stack: GatewayStack;

beforeAll(async () => {
  await buildCli();
  stack = await harness.start();
}, 200_000);
afterAll(async () => {
  await processes.killAll();
  await harness.cleanup();
});

const required = (): string[] => [
  '--upstream',
  stack.upstream.url,
  '--issuer',
  stack.issuer,
  '--audience',
  AUDIENCE,
];

describe('tessera gateway', () => {
  it('starts, says where it listens, and forwards a verified request', async () => {
    const port = await findFreePort();
    // Settings from the environment work as flags do.
    const gateway = await processes.gateway(['--listen', `127.0.0.1:${port}`], {
      TESSERA_GATEWAY_UPSTREAM: stack.upstream.url,
      TESSERA_GATEWAY_ISSUER: stack.issuer,
      TESSERA_GATEWAY_AUDIENCE: AUDIENCE,
    });
    const { stdout } = gateway.output();
    expect(stdout).toContain(
      `Tessera gateway listening on http://127.0.0.1:${port}, forwarding to ${stack.upstream.url}/`,
    );
    expect(stdout).toContain(`DPoP checked against http://127.0.0.1:${port}`);
    const token = await clientToken(stack, 'orders:read');
    const { status, body } = await getJson(`${gateway.url}/orders`, {
      authorization: `Bearer ${token}`,
    });
    expect(status).toBe(200);
    expect(echoedHeaders(body)['x-tessera-sub']).toBe('reporting');
    expect(await gateway.stop()).toBe(0);
  }, 60_000);

  it('exits 64 with one line for a bad setting', async () => {
    for (const args of [
      [...required(), '--listen', 'nowhere'],
      ['--upstream', stack.upstream.url, '--issuer', stack.issuer],
      [...required(), '--revocations', 'sometimes'],
      [...required(), '--config', '/nonexistent/gateway.json'],
    ]) {
      const run = await tessera(['gateway', ...args]);
      expect(run.code, run.stderr).toBe(64);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^tessera: --(listen|audience|revocations|config) /);
      expect(run.stderr).not.toMatch(STACK_FRAME);
    }
  }, 60_000);

  it('exits 1 when the port is taken', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      const run = await tessera(['gateway', ...required(), '--listen', `127.0.0.1:${port}`]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/EADDRINUSE/);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 60_000);
});
