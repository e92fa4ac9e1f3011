import { isAbsolute, join, resolve } from 'node:path';
import { readAccessTokenEncryption } from '../sessions/access-token-encryption.js';
import type { AccessTokenEncryption } from '../sessions/access-token-encryption.js';
import { isAlgorithm, type Algorithm } from '../token/algorithms.js';
import {
  parseBrowserOrigins,
  parseCookieSameSite,
  type CookieSameSite,
} from './browser/browser-config.js';
import { checkProxies, checkRedisUrl } from './config-checks.js';

/** Everything `tessera serve` can be told; each has a flag and a `TESSERA_*` variable. */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** SQLite file path (default `<dataDir>/tessera.db`) or a database URL. */
  readonly db: string;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
  readonly sessionIdleSeconds: number;
  readonly sessionAbsoluteSeconds: number;
  readonly refreshGraceSeconds: number;
  readonly clockToleranceSeconds: number;
  readonly keyAlgorithm: Algorithm;
  readonly keyPrepublishSeconds: number;
  readonly keyRotateAfterSeconds: number;
  readonly jwksMaxAgeSeconds: number;
  readonly bodyLimitBytes: number;
  /** Allow an `http:` issuer on a non-loopback host (never do this in production). */
  readonly allowInsecureHttp: boolean;
  /** Redis URL for the shared revocation stream and login throttling; '' for none. */
  readonly redis: string;
  /** Prefix of every Redis key this deployment uses, so several can share one Redis. */
  readonly redisPrefix: string;
  /** Longest time revocations may go unconfirmed before tokens are refused. */
  readonly maxStalenessSeconds: number;
  /** Accept tokens even when revocations cannot be confirmed fresh (unsafe). */
  readonly failOpenWhenStale: boolean;
  /**
   * Addresses or CIDR ranges (or `loopback`, `linklocal`, `uniquelocal`) of the proxies whose
   * `X-Forwarded-For` names the client; empty: the peer address is the client.
   */
  readonly trustProxy: readonly string[];
  /**
   * Require a server nonce in DPoP proofs (RFC 9449 §8), which bounds how long a proof made
   * in advance (by malware on the client, say) stays usable.
   */
  readonly dpopNonce: boolean;
  /** SameSite of the access cookie in cookie mode; the other cookies are always Strict. */
  readonly cookieSameSite: CookieSameSite;
  /** Origins besides the issuer's whose state-changing cookie requests are allowed (CSRF rule). */
  readonly browserOrigins: readonly string[];
  /** JSON file mapping audience URIs to the public JWK their tokens are encrypted for; '' none. */
  readonly encryptedAudiencesFile: string;
  /** That file's map, checked; client_credentials tokens for these audiences are nested JWE. */
  readonly accessTokenEncryption: AccessTokenEncryption;
}

/** One setting: its flag, its environment variable, its default and how to read it. */
interface Setting {
  readonly key: keyof ServerConfig;
  readonly flag: string;
  readonly env: string;
  readonly description: string;
}

