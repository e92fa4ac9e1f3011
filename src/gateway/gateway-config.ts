import { readFileSync } from 'node:fs';
import { isAlgorithm, isSymmetricAlgorithm, type Algorithm } from '../token/algorithms.js';
import { GatewayConfigError } from './gateway-config-error.js';
import { GATEWAY_SETTINGS, type GatewaySettingKey } from './gateway-settings.js';
import {
  resolveCookieSession,
  type CookieSessionConfig,
} from './internal/resolve-cookie-session.js';
import {
  resolveTokenFormats,
  TOKEN_FORMAT_FILE_KEYS,
  type TokenFormatsConfig,
} from './internal/resolve-token-formats.js';
import { createRouteTable, parseRouteTable, type RouteTable } from './route-table.js';

export {
  GATEWAY_SETTINGS,
  type GatewaySetting,
  type GatewaySettingKey,
} from './gateway-settings.js';
export type { CookieSessionConfig } from './internal/resolve-cookie-session.js';
export type { TokenFormatsConfig } from './internal/resolve-token-formats.js';

/**
 * Everything `tessera gateway` can be told; each has a flag and a `TESSERA_GATEWAY_*` variable,
 * and the token formats (`formats`, `decryption`, `requireEncryption`, `paseto`) can also come
 * from the config file, keys always from files.
 */
export interface GatewayConfig extends TokenFormatsConfig {
  /** Address and port to listen on. */
  readonly host: string;
  readonly port: number;
  /** Where requests go: origin and an optional base path, e.g. `http://127.0.0.1:3000`. */
  readonly upstream: URL;
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly Algorithm[];
  readonly jwksUri: string;
  /** `feed` (the issuer's SSE feed), a Redis URL (its revocation stream), or `none` (unsafe). */
  readonly revocations: { readonly feed: string } | { readonly redis: string } | 'none';
  /** Routes and public paths from the config file; empty without one. */
  readonly routes: RouteTable;
  /** The URL clients address the gateway by, which DPoP proofs name (`htu`). */
  readonly publicUrl: URL;
  /** Check DPoP proofs (RFC 9449); false accepts bearer tokens only. */
  readonly dpop: boolean;
  /** Redis for the DPoP replay cache shared by several gateways; '' keeps it in memory. */
  readonly redis: string;
  readonly redisPrefix: string;
  /** How long the upstream may take to answer, and to go quiet while streaming. */
  readonly upstreamTimeoutMs: number;
  /** Forward `Authorization` and `DPoP` to the upstream (removed by default). */
  readonly forwardToken: boolean;
  readonly maxStalenessSeconds: number;
  readonly allowInsecureHttp: boolean;
  /** Browser mode (`--cookie-session`, or `cookieSession` in the config file); null when off. */
  readonly cookieSession: CookieSessionConfig | null;
}

/** Raw values: strings from flags or the environment, `true` for a flag given without value. */
export type RawGatewaySettings = Partial<Record<GatewaySettingKey, string | boolean | undefined>>;

/**
 * Build the gateway configuration from flags (winning) and `TESSERA_GATEWAY_*` variables,
 * read the config file, check every value and freeze the result. Issuer, audience and
 * upstream have no defaults.
 *
 * @throws GatewayConfigError naming the setting at fault.
 */
