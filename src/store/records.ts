import type { Algorithm } from '../token/algorithms.js';

// Row shapes of the store. Times are milliseconds since the epoch; secrets are stored only
// as hashes (passwords: argon2id; refresh tokens and client secrets: SHA-256) or sealed
// (private keys, grace-window successors: AES-256-GCM under the master key).

/** An account that can log in. */
export interface UserRecord {
  readonly id: string;
  readonly username: string;
  /** argon2id PHC string. */
  readonly passwordHash: string;
  readonly disabled: boolean;
  readonly createdAt: number;
  /** When the password last changed. */
  readonly passwordChangedAt: number;
}

/** An OAuth client (RFC 6749 §2). Public clients have no secret. */
export interface ClientRecord {
  readonly clientId: string;
  /** SHA-256 of the client secret, base64url; null for public clients. */
  readonly secretHash: string | null;
  /** Scopes the client may ask for. */
  readonly scopes: readonly string[];
  readonly createdAt: number;
}

/** A login session: the record behind every token of one login on one device. */
export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly clientId: string;
  readonly userAgent: string | null;
  readonly ip: string | null;
  readonly scope: string;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  /** Session ends if unused until then; moved forward by each refresh. */
  readonly idleExpiresAt: number;
  /** Session ends then whatever happens; refresh never extends it. */
  readonly absoluteExpiresAt: number;
  /** When and why the session ended, or null while it is live. */
  readonly endedAt: number | null;
  readonly endReason: string | null;
  /**
   * RFC 7638 thumbprint of the DPoP key the session's refresh tokens are bound to (RFC 9449
   * §5); null when they are not bound. A bound refresh token is only accepted with a proof
   * from that key.
   */
  readonly dpopJkt: string | null;
  /**
   * How the session's access tokens are bound to a browser: `cookie` (cookie mode, tokens
   * carry `csh`) or `fingerprint` (token sidecar, tokens carry `fgp`). Absent: neither.
   */
  readonly browserBinding?: BrowserBinding;
}

/** How a session's access tokens are tied to one browser (docs/browser.md). */
export type BrowserBinding = 'cookie' | 'fingerprint';

/** True for the values a `browser_binding` column may hold besides null. */
export function isBrowserBinding(value: string): value is BrowserBinding {
  return value === 'cookie' || value === 'fingerprint';
}

/** A refresh token, known only by its SHA-256 hash. Its family is its session. */
export interface RefreshTokenRecord {
  readonly hash: string;
  readonly sessionId: string;
  /** Hash of the token this one replaced; null for the first of a session. */
  readonly parentHash: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** When it was used (and so replaced); null while it is the live token. */
  readonly spentAt: number | null;
  /**
   * The successor token, sealed with the master key, kept only for the grace window so a
   * concurrent second presentation gets the same successor instead of forking the chain.
   */
  readonly successorSealed: string | null;
}

/** Where a signing key is in its life (see the key ring). */
export type SigningKeyState = 'pending' | 'active' | 'retiring';

/** A signing key; its private JWK is sealed with the master key, never stored in clear. */
export interface SigningKeyRecord {
  readonly kid: string;
  readonly alg: Algorithm;
  readonly privateJwkSealed: string;
  readonly state: SigningKeyState;
  readonly createdAt: number;
  /** When a pending key starts signing. */
  readonly activatesAt: number | null;
  /** When a retiring key leaves the JWKS. */
  readonly retiresAt: number | null;
}

/** One line of the audit log. */
export interface AuditRecord {
  readonly at: number;
  /** What happened, e.g. `login.succeeded`, `refresh.reused`, `session.ended`. */
  readonly type: string;
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly clientId: string | null;
  readonly ip: string | null;
  /** Extra facts; never a token, password or secret. */
  readonly detail: Readonly<Record<string, string | number | boolean | null>>;
}
