import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A redis-server of a test's own, on a spare loopback port, that the test can stop and start
 * again on the same port (a Redis outage and its end). Nothing is persisted. Whatever it
 * starts, {@link stop} and {@link close} end, each within a few seconds; a process still
 * running when the test process exits is killed then.
 *
 * @example
 * const redis = await TestRedisServer.start();
 * try { … redis.url … await redis.stop(); … await redis.restart(); } finally { await redis.close(); }
 */
export class TestRedisServer {
  readonly port: number;
  readonly #dir: string;
  #child: ChildProcess | null = null;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.#dir = dir;
  }

  /** Start one on a free port; resolves once it answers PING. */
  static async start(): Promise<TestRedisServer> {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-redis-'));
    const server = new TestRedisServer(await freePort(), dir);
    try {
      await server.restart();
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== null;
  }

  /** Start it again on the same port (it must be stopped); resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.#child !== null) throw new Error('redis-server is already running');
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.#dir,
      ],
      { stdio: 'ignore' },
    );
    this.#child = child;
    liveChildren.add(child);
    child.once('exit', () => {
      liveChildren.delete(child);
      if (this.#child === child) this.#child = null;
    });
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    await spawned;
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(this.port))) {
      if (this.#child !== child) throw new Error('redis-server exited at start');
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`redis-server on port ${this.port} did not answer within 10 s`);
      }
      await sleep(50);
    }
  }

  /**
   * Freeze it (SIGSTOP): connections stay open and commands get no answer, as with a Redis
   * that hangs or a network that drops packets. {@link resume} or {@link stop} ends it.
   */
  pause(): void {
    if (this.#child === null) throw new Error('redis-server is not running');
    this.#child.kill('SIGSTOP');
  }

  /** Let a paused server go on (SIGCONT). */
  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Stop it (SIGTERM, then SIGKILL after 3 s); resolves once the process has exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === null) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else
        child.once('exit', () => {
          resolve();
        });
    });
    child.kill('SIGTERM');
    // A paused server handles the SIGTERM only once it runs again.
    child.kill('SIGCONT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
    this.#child = null;
  }

  /** Stop it and remove its directory. */
  async close(): Promise<void> {
    await this.stop();
    await rm(this.#dir, { recursive: true, force: true });
  }
}

const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port the kernel just handed out on 127.0.0.1, closed again for redis-server to take. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** True when a Redis on `port` answers PING within half a second. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => {
      done(false);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}
