import { isAlgorithm } from '../../src/token/algorithms.js';
import { createVerifier, type Verifier } from '../../src/verifier/create-verifier.js';
import type { MiddlewareOptions } from '../../src/verifier/middleware/middleware-options.js';
import type { RunningApi } from './http-server.js';

// What every example's server.ts does: read settings from the environment, create a
// verifier, start the API, and stop cleanly on Ctrl-C.

/** Options of each example's `startOrdersApi`. */
export type StartOptions = MiddlewareOptions & {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
};

/**
 * Run an example: `TESSERA_ISSUER` and `TESSERA_AUDIENCE` are required; `TESSERA_ALGORITHMS`
 * (default `EdDSA`), `TESSERA_JWKS_URI` (default `<issuer>/.well-known/jwks.json`),
 * `TESSERA_REVOCATIONS` (the SSE feed, default `<issuer>/revocations/stream`),
 * `TESSERA_PUBLIC_URL` (behind a proxy), `TESSERA_BROWSER_ORIGINS` (comma-separated origins of
 * the pages that use the API with the session cookie: turns browser mode on), `HOST` (default
 * 127.0.0.1) and `PORT` (default 3000) are optional.
 */
export async function runExample(
  name: string,
  start: (options: StartOptions) => Promise<RunningApi>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const issuer = required(env, 'TESSERA_ISSUER');
  const algorithms = (env['TESSERA_ALGORITHMS'] ?? 'EdDSA').split(',').map((alg) => alg.trim());
  const allowed = algorithms.filter(isAlgorithm);
  if (allowed.length !== algorithms.length) {
    throw new TypeError(`TESSERA_ALGORITHMS: unknown algorithm in ${algorithms.join(',')}`);
  }
  const verifier: Verifier = createVerifier({
    issuer,
    audience: required(env, 'TESSERA_AUDIENCE'),
    algorithms: allowed,
    jwksUri: env['TESSERA_JWKS_URI'] ?? `${issuer}/.well-known/jwks.json`,
    revocations: { feed: env['TESSERA_REVOCATIONS'] ?? `${issuer}/revocations/stream` },
    onError: (error: unknown) => {
      console.error(`tessera: ${error instanceof Error ? error.message : String(error)}`);
    },
  });
  const publicUrl = env['TESSERA_PUBLIC_URL'];
  // Browser mode: the pages at these origins call the API with the session cookies the auth
  // server set, and every state-changing call passes the CSRF rule.
  const browserOrigins = (env['TESSERA_BROWSER_ORIGINS'] ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  const api = await start({
    verifier,
    // One process: proofs are remembered in memory. Several behind one URL share a
    // RedisDpopReplayCache instead.
    dpop: true,
    host: env['HOST'] ?? '127.0.0.1',
    port: Number(env['PORT'] ?? '3000'),
    ...(publicUrl === undefined ? {} : { publicUrl }),
    ...(browserOrigins.length === 0 ? {} : { cookies: { allowedOrigins: browserOrigins } }),
    onError: (error: unknown) => {
      console.error('request could not be authenticated:', error);
    },
  });
  console.log(`${name} orders API on ${api.url} (tokens are refused until keys are loaded)`);
  verifier.ready().then(
    () => {
      console.log('keys and revocations loaded');
    },
    () => undefined,
  );
  const stop = (): void => {
    void Promise.all([api.close(), verifier.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new TypeError(`${name} is required`);
  return value;
}
