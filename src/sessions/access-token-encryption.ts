import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { encryptJwt } from '../token/encrypted-token.js';
import type { Jwk } from '../token/jwk.js';

/**
 * Audiences (resource servers, RFC 8707) whose access tokens are encrypted, each with the
 * public key its tokens are encrypted for. Empty: every token is a plain JWS.
 */
export type AccessTokenEncryption = ReadonlyMap<string, Jwk>;

/** An empty map: no audience gets encrypted tokens. */
export const NO_ACCESS_TOKEN_ENCRYPTION: AccessTokenEncryption = new Map();

/** Enough for any real deployment; a larger file is more likely a wrong path than a config. */
const MAX_AUDIENCES = 100;
const EC_CURVES = new Set(['P-256', 'P-384', 'P-521']);
const MIN_RSA_BITS = 2048;
/** Verifiers refuse larger RSA decryption keys (each forged token would cost a slow private-key operation). */
const MAX_RSA_BITS = 4096;
/** Members only private keys carry (RFC 7518 §6.2.2, §6.3.2, RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Check the audience → recipient key map of `accessTokenEncryption` (already parsed from
 * JSON): each audience an absolute URI without fragment (RFC 8707 §2, since clients name it in
 * `resource`), never the server's own audience (the server verifies those tokens itself and
 * holds no decryption key), each key a public EC P-256/384/521, X25519 or RSA (2048 bits or
 * more) JWK for encryption, as `encryptJwt` takes.
 *
 * @throws TypeError naming the audience at fault; never quoting a key.
 * @example
 * const encryption = parseAccessTokenEncryption(JSON.parse(text), config.audience);
 */
export function parseAccessTokenEncryption(
  value: unknown,
  ownAudience: string,
): AccessTokenEncryption {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('must be a JSON object mapping audience URIs to public JWKs');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_AUDIENCES)
    throw new TypeError(`names more than ${MAX_AUDIENCES} audiences`);
  const map = new Map<string, Jwk>();
  for (const [audience, jwk] of entries) {
    const where = `audience ${JSON.stringify(audience)}`;
    if (!isAbsoluteUri(audience))
      throw new TypeError(`${where} must be an absolute URI without fragment (RFC 8707 §2)`);
    if (audience === ownAudience)
      throw new TypeError(
        `${where} is the server's own audience, whose tokens the server verifies itself and must stay plain JWS`,
      );
    map.set(audience, Object.freeze(checkRecipientKey(jwk, where)));
  }
  return map;
}

/**
 * The server's `encryptedAudiencesFile` setting, read and checked at start so a bad file
 * stops `serve` with one line: the absolute path ('' for none) and its map.
 *
 * @throws whatever `fail` throws, with a message naming the setting (`name`) and the file.
 * @example
 * const { accessTokenEncryption } = readAccessTokenEncryption(file, audience, '--x', fail);
 */
export function readAccessTokenEncryption(
  file: string,
  ownAudience: string,
  name: string,
  fail: (message: string) => never,
): { encryptedAudiencesFile: string; accessTokenEncryption: AccessTokenEncryption } {
  if (file === '')
    return { encryptedAudiencesFile: '', accessTokenEncryption: NO_ACCESS_TOKEN_ENCRYPTION };
  const path = resolve(file);
  try {
    return {
      encryptedAudiencesFile: path,
      accessTokenEncryption: readAccessTokenEncryptionFile(path, ownAudience),
    };
  } catch (error) {
    return fail(`${name}: ${(error as Error).message}`);
  }
}

/** Read and check an `accessTokenEncryption` file; errors name the file, never quote it. */
function readAccessTokenEncryptionFile(path: string, ownAudience: string): AccessTokenEncryption {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TypeError(
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TypeError(`${path} is not valid JSON`);
  }
  try {
    return parseAccessTokenEncryption(parsed, ownAudience);
  } catch (error) {
    throw new TypeError(`${path}: ${(error as Error).message}`);
  }
}

/**
 * The access token as sent to the client: `jws` itself, or, when `audience` is configured for
 * encryption, that JWS encrypted for the audience's key (a nested JWT, RFC 7519 §5.2: sign,
 * then encrypt, so the audience can read it but cannot mint one).
 *
 * @throws TypeError only if the key was not checked by {@link parseAccessTokenEncryption}.
 * @example
 * const accessToken = await formatAccessToken(jws, resource, config.accessTokenEncryption);
 */
export async function formatAccessToken(
  jws: string,
  audience: string,
  encryption: AccessTokenEncryption,
): Promise<string> {
  const recipient = encryption.get(audience);
  return recipient === undefined ? jws : encryptJwt(jws, recipient);
}

function checkRecipientKey(value: unknown, where: string): Jwk {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`${where}: the key must be a public JWK object`);
  const jwk = value as Jwk;
  if (PRIVATE_MEMBERS.some((member) => member in jwk))
    throw new TypeError(`${where}: the key holds private members; give only the public key`);
  if (jwk.use !== undefined && jwk.use !== 'enc')
    throw new TypeError(`${where}: the key's use must be "enc" (or absent)`);
  let key;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw new TypeError(`${where}: the key is not a usable public JWK`);
  }
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS)
      throw new TypeError(
        `${where}: RSA keys need ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits (verifiers refuse others)`,
      );
    if (jwk.alg !== undefined && jwk.alg !== 'RSA-OAEP-256')
      throw new TypeError(`${where}: an RSA key is used with RSA-OAEP-256 only`);
  } else if ((type === 'ec' && EC_CURVES.has(jwk.crv ?? '')) || type === 'x25519') {
    if (jwk.alg !== undefined && jwk.alg !== 'ECDH-ES+A256KW')
      throw new TypeError(`${where}: an EC or X25519 key is used with ECDH-ES+A256KW only`);
  } else {
    throw new TypeError(`${where}: the key must be EC P-256/384/521, X25519 or RSA`);
  }
  return { ...jwk };
}

function isAbsoluteUri(value: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:/i.test(value) || value.includes('#')) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
