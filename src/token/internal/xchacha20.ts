import { createCipheriv } from 'node:crypto';

/**
 * XChaCha20 (draft-irtf-cfrg-xchacha-03): ChaCha20 with a 24-byte nonce, made by deriving a
 * subkey from the first 16 nonce bytes with HChaCha20. `node:crypto` has the IETF ChaCha20
 * stream (RFC 8439) but not HChaCha20, which is 20 ChaCha rounds without the final addition.
 */

const SIGMA_WORDS = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] as const; // "expand 32-byte k"

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

/** RFC 8439 §2.1: the quarter round on four words of the state. */
function quarterRound(s: Uint32Array, a: number, b: number, c: number, d: number): void {
  s[a] = ((s[a] as number) + (s[b] as number)) >>> 0;
  s[d] = rotl((s[d] as number) ^ s[a], 16);
  s[c] = ((s[c] as number) + s[d]) >>> 0;
  s[b] = rotl((s[b] as number) ^ s[c], 12);
  s[a] = (s[a] + s[b]) >>> 0;
  s[d] = rotl(s[d] ^ s[a], 8);
  s[c] = (s[c] + s[d]) >>> 0;
  s[b] = rotl(s[b] ^ s[c], 7);
}

/**
 * HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2): a 32-byte subkey from a key and 16 nonce bytes.
 *
 * @example
 * const subkey = hchacha20(key, nonce.subarray(0, 16));
 */
export function hchacha20(key: Uint8Array, nonce16: Uint8Array): Buffer {
  const k = Buffer.from(key);
  const n = Buffer.from(nonce16);
  const s = new Uint32Array(16);
  s.set(SIGMA_WORDS, 0);
  for (let i = 0; i < 8; i++) s[4 + i] = k.readUInt32LE(i * 4);
  for (let i = 0; i < 4; i++) s[12 + i] = n.readUInt32LE(i * 4);
  for (let i = 0; i < 10; i++) {
    quarterRound(s, 0, 4, 8, 12);
    quarterRound(s, 1, 5, 9, 13);
    quarterRound(s, 2, 6, 10, 14);
    quarterRound(s, 3, 7, 11, 15);
    quarterRound(s, 0, 5, 10, 15);
    quarterRound(s, 1, 6, 11, 12);
    quarterRound(s, 2, 7, 8, 13);
    quarterRound(s, 3, 4, 9, 14);
  }
  const out = Buffer.alloc(32);
  for (let i = 0; i < 4; i++) out.writeUInt32LE(s[i] as number, i * 4);
  for (let i = 0; i < 4; i++) out.writeUInt32LE(s[12 + i] as number, 16 + i * 4);
  return out;
}

/**
 * XOR `data` with the XChaCha20 key stream of `key` and a 24-byte `nonce`, block counter from
 * 0 (as libsodium's `crypto_stream_xchacha20_xor`, which PASETO v4.local specifies).
 *
 * @throws RangeError for a key that is not 32 bytes or a nonce that is not 24.
 * @example
 * const ciphertext = xchacha20Xor(plaintext, key, nonce);
 */
export function xchacha20Xor(data: Uint8Array, key: Uint8Array, nonce: Uint8Array): Buffer {
  if (key.length !== 32) throw new RangeError('XChaCha20 keys are 32 bytes');
  if (nonce.length !== 24) throw new RangeError('XChaCha20 nonces are 24 bytes');
  const subkey = hchacha20(key, nonce.subarray(0, 16));
  // OpenSSL's chacha20 IV: a 4-byte little-endian block counter, then the 12-byte nonce,
  // which for XChaCha20 is 4 zero bytes and the last 8 nonce bytes.
  const iv = Buffer.concat([Buffer.alloc(8), Buffer.from(nonce.subarray(16, 24))]);
  const cipher = createCipheriv('chacha20', subkey, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}
