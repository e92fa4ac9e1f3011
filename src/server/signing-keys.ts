import { generateSigningKey } from '../keys/generate-signing-key.js';
import { importSigningKey } from '../keys/import-signing-key.js';
import { KeyRing, type ScheduledKey } from '../keys/key-ring.js';
import type { Sealer } from '../keys/sealer.js';
import type { SigningKey } from '../keys/signing-key.js';
import type { RevocationEvent } from '../revocation/revocation-event.js';
import type { AuditRecord, SigningKeyRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Algorithm } from '../token/algorithms.js';
import type { Clock } from '../token/clock.js';
import type { Jwk, Jwks } from '../token/jwk.js';
import type { KeySet, KeySetSource } from '../token/key-set.js';

/** How keys are made and rotated. */
export interface KeyRotationPolicy {
  /** Algorithm of new keys; default EdDSA. */
  readonly algorithm: Algorithm;
  /** Publish a new key this long before signing with it; longer than any JWKS cache. */
  readonly prepublishSeconds: number;
  /** Keep an old key in the JWKS this long after it stops signing (token lifetime + tolerance). */
  readonly overlapSeconds: number;
  /** Rotate automatically when the active key is this old; 0 turns automatic rotation off. */
  readonly rotateAfterSeconds: number;
}

/**
 * How often a rotation reads the keys again after another process changed them first. One
 * retry settles a race with another rotation; more cover a revocation landing in between.
 */
const MAX_ROTATION_ATTEMPTS = 3;
/**
 * A key made in an emergency starts this far in the past (but after the key it replaces), so
 * that servers whose clocks run up to this much behind already see it signing when they read
 * the keys, instead of finding no active key once the old one is deleted.
 */
const EMERGENCY_BACKDATE_MS = 60_000;

function sealPurpose(kid: string): string {
  return `signing-key:${kid}`;
}

/**
 * The issuer's signing keys, persisted: private JWKs sealed in the store, the schedule
 * (when each key signs and retires) in the same rows, and a key ring rebuilt from them.
 * Every process (and the CLI) reads the same rows, so `tessera keys rotate` reaches running
 * servers at their next {@link reload}.
 */
export class SigningKeyManager implements KeySetSource {
  #ring: KeyRing;
  readonly #store: Store;
  readonly #sealer: Sealer;
  readonly #clock: Clock;
  readonly #policy: KeyRotationPolicy;
  #reloading: Promise<void> = Promise.resolve();

  private constructor(
    ring: KeyRing,
    store: Store,
    sealer: Sealer,
    clock: Clock,
    policy: KeyRotationPolicy,
  ) {
    this.#ring = ring;
    this.#store = store;
    this.#sealer = sealer;
    this.#clock = clock;
    this.#policy = policy;
  }

  /**
   * Load the keys from the store, creating the first one on a new installation. Processes
   * starting at once on an empty store all make a key, but only one is saved; the others
   * load that one.
   */
  static async load(
    store: Store,
    sealer: Sealer,
    clock: Clock,
    policy: KeyRotationPolicy,
  ): Promise<SigningKeyManager> {
    let ring = ringOf(await store.listSigningKeys(), sealer, clock);
    if (ring === null) {
      const now = clock.now();
      const key = await generateSigningKey(policy.algorithm);
      await store.addSigningKey(
        {
          key: record(key, sealer, 'active', now, now, null),
          expectedKids: [],
          changes: new Map(),
        },
        audit(now, 'key.created', key.kid),
      );
      ring = ringOf(await store.listSigningKeys(), sealer, clock);
      if (ring === null) throw new Error('the first signing key was not saved');
    }
    return new SigningKeyManager(ring, store, sealer, clock, policy);
  }

  getSigningKey(): SigningKey {
    return this.#ring.getSigningKey();
  }

  getKeySet(): KeySet {
    return this.#ring.getKeySet();
  }

  /** The public JWKS. */
  toJwks(): Jwks {
    return this.#ring.toJwks();
  }

  /** The ring's keys and their states. */
  list(): ReturnType<KeyRing['list']> {
    return this.#ring.list();
  }

