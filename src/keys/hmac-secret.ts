import { getAlgorithmProfile, type Algorithm } from '../token/algorithms.js';
import { KeyError } from '../token/errors.js';

/**
 * Refuse HMAC secrets that are short or guessable. RFC 7518 §3.2 asks for a key at least as
 * long as the hash; RFC 8725 §3.5 warns that human-chosen secrets fall to offline guessing,
 * because anyone holding one token can test candidate secrets against it.
 *
 * The entropy estimate is deliberately simple and explainable: the secret must have as many
 * bytes as the hash, must not be dominated by a few repeated symbols, and a secret made only
 * of printable text must be long enough that its alphabet can carry the hash's bits (a
 * 32-byte random secret passes; so does 43+ characters of base64url or 64+ of hex).
 *
 * @throws KeyError `ERR_KEY_TOO_WEAK` with a message saying how to make a good secret.
 */
export function assertStrongHmacSecret(secret: Uint8Array, alg: Algorithm): void {
  const profile = getAlgorithmProfile(alg);
  if (profile.kty !== 'oct') throw new TypeError(`${alg} is not an HMAC algorithm`);
  const needBits = profile.minKeyBits;
  const needBytes = needBits / 8;
  const advice = `use \`tessera keys generate --alg ${alg}\` or ${needBytes} random bytes`;
  if (secret.length < needBytes) {
    throw new KeyError(
      'ERR_KEY_TOO_WEAK',
      `${alg} secret is ${secret.length} bytes, needs at least ${needBytes}; ${advice}`,
    );
  }
  const alphabet = textAlphabetSize(secret);
  const distinct = new Set(secret).size;
  if (distinct < Math.min(16, secret.length / 2, (alphabet ?? 256) / 2)) {
    throw new KeyError(
      'ERR_KEY_TOO_WEAK',
      `${alg} secret repeats too few distinct bytes; ${advice}`,
    );
  }
  if (alphabet !== null && secret.length * Math.log2(alphabet) < needBits) {
    throw new KeyError(
      'ERR_KEY_TOO_WEAK',
      `${alg} secret looks like text with under ${needBits} bits of entropy; ${advice}`,
    );
  }
}

/**
 * For a secret made only of printable ASCII, the size of the smallest common alphabet it
 * fits (hex, lower case, alphanumeric, base64url, printable); null for binary secrets.
 */
function textAlphabetSize(secret: Uint8Array): number | null {
  let lower = false;
  let upper = false;
  let digit = false;
  let hexLetter = true;
  let urlSymbol = false;
  let otherSymbol = false;
  for (const byte of secret) {
    if (byte < 0x20 || byte > 0x7e) return null;
    if (byte >= 0x61 && byte <= 0x7a) {
      lower = true;
      if (byte > 0x66) hexLetter = false;
    } else if (byte >= 0x41 && byte <= 0x5a) {
      upper = true;
      if (byte > 0x46) hexLetter = false;
    } else if (byte >= 0x30 && byte <= 0x39) {
      digit = true;
    } else if (byte === 0x2d || byte === 0x5f) {
      urlSymbol = true;
    } else {
      otherSymbol = true;
    }
  }
  if (otherSymbol) return 95;
  if (urlSymbol || (lower && upper)) return 64;
  if (hexLetter && !(lower && upper)) return 16;
  if (digit && (lower || upper)) return 36;
  return lower || upper ? 26 : 10;
}