export function resolveGatewayConfig(
  flags: RawGatewaySettings,
  env: Readonly<Record<string, string | undefined>>,
): GatewayConfig {
  const raw: RawGatewaySettings = {};
  for (const entry of GATEWAY_SETTINGS) raw[entry.key] = flags[entry.key] ?? env[entry.env];
  const name = (key: GatewaySettingKey): string => {
    const entry = GATEWAY_SETTINGS.find((s) => s.key === key);
    return entry === undefined ? key : `${entry.flag.split(' ')[0] ?? key} (${entry.env})`;
  };
  const fail = (key: GatewaySettingKey, message: string): never => {
    throw new GatewayConfigError(`${name(key)} ${message}`);
  };
  const text = (key: GatewaySettingKey, fallback?: string): string => {
    const value = raw[key];
    if (value === undefined || value === '') {
      return fallback ?? fail(key, 'is required');
    }
    if (typeof value !== 'string') return fail(key, 'needs a value');
    return value;
  };
  const integer = (key: GatewaySettingKey, fallback: number, min: number, max: number): number => {
    const value = text(key, String(fallback));
    const number = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      fail(key, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return number;
  };
  const flag = (key: GatewaySettingKey): boolean => {
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
    return fail(key, 'must be true or false');
  };

  const { host, port } = parseListen(text('listen', '127.0.0.1:8080'), (message) =>
    fail('listen', message),
  );
  const allowInsecureHttp = flag('allowInsecureHttp');
  const upstream = parseHttpUrl(text('upstream'), (message) => fail('upstream', message));
  if (upstream.search !== '') fail('upstream', 'must have no query');
  const issuer = text('issuer');
  parseHttpUrl(issuer, (message) => fail('issuer', message));
  const algorithms = text('algorithms', 'EdDSA')
    .split(',')
    .map((alg) => alg.trim());
  for (const alg of algorithms) {
    if (!isAlgorithm(alg) || isSymmetricAlgorithm(alg)) {
      fail('algorithms', `takes EdDSA, ES256, RS256 and PS256, got ${JSON.stringify(alg)}`);
    }
  }
  const jwksUri = text('jwksUri', `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`);
  parseHttpUrl(jwksUri, (message) => fail('jwksUri', message));
  const revocationText = text('revocations', 'feed');
  let revocations: GatewayConfig['revocations'];
  if (revocationText === 'feed') {
    revocations = { feed: `${issuer.replace(/\/+$/, '')}/revocations/stream` };
  } else if (revocationText === 'none') {
    revocations = 'none';
  } else if (/^rediss?:\/\/[^/]/i.test(revocationText)) {
    revocations = { redis: revocationText };
  } else if (/^https?:\/\//i.test(revocationText)) {
    parseHttpUrl(revocationText, (message) => fail('revocations', message));
    revocations = { feed: revocationText };
  } else {
    return fail(
      'revocations',
      `must be feed, the feed's http(s) URL, a redis:// URL or none, got ${JSON.stringify(revocationText)}`,
    );
  }
  const dpop = !flag('disableDpop');
  const publicText = text('publicUrl', '');
  let publicUrl: URL;
  if (publicText === '') {
    if (dpop && (host === '0.0.0.0' || host === '::')) {
      fail(
        'publicUrl',
        `is required when listening on ${host} with DPoP on: proofs name the URL clients use`,
      );
    }
    publicUrl = new URL(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
  } else {
    publicUrl = parseHttpUrl(publicText, (message) => fail('publicUrl', message));
    if (publicUrl.search !== '') fail('publicUrl', 'must have no query');
  }
  if (port === 0 && dpop && publicText === '') {
    fail('publicUrl', 'is required with port 0 and DPoP on: the address is not known in advance');
  }
  const file = readConfigFile(text('config', ''));
  const cookieSession = resolveCookieSession({
    enabled: flag('cookieSession'),
    fromFile: file.cookieSession,
    issuer,
    allowInsecureHttp,
    text: (key) => {
      const value = raw[key];
      return value === undefined || value === '' ? undefined : text(key);
    },
    integer,
    fail,
    failFile: (message) => {
      throw new GatewayConfigError(`--config (TESSERA_GATEWAY_CONFIG): ${file.path}: ${message}`);
    },
  });
  const tokenFormats = resolveTokenFormats({
    text: (key) => {
      const value = raw[key];
      return value === undefined || value === '' ? undefined : text(key);
    },
    flag,
    fail,
    file: { path: file.path, values: file.tokenFormats },
    failFile: (message) => {
      throw new GatewayConfigError(`--config (TESSERA_GATEWAY_CONFIG): ${file.path}: ${message}`);
    },
  });
  const redis = text('redis', '');
  if (redis !== '' && !/^rediss?:\/\/[^/]/i.test(redis)) {
    // Not echoed: the URL may hold a password.
    fail('redis', 'must be a redis:// or rediss:// URL (redis://[user:password@]host[:port][/db])');
  }
  return Object.freeze({
    host,
    port,
    upstream,
    issuer,
    audience: text('audience'),
    algorithms: Object.freeze(algorithms as Algorithm[]),
    jwksUri,
    revocations,
    routes: file.routes,
    publicUrl,
    dpop,
    redis,
    redisPrefix: text('redisPrefix', 'tessera:'),
    upstreamTimeoutMs: integer('upstreamTimeoutMs', 30_000, 100, 600_000),
    forwardToken: flag('forwardToken'),
    maxStalenessSeconds: integer('maxStalenessSeconds', 30, 1, 3600),
    allowInsecureHttp,
    cookieSession,
    ...tokenFormats,
  });
}

/**
 * The config file: its routes, and its `cookieSession` object and token-format settings as
 * written (checked later).
 */
interface ConfigFile {
  readonly path: string;
  readonly routes: RouteTable;
  readonly cookieSession: unknown;
  readonly tokenFormats: Readonly<Record<string, unknown>>;
}

function readConfigFile(path: string): ConfigFile {
  if (path === '')
    return { path, routes: createRouteTable([]), cookieSession: undefined, tokenFormats: {} };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new GatewayConfigError(
      `--config (TESSERA_GATEWAY_CONFIG): cannot read ${path} (${reason})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GatewayConfigError(
      `--config (TESSERA_GATEWAY_CONFIG): ${path} is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const { cookieSession, ...rest } = parsed as Record<string, unknown>;
    const routes: Record<string, unknown> = {};
    const tokenFormats: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(rest)) {
      if (TOKEN_FORMAT_FILE_KEYS.includes(key)) tokenFormats[key] = value;
      else routes[key] = value;
    }
    return { path, routes: parseRouteTable(routes, path), cookieSession, tokenFormats };
  }
  return {
    path,
    routes: parseRouteTable(parsed, path),
    cookieSession: undefined,
    tokenFormats: {},
  };
}

function parseListen(
  value: string,
  fail: (message: string) => never,
): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(value);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isSafeInteger(port) || port > 65_535) {
    return fail(`must be host:port (or [ipv6]:port), got ${JSON.stringify(value)}`);
  }
  return { host, port };
}

function parseHttpUrl(value: string, fail: (message: string) => never): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('must be an http(s) URL');
  if (url.username !== '' || url.password !== '') fail('must not carry a user name or password');
  if (url.hash !== '') fail('must have no fragment');
  return url;
}
