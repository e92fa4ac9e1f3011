import type { RedisClient } from '../revocation/redis-connection.js';
import { TesseraError, type SessionErrorCode } from '../token/errors.js';
import type { ThrottleCounter, ThrottleIncrement, ThrottleStore } from './login-throttle.js';

/**
 * The login throttle's shared counters could not be read or written. The caller must refuse
 * the attempt (the server answers 503): letting it through uncounted would hand an attacker
 * unlimited guesses for as long as they can keep Redis unreachable.
 */
export class ThrottleUnavailableError extends TesseraError {
  override name = 'ThrottleUnavailableError';
  declare readonly code: SessionErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super('ERR_THROTTLE_UNAVAILABLE', message, options);
  }
}

/** Options of {@link RedisThrottleStore}. */
export interface RedisThrottleStoreOptions {
  /** A connection of `connectRedis`: commands fail at once while Redis is down. */
  readonly redis: RedisClient;
  /** Prefix of every key, e.g. `tessera:`; counters live under `<prefix>throttle:`. */
  readonly prefix: string;
}

// One failure, atomically: the counter is a hash { failures, lastFailureAt, expiresAt } with
// times from the caller's clock (so a test clock and the back-off arithmetic agree), and a
// Redis expiry set to the same moment so dead counters free their memory by themselves.
// Times are passed and stored as decimal strings: Lua would print large numbers as 1.8e+12.
const INCREMENT = `
local now = tonumber(ARGV[1])
local counter = redis.call('HMGET', KEYS[1], 'failures', 'expiresAt')
local failures = 0
local expiresAt = counter[2]
if expiresAt and tonumber(expiresAt) > now then
  failures = tonumber(counter[1]) or 0
else
  expiresAt = nil
end
failures = failures + 1
if ARGV[3] == '1' or not expiresAt then
  expiresAt = string.format('%.0f', now + tonumber(ARGV[2]))
end
redis.call('HSET', KEYS[1], 'failures', failures, 'lastFailureAt', ARGV[1], 'expiresAt', expiresAt)
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(expiresAt) - now, 1))
return {failures, expiresAt}
`;

/**
 * Login-failure counters in Redis, shared by every server process, so that N processes grant
 * one allowance, not N. `increment` is one Lua script (read, count, set expiry: atomic, so
 * concurrent failures on several processes are all counted); `get` is `HMGET`; `reset` is `DEL`.
 *
 * Fails closed: when Redis cannot be reached every method rejects with
 * {@link ThrottleUnavailableError} at once (the connection queues nothing), and the login
 * is refused with 503 rather than let through uncounted. Counting in each process's memory
 * instead would keep logins open, but would forget every count Redis holds and multiply
 * the allowance by the number of processes — exactly what an attacker who can disturb Redis
 * wants.
 *
 * @example
 * const throttle = new LoginThrottle({ store: new RedisThrottleStore({ redis, prefix: 'tessera:' }) });
 */
export class RedisThrottleStore implements ThrottleStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(options: RedisThrottleStoreOptions) {
    this.#redis = options.redis;
    this.#prefix = `${options.prefix}throttle:`;
  }

  async get(key: string, nowMs: number): Promise<ThrottleCounter | null> {
    const reply = await this.#run('read', () =>
      this.#redis.call('HMGET', this.#prefix + key, 'failures', 'lastFailureAt', 'expiresAt'),
    );
    const [failures, lastFailureAt, expiresAt] = Array.isArray(reply) ? (reply as unknown[]) : [];
    if (typeof failures !== 'string' || typeof expiresAt !== 'string') return null;
    const counter: ThrottleCounter = {
      failures: Number(failures),
      lastFailureAt: Number(lastFailureAt),
      expiresAt: Number(expiresAt),
    };
    return counter.expiresAt > nowMs ? counter : null;
  }

  async increment(
    key: string,
    { nowMs, windowMs, slide }: ThrottleIncrement,
  ): Promise<ThrottleCounter> {
    const now = Math.floor(nowMs);
    const reply = await this.#run('count a failure', () =>
      this.#redis.call(
        'EVAL',
        INCREMENT,
        '1',
        this.#prefix + key,
        String(now),
        String(Math.ceil(windowMs)),
        slide ? '1' : '0',
      ),
    );
    const [failures, expiresAt] = Array.isArray(reply) ? (reply as unknown[]) : [];
    if (typeof failures !== 'number' || typeof expiresAt !== 'string') {
      throw new ThrottleUnavailableError('unexpected reply from the login-counter script');
    }
    return { failures, lastFailureAt: now, expiresAt: Number(expiresAt) };
  }

  async reset(key: string): Promise<void> {
    await this.#run('reset', () => this.#redis.call('DEL', this.#prefix + key));
  }

  async #run(what: string, command: () => Promise<unknown>): Promise<unknown> {
    try {
      return await command();
    } catch (error) {
      throw new ThrottleUnavailableError(`cannot ${what} login counters in Redis`, {
        cause: error,
      });
    }
  }
}
