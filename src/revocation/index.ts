// Public API of the revocation part: revocation events, the in-memory denylist, the follower of
// the durable log, the Redis stream that pushes events between processes, and the freshness
// tracker that lets a verifier fail closed. ioredis is loaded only by `connectRedis`.
export { Denylist, type DenylistOptions } from './denylist.js';
export { connectRedis, type RedisClient, type RedisConnectionOptions } from './redis-connection.js';
export {
  RedisRevocationPublisher,
  revocationStreamKey,
  type RedisRevocationPublisherOptions,
} from './redis-revocation-publisher.js';
export {
  RedisRevocationStream,
  type RedisRevocationStreamOptions,
  type RedisStreamState,
} from './redis-revocation-stream.js';
export {
  createSubjectRevocation,
  isRevocationKind,
  REVOCATION_KINDS,
  type LoggedRevocationEvent,
  type RevocationEvent,
  type RevocationKind,
} from './revocation-event.js';
export {
  revocationExpiry,
  type RevocationExpiryOptions,
  type RevocationExpiryPolicy,
} from './revocation-expiry.js';
export {
  RevocationFollower,
  type RevocationFollowerOptions,
  type RevocationListener,
  type RevocationLogReader,
  type RevocationSource,
} from './revocation-follower.js';
export {
  confirmingLogReader,
  monotonicClock,
  RevocationFreshness,
  type FreshnessStatus,
  type RevocationFreshnessOptions,
} from './revocation-freshness.js';
