import type { Denylist } from '../revocation/denylist.js';
import type { RevocationFollower } from '../revocation/revocation-follower.js';
import type { RevocationFreshness } from '../revocation/revocation-freshness.js';
import type { BrowserBindingKeys } from '../sessions/browser-binding-keys.js';
import type { SessionService } from '../sessions/session-service.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../token/clock.js';
import type { JwtVerifier } from '../token/verify-jwt.js';
import type { DpopContext } from './dpop-context.js';
import type { ServerMetrics } from './operations/server-metrics.js';
import type { ServerConfig } from './server-config.js';
import type { SigningKeyManager } from './signing-keys.js';

/** What the routes use; built once by `startServer` (or by a test). */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly sessions: SessionService;
  readonly keys: SigningKeyManager;
  /** Verifies the server's own access tokens, denylist included. */
  readonly verifier: JwtVerifier;
  readonly denylist: Denylist;
  readonly follower: RevocationFollower;
  /** When the denylist was last confirmed current; bearer tokens are refused once it is stale. */
  readonly freshness: RevocationFreshness;
  /** Call after writing to the revocation log: on return the events are in memory and published. */
  readonly afterRevocation: () => Promise<void>;
  readonly clock: Clock;
  /** DPoP proof checks (RFC 9449): the proof verifier, the replay cache and server nonces. */
  readonly dpop: DpopContext;
  /** Keys of the CSRF tokens and sidecar fingerprints of browser sessions (docs/browser.md). */
  readonly browserKeys: BrowserBindingKeys;
  /** Prometheus counters; the session service counts refreshes into it as they happen. */
  readonly metrics: ServerMetrics;
}
