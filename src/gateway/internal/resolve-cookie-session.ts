import { allowedOriginSet } from '../../verifier/http/csrf-rule.js';
import type { GatewaySettingKey } from '../gateway-settings.js';

/** Browser mode of the gateway, resolved. */
export interface CookieSessionConfig {
  /** Origins of the pages that may change state with the session cookie. */
  readonly browserOrigins: readonly string[];
  /** `<auth server>/oauth/token`, where expired cookie sessions are refreshed. */
  readonly tokenEndpoint: string;
  /** `client_id` of those refreshes: the first-party public client. */
  readonly refreshClientId: string;
  /** Longest wait for one refresh. */
  readonly refreshTimeoutMs: number;
  /**
   * How long a successful refresh is handed to requests still bearing the spent refresh cookie;
   * no longer than the auth server's `--refresh-grace`, or its reuse detection is blinded.
   */
  readonly refreshReuseMs: number;
  /** SameSite of the access cookie the gateway re-sets (the others are always Strict). */
  readonly accessSameSite: 'Lax' | 'Strict';
}

/** What {@link resolveCookieSession} reads, from `resolveGatewayConfig`. */
export interface CookieSessionInputs {
  /** `--cookie-session` was given. */
  readonly enabled: boolean;
  /** The config file's `cookieSession` value as written; undefined when absent. */
  readonly fromFile: unknown;
  readonly issuer: string;
  readonly allowInsecureHttp: boolean;
  /** A flag's (or variable's) value; undefined when not given. */
  readonly text: (key: GatewaySettingKey) => string | undefined;
  readonly integer: (key: GatewaySettingKey, fallback: number, min: number, max: number) => number;
  readonly fail: (key: GatewaySettingKey, message: string) => never;
  readonly failFile: (message: string) => never;
}

const FILE_KEYS = new Set([
  'browserOrigins',
  'authServer',
  'refreshClientId',
  'refreshReuseMs',
  'cookieSameSite',
]);
/** Settings that mean something in browser mode only. */
const BROWSER_ONLY_KEYS = [
  'browserOrigins',
  'authServer',
  'refreshClientId',
  'refreshTimeoutMs',
  'refreshReuseMs',
  'cookieSameSite',
] as const;
/** Default of `--refresh-reuse`: the auth server's default `--refresh-grace`. */
const DEFAULT_REFRESH_REUSE_MS = 10_000;
/** RFC 6749 Appendix A.1: a client_id is printable ASCII. */
const CLIENT_ID = /^[\x20-\x7e]{1,200}$/;

/**
 * Browser mode from flags (winning) and the config file's `cookieSession` object, or null when
 * neither turns it on. `--browser-origin` is required with it: no origin is trusted by default.
 *
 * @throws GatewayConfigError (through `fail`) naming the setting at fault.
 */
export function resolveCookieSession(inputs: CookieSessionInputs): CookieSessionConfig | null {
  const { text, fail, failFile } = inputs;
  const file = readFileObject(inputs.fromFile, failFile);
  if (!inputs.enabled && file === null) {
    // A setting that would be silently ignored is a setting its operator believes in.
    for (const key of BROWSER_ONLY_KEYS) {
      if (text(key) !== undefined) fail(key, 'is only used with --cookie-session');
    }
    return null;
  }
  const fileText = (name: string): string | undefined => {
    const value = file?.[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return failFile(`cookieSession.${name} must be a string`);
    return value;
  };
  const fileOrigins = file?.['browserOrigins'];
  if (fileOrigins !== undefined && !Array.isArray(fileOrigins)) {
    failFile('cookieSession.browserOrigins must be a list of origins');
  }
  const origins =
    text('browserOrigins')
      ?.split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== '') ?? (fileOrigins as unknown[] | undefined);
  if (origins === undefined || origins.length === 0) {
    return fail(
      'browserOrigins',
      'is required with --cookie-session: the origins of your pages, e.g. https://app.example.com',
    );
  }
  let browserOrigins: readonly string[];
  try {
    browserOrigins = [...allowedOriginSet(origins)];
  } catch (error) {
    return fail(
      'browserOrigins',
      (error as Error).message.replace(/^cookies\.allowedOrigins:? ?/, ''),
    );
  }
  const authServer = text('authServer') ?? fileText('authServer') ?? inputs.issuer;
  let url: URL;
  try {
    url = new URL(authServer);
  } catch {
    return fail('authServer', `must be an absolute http(s) URL, got ${JSON.stringify(authServer)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    fail('authServer', 'must be an http(s) URL');
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    fail('authServer', 'must have no credentials, query or fragment');
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !inputs.allowInsecureHttp) {
    // Refresh tokens would cross the network in clear text.
    fail('authServer', 'must be https (or loopback http) unless --allow-insecure-http is given');
  }
  const refreshClientId = text('refreshClientId') ?? fileText('refreshClientId') ?? 'tessera';
  if (!CLIENT_ID.test(refreshClientId)) fail('refreshClientId', 'must be a printable client_id');
  const sameSite = (text('cookieSameSite') ?? fileText('cookieSameSite') ?? 'lax').toLowerCase();
  if (sameSite !== 'lax' && sameSite !== 'strict') fail('cookieSameSite', 'must be lax or strict');
  const fileReuse = file?.['refreshReuseMs'];
  if (
    fileReuse !== undefined &&
    (typeof fileReuse !== 'number' ||
      !Number.isSafeInteger(fileReuse) ||
      fileReuse < 0 ||
      fileReuse > 60_000)
  ) {
    failFile('cookieSession.refreshReuseMs must be a whole number from 0 to 60000');
  }
  const reuseDefault = typeof fileReuse === 'number' ? fileReuse : DEFAULT_REFRESH_REUSE_MS;
  return Object.freeze({
    browserOrigins: Object.freeze(browserOrigins),
    tokenEndpoint: `${url.origin}${url.pathname.replace(/\/+$/, '')}/oauth/token`,
    refreshClientId,
    refreshTimeoutMs: inputs.integer('refreshTimeoutMs', 5000, 100, 60_000),
    refreshReuseMs: inputs.integer('refreshReuseMs', reuseDefault, 0, 60_000),
    accessSameSite: sameSite === 'strict' ? 'Strict' : 'Lax',
  });
}

function readFileObject(
  value: unknown,
  failFile: (message: string) => never,
): Readonly<Record<string, unknown>> | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failFile('cookieSession must be an object such as { "browserOrigins": [...] }');
  }
  for (const key of Object.keys(value)) {
    if (!FILE_KEYS.has(key)) {
      failFile(
        `cookieSession: unknown key ${JSON.stringify(key)} (expected ${[...FILE_KEYS].join(', ')})`,
      );
    }
  }
  return value as Record<string, unknown>;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
