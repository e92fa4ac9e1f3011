import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectRedis } from './redis-connection.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A process that connects to a Redis that is down, disconnects, and prints when it did. */
const DISCONNECT_WHILE_DOWN = `
import { connectRedis } from './src/revocation/redis-connection.ts';
const redis = await connectRedis('redis://127.0.0.1:1');
await new Promise((resolve) => setTimeout(resolve, 300));
redis.disconnect();
console.log(Date.now());
`;

describe('connectRedis', () => {
  it('resolves at the first failure when Redis is unreachable, and reports it once', async () => {
    const downs: Error[] = [];
    const started = Date.now();
    const redis = await connectRedis('redis://127.0.0.1:1', {
      onDown: (error) => downs.push(error),
    });
    try {
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(downs).toHaveLength(1);
      await expect(redis.ping()).rejects.toThrow();
    } finally {
      redis.disconnect();
    }
  });

  it('lets the process exit at once after a disconnect while Redis is down', async () => {
    // ioredis's disconnect timer waits for a `close` that an already closed socket never
    // emits again; at its default it held a one-shot command (tessera revoke) open for 2 s.
    const { disconnectedAt, exitedAt } = await new Promise<{
      disconnectedAt: number;
      exitedAt: number;
    }>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '--eval', DISCONNECT_WHILE_DOWN],
        { cwd: ROOT, timeout: 20_000 },
        (error, stdout) => {
          if (error !== null) reject(new Error('the child process failed', { cause: error }));
          else resolve({ disconnectedAt: Number(stdout.trim()), exitedAt: Date.now() });
        },
      );
    });
    expect(exitedAt - disconnectedAt).toBeLessThan(1_000);
  }, 30_000);
});
