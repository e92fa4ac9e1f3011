import type { RedisClient } from '../../revocation/redis-connection.js';
import { systemClock, type Clock } from '../../token/clock.js';
import { ReplayCacheUnavailableError, type DpopReplayCache } from './dpop-replay-cache.js';

/** Options of {@link RedisDpopReplayCache}. */
export interface RedisDpopReplayCacheOptions {
  /** A client from `connectRedis`, which fails fast while Redis is unreachable. */
  readonly redis: RedisClient;
  /** Prefix of every key this deployment uses, e.g. `tessera:`; ids go under `<prefix>dpop:`. */
  readonly prefix: string;
  /** Time source of expiries; default the system clock. */
  readonly clock?: Clock;
}

/**
 * A replay cache in Redis, shared by every process of a deployment: `SET key 1 NX PX ttl`
 * answers "first time?" atomically, and Redis forgets the id when the proof expires. While
 * Redis cannot be reached no proof is accepted (fail closed).
 *
 * @example
 * const cache = new RedisDpopReplayCache({ redis: await connectRedis(url), prefix: 'tessera:' });
 */
export class RedisDpopReplayCache implements DpopReplayCache {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #clock: Clock;

  constructor(options: RedisDpopReplayCacheOptions) {
    if (typeof options.prefix !== 'string') throw new TypeError('prefix must be a string');
    this.#redis = options.redis;
    this.#prefix = `${options.prefix}dpop:`;
    this.#clock = options.clock ?? systemClock;
  }

  async markSeen(id: string, expiresAtMs: number): Promise<boolean> {
    // At least a second, so an id that expires now is still held across a little clock skew
    // between this process and the others.
    const ttlMs = Math.max(1000, Math.ceil(expiresAtMs - this.#clock.now()));
    let reply: unknown;
    try {
      reply = await this.#redis.call('SET', this.#prefix + id, '1', 'NX', 'PX', String(ttlMs));
    } catch (error) {
      throw new ReplayCacheUnavailableError('cannot reach the DPoP replay cache in Redis', {
        cause: error,
      });
    }
    return reply === 'OK';
  }
}
