/** One setting: its flag, its environment variable, and what it is for. */
export interface GatewaySetting {
  readonly key: GatewaySettingKey;
  readonly flag: string;
  readonly env: string;
  readonly description: string;
}

export type GatewaySettingKey =
  | 'listen'
  | 'upstream'
  | 'issuer'
  | 'audience'
  | 'algorithms'
  | 'jwksUri'
  | 'revocations'
  | 'config'
  | 'publicUrl'
  | 'disableDpop'
  | 'redis'
  | 'redisPrefix'
  | 'upstreamTimeoutMs'
  | 'forwardToken'
  | 'maxStalenessSeconds'
  | 'allowInsecureHttp'
  | 'cookieSession'
  | 'browserOrigins'
  | 'authServer'
  | 'refreshClientId'
  | 'refreshTimeoutMs'
  | 'refreshReuseMs'
  | 'cookieSameSite'
  | 'formats'
  | 'decryptionKeys'
  | 'requireEncryption'
  | 'pasetoPublicKeys'
  | 'pasetoLocalKeys';

/** The settings of `tessera gateway`, for `--help`, the docs and validation alike. */
export const GATEWAY_SETTINGS: readonly GatewaySetting[] = [
  setting(
    'listen',
    '--listen <host:port>',
    'LISTEN',
    'address to listen on (default 127.0.0.1:8080)',
  ),
  setting(
    'upstream',
    '--upstream <url>',
    'UPSTREAM',
    'http(s) URL of the API behind the gateway (required)',
  ),
  setting(
    'issuer',
    '--issuer <url>',
    'ISSUER',
    'exact iss of accepted tokens: the auth server URL (required)',
  ),
  setting('audience', '--audience <aud>', 'AUDIENCE', 'aud accepted tokens must carry (required)'),
  setting(
    'algorithms',
    '--algorithms <list>',
    'ALGORITHMS',
    'comma-separated token algorithms (default EdDSA)',
  ),
  setting(
    'jwksUri',
    '--jwks-uri <url>',
    'JWKS_URI',
    'JWKS URL (default <issuer>/.well-known/jwks.json)',
  ),
  setting(
    'revocations',
    '--revocations <source>',
    'REVOCATIONS',
    "feed (the issuer's SSE feed, default), a redis:// URL, or none (unsafe)",
  ),
  setting(
    'config',
    '--config <file>',
    'CONFIG',
    'JSON file of routes (prefix → scopes) and public paths',
  ),
  setting(
    'publicUrl',
    '--public-url <url>',
    'PUBLIC_URL',
    'URL clients use to reach the gateway, checked in DPoP proofs (default http://<listen>)',
  ),
  setting(
    'disableDpop',
    '--disable-dpop',
    'DISABLE_DPOP',
    'accept bearer tokens only; DPoP-bound tokens are refused',
  ),
  setting(
    'redis',
    '--redis <url>',
    'REDIS_URL',
    'redis:// URL of the DPoP replay cache shared by several gateways (default: in memory)',
  ),
  setting(
    'redisPrefix',
    '--redis-prefix <prefix>',
    'REDIS_PREFIX',
    'prefix of every Redis key (default tessera:)',
  ),
  setting(
    'upstreamTimeoutMs',
    '--upstream-timeout <ms>',
    'UPSTREAM_TIMEOUT',
    'longest wait for the upstream to answer or send more, 100 to 600000 (default 30000)',
  ),
  setting(
    'forwardToken',
    '--forward-token',
    'FORWARD_TOKEN',
    'keep Authorization and DPoP headers for the upstream (removed by default)',
  ),
  setting(
    'maxStalenessSeconds',
    '--max-staleness <seconds>',
    'MAX_STALENESS',
    'refuse tokens when revocations are unconfirmed this long, 1 to 3600 (default 30)',
  ),
  setting(
    'allowInsecureHttp',
    '--allow-insecure-http',
    'ALLOW_INSECURE_HTTP',
    'allow http: issuer, JWKS and feed URLs on other hosts than loopback (unsafe)',
  ),
  setting(
    'cookieSession',
    '--cookie-session',
    'COOKIE_SESSION',
    'browser mode: accept the session cookies, refresh them transparently, apply the CSRF rule (needs --browser-origin)',
  ),
  setting(
    'browserOrigins',
    '--browser-origin <origins>',
    'BROWSER_ORIGINS',
    'comma-separated origins of the pages allowed to change state with the session cookie',
  ),
  setting(
    'authServer',
    '--auth-server <url>',
    'AUTH_SERVER',
    'auth server whose /oauth/token refreshes cookie sessions (default the issuer)',
  ),
  setting(
    'refreshClientId',
    '--refresh-client-id <id>',
    'REFRESH_CLIENT_ID',
    'client_id of cookie-session refreshes (default tessera, the first-party client)',
  ),
  setting(
    'refreshTimeoutMs',
    '--refresh-timeout <ms>',
    'REFRESH_TIMEOUT',
    'longest wait for the auth server to refresh a session, 100 to 60000 (default 5000)',
  ),
  setting(
    'refreshReuseMs',
    '--refresh-reuse <ms>',
    'REFRESH_REUSE',
    "how long a refreshed session is handed to requests still bearing the old refresh cookie, 0 to 60000 (default 10000); must not exceed the auth server's --refresh-grace",
  ),
  setting(
    'cookieSameSite',
    '--cookie-samesite <lax|strict>',
    'COOKIE_SAMESITE',
    "SameSite of the access cookie the gateway re-sets; match the auth server's (default lax)",
  ),
  setting(
    'formats',
    '--formats <list>',
    'FORMATS',
    'comma-separated token formats: jwt, paseto-v4-public, paseto-v4-local (default jwt)',
  ),
  setting(
    'decryptionKeys',
    '--decryption-keys <file>',
    'DECRYPTION_KEYS',
    'JWKS file of the private keys that decrypt nested-JWT (JWE) tokens for this audience',
  ),
  setting(
    'requireEncryption',
    '--require-encryption',
    'REQUIRE_ENCRYPTION',
    'refuse plain signed tokens: only encrypted ones pass (needs --decryption-keys)',
  ),
  setting(
    'pasetoPublicKeys',
    '--paseto-public-keys <file>',
    'PASETO_PUBLIC_KEYS',
    'JWKS file of the Ed25519 public keys (each with a kid) of v4.public tokens',
  ),
  setting(
    'pasetoLocalKeys',
    '--paseto-local-keys <file>',
    'PASETO_LOCAL_KEYS',
    'JWKS file of the 32-byte oct keys (each with a kid) of v4.local tokens',
  ),
];

function setting(
  key: GatewaySettingKey,
  flag: string,
  env: string,
  description: string,
): GatewaySetting {
  return { key, flag, env: `TESSERA_GATEWAY_${env}`, description };
}
