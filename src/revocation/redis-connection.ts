import type { Redis } from 'ioredis';

/** An ioredis client. */
export type RedisClient = Redis;

/** Options of {@link connectRedis}. */
export interface RedisConnectionOptions {
  /** Shown by `CLIENT LIST`, e.g. `tessera:revocation-stream`. */
  readonly name?: string;
  /**
   * Longest wait for any reply, in ms; default 1000. A connection for blocking reads needs
   * more than its block time.
   */
  readonly commandTimeoutMs?: number;
  /** Longest wait for the first connection; default 2000 ms. */
  readonly connectTimeoutMs?: number;
  /** The connection failed: called once per outage, with the first error. */
  readonly onDown?: (error: Error) => void;
  /** The connection is ready again after {@link onDown}. */
  readonly onUp?: () => void;
}

/** Reconnect after 100 ms, 200 ms, … up to a second: an outage ends within a second of Redis. */
function retryDelayMs(attempt: number): number {
  return Math.min(attempt * 100, 1000);
}

/**
 * Open an ioredis client made for a system that must not stall or crash when Redis does:
 *
 * - commands fail at once while disconnected, rather than queue without bound
 *   (`enableOfflineQueue: false`), and a command in flight fails when its connection drops
 *   (`maxRetriesPerRequest: 0`, no resending);
 * - every reply is awaited at most `commandTimeoutMs`, so a Redis that hangs fails too;
 * - the client reconnects by itself, forever, at most a second apart;
 * - `error` events are handled (an unhandled one would only be printed, once per retry);
 * - RESP2, so that the raw replies of `call` have one shape.
 *
 * Resolves when the client is ready, or sooner if the first attempt fails or
 * `connectTimeoutMs` passes: the client is returned either way and keeps reconnecting.
 * ioredis is loaded here, on first use, so code that never talks to Redis never loads it.
 *
 * @example
 * const redis = await connectRedis('redis://127.0.0.1:6379', { onDown: (e) => log.warn(e.message) });
 * try { await redis.ping(); } finally { redis.disconnect(); }
 */
export async function connectRedis(
  url: string,
  options: RedisConnectionOptions = {},
): Promise<RedisClient> {
  const { Redis } = await import('ioredis');
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const client = new Redis(url, {
    ...(options.name === undefined ? {} : { connectionName: options.name }),
    // RESP2: raw replies of `call` have one shape, whatever the server speaks.
    protocol: 2,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    connectTimeout: connectTimeoutMs,
    retryStrategy: retryDelayMs,
    // On disconnect ioredis ends the socket and arms a timer to destroy it, cleared only by
    // the socket's `close`; a socket that had already closed (Redis down) never emits it
    // again, and the timer held the process open for ioredis's default 2 s.
    disconnectTimeout: 100,
  });
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    options.onDown?.(error);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    options.onUp?.();
  });
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, connectTimeoutMs);
    client.once('ready', done);
    client.once('error', done);
  });
  return client;
}
