import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../../token/clock.js';

/** Options of {@link DpopNonces}. */
export interface DpopNoncesOptions {
  /** At least 32 bytes of secret, shared by every process that must accept the same nonces. */
  readonly secret: Uint8Array;
  /** Length of a nonce window in seconds; a nonce lives one to two windows. Default 300. */
  readonly windowSeconds?: number;
  /** Time source; default the system clock. */
  readonly clock?: Clock;
}

const DEFAULT_WINDOW_SECONDS = 300;
const HKDF_INFO = 'tessera dpop-nonce v1';

/**
 * Server-provided DPoP nonces (RFC 9449 §8) with no shared state: a nonce is an HMAC of the
 * current time window under a key every process derives from the same secret, so any
 * process accepts what another issued. Nonces of the current and the previous window are
 * accepted, so one handed out just before a window ends still works.
 *
 * @example
 * const nonces = new DpopNonces({ secret: masterKey });
 * reply.header('dpop-nonce', nonces.current());
 */
export class DpopNonces {
  readonly #key: Buffer;
  readonly #windowMs: number;
  readonly #clock: Clock;

  /** @throws TypeError for a short secret or a window out of 10 s to 1 day. */
  constructor(options: DpopNoncesOptions) {
    if (!(options.secret instanceof Uint8Array) || options.secret.length < 32) {
      throw new TypeError('secret must be at least 32 bytes');
    }
    const windowSeconds = options.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
    if (!Number.isSafeInteger(windowSeconds) || windowSeconds < 10 || windowSeconds > 86_400) {
      throw new TypeError('windowSeconds must be a whole number from 10 to 86400');
    }
    // A key of its own, so a nonce reveals nothing about the secret or other keys made from it.
    this.#key = Buffer.from(hkdfSync('sha256', options.secret, Buffer.alloc(0), HKDF_INFO, 32));
    this.#windowMs = windowSeconds * 1000;
    this.#clock = options.clock ?? systemClock;
  }

  /** The nonce to hand out now. */
  current(): string {
    return this.#nonceOf(this.#window());
  }

  /** True for a nonce of the current or the previous window. */
  isValid(nonce: string): boolean {
    if (typeof nonce !== 'string') return false;
    const presented = Buffer.from(nonce);
    const window = this.#window();
    return [window, window - 1].some((w) => {
      const expected = Buffer.from(this.#nonceOf(w));
      return expected.length === presented.length && timingSafeEqual(expected, presented);
    });
  }

  #window(): number {
    return Math.floor(this.#clock.now() / this.#windowMs);
  }

  #nonceOf(window: number): string {
    return createHmac('sha256', this.#key).update(String(window)).digest('base64url');
  }
}
