import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KeyError } from '../token/errors.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Seals small secrets (private JWKs, grace-window refresh tokens) with AES-256-GCM under the
 * master key, so a copy of the database alone reveals none of them. Each sealed value is
 * bound to a purpose string (the GCM additional data), so a value sealed as one thing cannot
 * be opened as another.
 *
 * Format: `v1.<iv>.<ciphertext>.<tag>`, each part base64url.
 */
export class Sealer {
  readonly #key: Buffer;

  /** @throws TypeError unless `masterKey` is 32 bytes. */
  constructor(masterKey: Uint8Array) {
    if (masterKey.length !== KEY_BYTES) throw new TypeError('the master key must be 32 bytes');
    this.#key = Buffer.from(masterKey);
    Object.freeze(this);
  }

  /** Encrypt `plaintext` for `purpose` (e.g. `signing-key:<kid>`). */
  seal(plaintext: string, purpose: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(purpose, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, body, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /**
   * Decrypt a value sealed for `purpose`.
   *
   * @throws KeyError `ERR_KEY_INVALID` when it was sealed under another key or purpose, or altered.
   */
  open(sealed: string, purpose: string): string {
    const [version, iv, body, tag, extra] = sealed.split('.');
    if (
      version !== VERSION ||
      iv === undefined ||
      body === undefined ||
      tag === undefined ||
      extra !== undefined
    ) {
      throw new KeyError('ERR_KEY_INVALID', 'sealed value has an unknown format');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(purpose, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch (error) {
      throw new KeyError(
        'ERR_KEY_INVALID',
        'sealed value does not open with this master key (wrong key, wrong purpose, or altered)',
        { cause: error },
      );
    }
  }

  /** What logs see: never the key. */
  toJSON(): string {
    return 'Sealer';
  }
}

/** A new random master key. */
export function generateMasterKey(): Buffer {
  return randomBytes(KEY_BYTES);
}
