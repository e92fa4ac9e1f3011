import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runNode } from '../support/serve-process.js';
import { ServerHarness, type TestServer } from '../support/server-fixture.js';
import { describeWithService, REDIS_URL, uniqueRedisPrefix } from '../support/services.js';

// close() leaves nothing behind: a process whose only work was a verifier exits as soon as
// the verifier is closed, with no connection, timer or socket keeping it alive.

const CHILD = join(ROOT, 'test', 'verifier', 'close-child.ts');
/** An idle keep-alive socket or a forgotten timer would hold the process for seconds. */
const PROMPT_EXIT_MS = 1_000;

const harness = new ServerHarness();
let started: TestServer;
beforeAll(async () => {
  started = await harness.start();
}, 60_000);
afterAll(async () => {
  await harness.cleanup();
});

async function expectPromptExit(args: string[]): Promise<void> {
  const run = await runNode(['--import', 'tsx', CHILD, ...args]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/^ready 1\n/);
  const exited = /exited (\d+)/.exec(run.stdout);
  expect(exited, run.stdout).not.toBeNull();
  expect(Number(exited?.[1])).toBeLessThan(PROMPT_EXIT_MS);
}

describe('Verifier.close', () => {
  it('lets the process exit at once after following the SSE feed', async () => {
    await expectPromptExit([started.url]);
  }, 60_000);
});

await describeWithService('redis', 'Verifier.close with Redis', () => {
  it('lets the process exit at once after following the Redis stream', async () => {
    await expectPromptExit([started.url, REDIS_URL, uniqueRedisPrefix()]);
  }, 60_000);
});