  /**
   * Re-read the schedule (another process or the CLI may have rotated or revoked a key).
   * Reloads run one after another, so a slow read can never put back an older schedule than
   * one read after it.
   */
  reload(): Promise<void> {
    const next = this.#reloading.then(async () => {
      const ring = ringOf(await this.#store.listSigningKeys(), this.#sealer, this.#clock);
      if (ring !== null) this.#ring = ring;
    });
    this.#reloading = next.catch(() => undefined);
    return next;
  }

  /**
   * Schedule a new key: published now, signing after the pre-publication period; the current
   * key then verifies for the overlap period.
   *
   * @throws Error when a rotation is already pending (here or in another process).
   */
  async rotate(): Promise<SigningKey> {
    const next = await this.#rotateWhen((ring) => {
      if (ring.list().some((entry) => entry.state === 'pending')) {
        throw new Error('a key rotation is already pending');
      }
      return true;
    });
    if (next === null) throw new Error('the signing keys kept changing; try again');
    return next;
  }

  /**
   * Rotate when the active key has reached its age and nothing is pending. Of several
   * processes whose timers fire at once, one rotates; the others return false.
   */
  async rotateIfDue(): Promise<boolean> {
    if (this.#policy.rotateAfterSeconds <= 0) return false;
    const next = await this.#rotateWhen((_ring, rows) => {
      const newest = Math.max(...rows.map((row) => row.activatesAt ?? row.createdAt));
      return this.#clock.now() - newest >= this.#policy.rotateAfterSeconds * 1000;
    });
    return next !== null;
  }

  /**
   * Read the keys, and if `wanted` says so, add a pending key in a store transaction that
   * succeeds only if no other process changed the keys since they were read. When one did,
   * read again and ask `wanted` again (which a completed rotation elsewhere now answers
   * with "no"). Null when no key was added. The new key signs after the pre-publication
   * period, or in an `emergency` at once (see {@link EMERGENCY_BACKDATE_MS}).
   */
  async #rotateWhen(
    wanted: (ring: KeyRing, rows: readonly SigningKeyRecord[]) => boolean,
    emergency = false,
  ): Promise<SigningKey | null> {
    for (let attempt = 0; attempt < MAX_ROTATION_ATTEMPTS; attempt++) {
      const rows = await this.#store.listSigningKeys();
      const ring = ringOf(rows, this.#sealer, this.#clock);
      if (ring === null) throw new Error('the store holds no signing key');
      this.#ring = ring;
      if (!wanted(ring, rows)) return null;
      const now = this.#clock.now();
      const current = ring.getSigningKey();
      const currentRow = rows.find((row) => row.kid === current.kid);
      const currentStart = currentRow?.activatesAt ?? currentRow?.createdAt ?? now;
      const activatesAt = emergency
        ? Math.max(now - EMERGENCY_BACKDATE_MS, currentStart)
        : now + this.#policy.prepublishSeconds * 1000;
      // A rotation already scheduled (only an emergency adds a key while one is) still takes
      // over when planned; the new key then verifies for the overlap after it, like any other.
      const pending = rows.find((row) => (row.activatesAt ?? row.createdAt) > now);
      const retiresAt =
        pending === undefined
          ? null
          : (pending.activatesAt ?? pending.createdAt) + this.#policy.overlapSeconds * 1000;
      const next = await generateSigningKey(this.#policy.algorithm);
      const added = await this.#store.addSigningKey(
        {
          key: record(next, this.#sealer, 'pending', now, activatesAt, retiresAt),
          expectedKids: rows.map((row) => row.kid),
          changes: new Map([
            [
              current.kid,
              {
                state: 'active',
                // Strictly before the new key, which in an emergency may start at the same
                // millisecond: of two such keys the ring could pick either.
                activatesAt: Math.min(currentStart, activatesAt - 1),
                retiresAt: activatesAt + this.#policy.overlapSeconds * 1000,
              },
            ],
          ]),
        },
        audit(now, 'key.rotated', next.kid),
      );
      if (added) {
        await this.reload();
        return next;
      }
    }
    return null;
  }

  /**
   * Remove a key at once and log a `kid` revocation, so every token it signed dies
   * everywhere. The active key is removed only with `replaceActive`: a new key then signs at
   * once, without the pre-publication period (verifiers meet its kid before their JWKS cache
   * has it and refetch), and the old one is removed as any other. Without it, revoking the
   * active key would leave the issuer nothing to sign with.
   *
   * @throws Error for the active key without `replaceActive`, or an unknown kid.
   */
  async revoke(
    kid: string,
    revocation: RevocationEvent,
    options: { readonly replaceActive?: boolean } = {},
  ): Promise<SigningKey | null> {
    await this.reload();
    let successor: SigningKey | null = null;
    if (this.#ring.getSigningKey().kid === kid) {
      if (options.replaceActive !== true) {
        throw new Error(
          'the active key cannot be revoked without a successor: add --rotate (a new key ' +
            'signs at once), or run `tessera keys rotate` first',
        );
      }
      // Another process may replace it in between; then it no longer signs either way.
      successor = await this.#rotateWhen((ring) => ring.getSigningKey().kid === kid, true);
      if (this.#ring.getSigningKey().kid === kid) {
        throw new Error('the signing keys kept changing; try again');
      }
    }
    let deleted: boolean;
    try {
      deleted = await this.#store.deleteSigningKey(
        kid,
        revocation,
        audit(this.#clock.now(), 'key.revoked', kid),
      );
    } catch (error) {
      if (successor === null) throw error;
      throw new Error(
        `key ${successor.kid} signs now, but ${kid} was not revoked: run the command again`,
        { cause: error },
      );
    }
    // With a successor, a missing key was revoked by a run at the same moment: done.
    if (!deleted && successor === null) throw new Error(`no signing key has kid ${kid}`);
    await this.reload();
    return successor;
  }
}

function ringOf(rows: readonly SigningKeyRecord[], sealer: Sealer, clock: Clock): KeyRing | null {
  if (rows.length === 0) return null;
  const entries: ScheduledKey[] = rows.map((row) => ({
    key: importSigningKey(
      JSON.parse(sealer.open(row.privateJwkSealed, sealPurpose(row.kid))) as Jwk,
      {
        alg: row.alg,
        kid: row.kid,
      },
    ),
    activatesAt: row.activatesAt ?? row.createdAt,
    retiresAt: row.retiresAt,
  }));
  return KeyRing.restore(entries, { clock });
}

function record(
  key: SigningKey,
  sealer: Sealer,
  state: SigningKeyRecord['state'],
  now: number,
  activatesAt: number,
  retiresAt: number | null,
): SigningKeyRecord {
  return {
    kid: key.kid,
    alg: key.alg,
    privateJwkSealed: sealer.seal(JSON.stringify(key.exportPrivateJwk()), sealPurpose(key.kid)),
    state,
    createdAt: now,
    activatesAt,
    retiresAt,
  };
}

function audit(at: number, type: string, kid: string): AuditRecord {
  return { at, type, userId: null, sessionId: null, clientId: null, ip: null, detail: { kid } };
}