/** The settings of `tessera serve`, for `--help`, the README and validation alike. */
export const SERVER_SETTINGS: readonly Setting[] = [
  {
    key: 'host',
    flag: '--host <host>',
    env: 'TESSERA_HOST',
    description: 'address to listen on (default 127.0.0.1)',
  },
  {
    key: 'port',
    flag: '--port <port>',
    env: 'TESSERA_PORT',
    description: 'port to listen on, 0 for any free one (default 4000)',
  },
  {
    key: 'dataDir',
    flag: '--data-dir <dir>',
    env: 'TESSERA_DATA_DIR',
    description: 'where the database and master key live (default ./.tessera)',
  },
  {
    key: 'db',
    flag: '--db <path-or-url>',
    env: 'TESSERA_DB_URL',
    description: 'SQLite file (default <data-dir>/tessera.db) or postgres:// URL',
  },
  {
    key: 'issuer',
    flag: '--issuer <url>',
    env: 'TESSERA_ISSUER',
    description: 'issuer URL in every token (default http://<host>:<port>)',
  },
  {
    key: 'audience',
    flag: '--audience <aud>',
    env: 'TESSERA_AUDIENCE',
    description: 'aud of tokens issued at login (default: the issuer)',
  },
  {
    key: 'accessTokenTtlSeconds',
    flag: '--access-token-ttl <seconds>',
    env: 'TESSERA_ACCESS_TOKEN_TTL',
    description: 'access-token lifetime, 60 to 86400 (default 900)',
  },
  {
    key: 'sessionIdleSeconds',
    flag: '--session-idle <seconds>',
    env: 'TESSERA_SESSION_IDLE',
    description: 'end sessions unused this long (default 604800, 7 days)',
  },
  {
    key: 'sessionAbsoluteSeconds',
    flag: '--session-max <seconds>',
    env: 'TESSERA_SESSION_MAX',
    description: 'end sessions this long after login (default 2592000, 30 days)',
  },
  {
    key: 'refreshGraceSeconds',
    flag: '--refresh-grace <seconds>',
    env: 'TESSERA_REFRESH_GRACE',
    description: 'window for concurrent refreshes, 0 to 60 (default 10)',
  },
  {
    key: 'clockToleranceSeconds',
    flag: '--clock-tolerance <seconds>',
    env: 'TESSERA_CLOCK_TOLERANCE',
    description: 'allowed clock skew, 0 to 300 (default 30)',
  },
  {
    key: 'keyAlgorithm',
    flag: '--key-alg <alg>',
    env: 'TESSERA_KEY_ALG',
    description: 'algorithm of new signing keys (default EdDSA)',
  },
  {
    key: 'keyPrepublishSeconds',
    flag: '--key-prepublish <seconds>',
    env: 'TESSERA_KEY_PREPUBLISH',
    description: 'publish new keys this long before use (default 3600)',
  },
  {
    key: 'keyRotateAfterSeconds',
    flag: '--key-rotate-after <seconds>',
    env: 'TESSERA_KEY_ROTATE_AFTER',
    description: 'rotate keys automatically at this age, 0 = never (default 2592000)',
  },
  {
    key: 'jwksMaxAgeSeconds',
    flag: '--jwks-max-age <seconds>',
    env: 'TESSERA_JWKS_MAX_AGE',
    description: 'Cache-Control max-age of the JWKS (default 300)',
  },
  {
    key: 'bodyLimitBytes',
    flag: '--body-limit <bytes>',
    env: 'TESSERA_BODY_LIMIT',
    description: 'largest request body (default 16384)',
  },
  {
    key: 'allowInsecureHttp',
    flag: '--allow-insecure-http',
    env: 'TESSERA_ALLOW_INSECURE_HTTP',
    description: 'allow an http: issuer on a non-loopback host (unsafe)',
  },
  {
    key: 'redis',
    flag: '--redis <url>',
    env: 'TESSERA_REDIS_URL',
    description: 'redis:// URL: revocation stream and login throttling shared by processes',
  },
  {
    key: 'redisPrefix',
    flag: '--redis-prefix <prefix>',
    env: 'TESSERA_REDIS_PREFIX',
    description: 'prefix of every Redis key (default tessera:)',
  },
  {
    key: 'maxStalenessSeconds',
    flag: '--max-staleness <seconds>',
    env: 'TESSERA_MAX_STALENESS',
    description: 'refuse tokens when revocations are unconfirmed this long, 1 to 3600 (default 30)',
  },
  {
    key: 'failOpenWhenStale',
    flag: '--fail-open-when-stale',
    env: 'TESSERA_FAIL_OPEN_WHEN_STALE',
    description: 'accept tokens even when revocations are stale (unsafe)',
  },
  {
    key: 'trustProxy',
    flag: '--trust-proxy <addresses>',
    env: 'TESSERA_TRUST_PROXY',
    description:
      'comma-separated addresses or CIDR ranges of load balancers whose X-Forwarded-For is believed (default none)',
  },
  {
    key: 'dpopNonce',
    flag: '--dpop-nonce',
    env: 'TESSERA_DPOP_NONCE',
    description: 'require a server-issued nonce in DPoP proofs (RFC 9449 §8)',
  },
  {
    key: 'cookieSameSite',
    flag: '--cookie-samesite <lax|strict>',
    env: 'TESSERA_COOKIE_SAMESITE',
    description: 'SameSite of the access cookie in browser mode (default lax)',
  },
  {
    key: 'browserOrigins',
    flag: '--browser-origin <origins>',
    env: 'TESSERA_BROWSER_ORIGIN',
    description:
      'comma-separated origins, besides the issuer, allowed to send cookie requests (default none)',
  },
  {
    key: 'encryptedAudiencesFile',
    flag: '--encrypted-audiences <file>',
    env: 'TESSERA_ENCRYPTED_AUDIENCES',
    description:
      'JSON file of audience URIs and public JWKs: client_credentials tokens for them are encrypted',
  },
];

