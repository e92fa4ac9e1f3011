// Public API of the revocation part: revocation events and the in-memory denylist.
export { Denylist, type DenylistOptions } from './denylist.js';
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
  type RevocationLogReader,
} from './revocation-follower.js';
