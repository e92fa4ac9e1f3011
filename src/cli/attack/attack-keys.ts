import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Jwk } from '../../token/jwk.js';
import { isAttackAlgorithm, type AttackAlgorithm } from './attack-signer.js';
import type { RealSigningKey, TargetPublicKey } from './catalogue/catalogue-context.js';
import type { TargetClient } from './target-client.js';

/** A key file larger than this is not a key. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * The target's public keys from its JWKS: the one whose `kid` the valid token names when
 * there is one, else every asymmetric key. Unusable entries are skipped, not fatal.
 *
 * @throws Error when the JWKS cannot be fetched or is not a JWK Set (RFC 7517 §5).
 * @example
 * const keys = await fetchTargetPublicKeys(client, 'https://auth.example/.well-known/jwks.json', 'k1');
 */
export async function fetchTargetPublicKeys(
  client: TargetClient,
  url: string,
  kid: unknown,
): Promise<TargetPublicKey[]> {
  const body = await client.fetchJson(url);
  const entries = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(entries)) throw new Error(`--jwks ${url} did not return a JWK Set`);
  const keys: TargetPublicKey[] = [];
  for (const entry of entries as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const jwk = entry as Jwk;
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') continue;
    try {
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      keys.push({
        label: typeof jwk.kid === 'string' ? jwk.kid : `key ${keys.length + 1}`,
        key,
        jwk,
      });
    } catch {
      // A key this Node cannot import cannot be used as an HMAC secret here either.
    }
  }
  const named = keys.filter((key) => key.jwk.kid === kid);
  return named.length > 0 ? named : keys;
}

/**
 * Read the target's real signing key from a file: a private PEM (PKCS#8, SEC 1 or PKCS#1)
 * or a private JWK (also `kty: oct` for HMAC). The algorithm comes from the JWK's `alg`,
 * else from the key type, else from the valid token's header.
 *
 * @throws TypeError when the file cannot be read or holds no private key.
 * @example
 * const realKey = await readRealSigningKey('signing-key.jwk', 'EdDSA');
 */
export async function readRealSigningKey(file: string, tokenAlg: string): Promise<RealSigningKey> {
  let text: string;
  try {
    const bytes = await readFile(file);
    if (bytes.length > MAX_KEY_FILE_BYTES) throw new Error('too large');
    text = bytes.toString('utf8').trim();
  } catch (error) {
    throw new TypeError(`--key ${file}: cannot read the file (${(error as Error).message})`);
  }
  try {
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as Jwk;
      const key =
        jwk.kty === 'oct'
          ? createSecretKey(Buffer.from(String(jwk.k), 'base64url'))
          : createPrivateKey({ key: jwk, format: 'jwk' });
      return { key, alg: chooseAlgorithm(key, jwk.alg ?? tokenAlg) };
    }
    const key = createPrivateKey(text);
    return { key, alg: chooseAlgorithm(key, tokenAlg) };
  } catch (error) {
    if (error instanceof TypeError && error.message.startsWith('--key')) throw error;
    throw new TypeError(`--key ${file}: not a private key in PEM or JWK form`);
  }
}

function chooseAlgorithm(key: KeyObject, preferred: string): AttackAlgorithm {
  const type = key.type === 'secret' ? 'oct' : key.asymmetricKeyType;
  const fits =
    (type === 'oct' && preferred.startsWith('HS')) ||
    (type === 'rsa' && /^(?:RS|PS)/.test(preferred)) ||
    (type === 'ec' && preferred.startsWith('ES')) ||
    (type === 'ed25519' && preferred === 'EdDSA');
  if (fits && isAttackAlgorithm(preferred)) return preferred;
  if (type === 'oct') return 'HS256';
  if (type === 'rsa') return 'RS256';
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256';
  }
  throw new TypeError(`--key: a ${String(type)} key cannot sign JWTs`);
}

/** The public half of an asymmetric real key, for the key-confusion attacks; null for HMAC. */
export function publicKeyOfRealKey(realKey: RealSigningKey): TargetPublicKey | null {
  if (realKey.key.type === 'secret') return null;
  const key = createPublicKey(realKey.key);
  return { label: 'from --key', key, jwk: key.export({ format: 'jwk' }) };
}