/** A setting that could not be used; the message names the flag and what is expected. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Raw = Partial<Record<keyof ServerConfig, string | boolean | undefined>>;

/** The data directory and database of a command, from flags (winning) and environment. */
export function resolveDataLocation(
  flags: { readonly dataDir?: string | undefined; readonly db?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): Pick<ServerConfig, 'dataDir' | 'db'> {
  const dataDir = resolve(flags.dataDir ?? env['TESSERA_DATA_DIR'] ?? '.tessera');
  const dbText = flags.db ?? env['TESSERA_DB_URL'] ?? join(dataDir, 'tessera.db');
  const db = /^[a-z][a-z0-9+.-]+:/i.test(dbText) || isAbsolute(dbText) ? dbText : resolve(dbText);
  return { dataDir, db };
}

/**
 * Build the server configuration from flags (winning) and environment variables, check every
 * value, and freeze it. Defaults are safe; unsafe choices must be named.
 *
 * @throws ConfigError with a message that names the setting at fault.
 */
export function resolveServerConfig(
  flags: Raw,
  env: Readonly<Record<string, string | undefined>>,
): ServerConfig {
  const raw: Raw = {};
  for (const setting of SERVER_SETTINGS) raw[setting.key] = flags[setting.key] ?? env[setting.env];
  const name = (key: keyof ServerConfig): string => {
    const setting = SERVER_SETTINGS.find((s) => s.key === key);
    return setting === undefined ? key : `${setting.flag.split(' ')[0] ?? key} (${setting.env})`;
  };
  const text = (key: keyof ServerConfig, fallback: string): string => {
    const value = raw[key];
    if (value === undefined || value === '') return fallback;
    if (typeof value !== 'string') throw new ConfigError(`${name(key)} needs a value`);
    return value;
  };
  const integer = (key: keyof ServerConfig, fallback: number, min: number, max: number): number => {
    const value = text(key, String(fallback));
    const number = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      throw new ConfigError(
        `${name(key)} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
      );
    }
    return number;
  };
  const flag = (key: keyof ServerConfig): boolean => {
    const value = raw[key];
    if (
      value === undefined ||
      value === false ||
      value === '' ||
      value === '0' ||
      value === 'false'
    )
      return false;
    if (value === true || value === '1' || value === 'true') return true;
    throw new ConfigError(`${name(key)} must be true or false`);
  };

  const host = text('host', '127.0.0.1');
  const port = integer('port', 4000, 0, 65535);
  const dbGiven = text('db', '');
  const { dataDir, db } = resolveDataLocation(
    { dataDir: text('dataDir', '.tessera'), db: dbGiven === '' ? undefined : dbGiven },
    {},
  );
  if (port === 0 && (raw.issuer === undefined || raw.issuer === '')) {
    throw new ConfigError(
      `with ${name('port')} 0 the address is not known in advance; set ${name('issuer')}`,
    );
  }
  const issuer = text('issuer', `http://${host.includes(':') ? `[${host}]` : host}:${port}`);
  const allowInsecureHttp = flag('allowInsecureHttp');
  checkIssuer(issuer, allowInsecureHttp, name('issuer'));
  const keyAlgorithm = text('keyAlgorithm', 'EdDSA');
  if (!isAlgorithm(keyAlgorithm))
    throw new ConfigError(`${name('keyAlgorithm')} must be one of EdDSA, ES256, RS256, PS256`);
  if (keyAlgorithm.startsWith('HS')) {
    throw new ConfigError(
      `${name('keyAlgorithm')}: HMAC keys would have to be shared with every verifier; use EdDSA, ES256, RS256 or PS256`,
    );
  }
  const accessTokenTtlSeconds = integer('accessTokenTtlSeconds', 900, 60, 86_400);
  const sessionAbsoluteSeconds = integer('sessionAbsoluteSeconds', 30 * 86_400, 300, 365 * 86_400);
  const sessionIdleSeconds = integer('sessionIdleSeconds', 7 * 86_400, 60, sessionAbsoluteSeconds);
  const jwksMaxAgeSeconds = integer('jwksMaxAgeSeconds', 300, 0, 86_400);
  const keyPrepublishSeconds = integer('keyPrepublishSeconds', 3600, 0, 30 * 86_400);
  if (keyPrepublishSeconds <= jwksMaxAgeSeconds && keyPrepublishSeconds !== 0) {
    throw new ConfigError(
      `${name('keyPrepublishSeconds')} must be longer than ${name('jwksMaxAgeSeconds')}, or verifiers may meet a key they have not fetched`,
    );
  }
  return Object.freeze({
    host,
    port,
    dataDir,
    db,
    issuer,
    audience: text('audience', issuer),
    accessTokenTtlSeconds,
    sessionIdleSeconds,
    sessionAbsoluteSeconds,
    refreshGraceSeconds: integer('refreshGraceSeconds', 10, 0, 60),
    clockToleranceSeconds: integer('clockToleranceSeconds', 30, 0, 300),
    keyAlgorithm,
    keyPrepublishSeconds,
    keyRotateAfterSeconds: integer('keyRotateAfterSeconds', 30 * 86_400, 0, 365 * 86_400),
    jwksMaxAgeSeconds,
    bodyLimitBytes: integer('bodyLimitBytes', 16_384, 1024, 1_048_576),
    allowInsecureHttp,
    redis: checkRedisUrl(text('redis', ''), name('redis'), fail),
    redisPrefix: text('redisPrefix', 'tessera:'),
    maxStalenessSeconds: integer('maxStalenessSeconds', 30, 1, 3600),
    failOpenWhenStale: flag('failOpenWhenStale'),
    trustProxy: Object.freeze(checkProxies(text('trustProxy', ''), name('trustProxy'), fail)),
    dpopNonce: flag('dpopNonce'),
    cookieSameSite: parseCookieSameSite(
      text('cookieSameSite', 'lax'),
      name('cookieSameSite'),
      fail,
    ),
    browserOrigins: Object.freeze(
      parseBrowserOrigins(text('browserOrigins', ''), name('browserOrigins'), fail),
    ),
    ...readAccessTokenEncryption(
      text('encryptedAudiencesFile', ''),
      text('audience', issuer),
      name('encryptedAudiencesFile'),
      fail,
    ),
  });
}

function fail(message: string): never {
  throw new ConfigError(message);
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

function checkIssuer(issuer: string, allowInsecureHttp: boolean, name: string): void {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got ${JSON.stringify(issuer)}`);
  }
  // RFC 8414 §2: the issuer is an https URL with no query or fragment.
  if (url.search !== '' || url.hash !== '')
    throw new ConfigError(`${name} must have no query or fragment`);
  if (url.protocol === 'https:') return;
  if (url.protocol !== 'http:') throw new ConfigError(`${name} must be an https URL`);
  if (!LOOPBACK.test(url.hostname) && !allowInsecureHttp) {
    throw new ConfigError(
      `${name} must be https unless the host is loopback; pass --allow-insecure-http only for a test network`,
    );
  }
}
