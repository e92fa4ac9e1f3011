import { DpopProofVerifier } from '../../../token/dpop-proof.js';
import { MemoryDpopReplayCache } from '../../dpop/memory-dpop-replay-cache.js';
import type { DpopChecks } from '../../http/check-dpop-proof.js';
import {
  createRequestAuthenticator,
  type AuthenticationSuccess,
  type HeaderSource,
  type RequestAuthenticator,
} from '../../http/request-authenticator.js';
import type { RequestIdentity } from '../../http/request-identity.js';
import type { MiddlewareOptions } from '../middleware-options.js';

// What the Express, Fastify and Hono middleware share: options, the URL a request was
// addressed to, and the decision for one route. Every check is the request authenticator's;
// this file only adapts requests to it and its answers back.

/** The local end of the connection a request came on (Node's `net.Socket` has these). */
export interface LocalEndpoint {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  /** True on a TLS socket. */
  readonly encrypted?: boolean | undefined;
}

/** One request, as each framework can describe it. */
export interface MiddlewareRequest {
  readonly method: string;
  /** The request target as received (path and query), e.g. Express's `originalUrl`. */
  readonly target: string;
  readonly headers: HeaderSource;
  /** The connection, for the default URL; null where the runtime has none. */
  readonly socket: LocalEndpoint | null;
}

/** What a route asks for: a token (unless optional) and scopes. */
export interface RouteRule {
  readonly optional: boolean;
  readonly scopes: readonly string[];
}

/** Let the request go on, with its identity (null: optional route, no token). */
export interface PassOutcome {
  readonly ok: true;
  readonly identity: RequestIdentity | null;
}

/** Answer the request with this and stop. */
export interface RefuseOutcome {
  readonly ok: false;
  readonly status: number;
  /** Lower-case names: `www-authenticate`, `cache-control`, and more when they apply. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: string; readonly error_description: string };
}

export type Outcome = PassOutcome | RefuseOutcome;

/** The shared part of one `create…Auth` instance. */
export interface MiddlewareCore {
  /**
   * Decide on one request for one route. `key` is the framework's request object: a route
   * with several of this instance's middleware authenticates once (a DPoP proof may be
   * checked only once: a second check would find it replayed). Never rejects.
   */
  decide(key: object, request: MiddlewareRequest, rule: RouteRule): Promise<Outcome>;
}

const SERVER_ERROR: RefuseOutcome = Object.freeze({
  ok: false,
  status: 500,
  headers: Object.freeze({ 'cache-control': 'no-store' }),
  body: Object.freeze({
    error: 'server_error',
    error_description: 'the request could not be authenticated',
  }),
});

/**
 * Validate middleware options once and build the shared core.
 *
 * @throws TypeError for missing or invalid options (as `createRequestAuthenticator` does, and
 *   a `publicUrl` that is not an absolute http(s) URL without query, fragment or credentials).
 */
export function createMiddlewareCore(options: MiddlewareOptions): MiddlewareCore {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('options are required: { verifier, dpop } or { authenticator }');
  }
  const authenticator = authenticatorOf(options);
  const publicBase = options.publicUrl === undefined ? null : parsePublicUrl(options.publicUrl);
  const onError = options.onError ?? (() => undefined);
  if (typeof onError !== 'function') throw new TypeError('onError must be a function');
  const seen = new WeakMap<object, AuthenticationSuccess | null>();

  const report = (error: unknown): void => {
    try {
      onError(error);
    } catch {
      // A failing logger must not turn a refusal into an unhandled rejection.
    }
  };

  const decide = async (
    key: object,
    request: MiddlewareRequest,
    rule: RouteRule,
  ): Promise<Outcome> => {
    try {
      const earlier = seen.get(key);
      if (earlier === null && rule.optional) return { ok: true, identity: null };
      if (earlier !== undefined && earlier !== null) {
        const refusal =
          rule.scopes.length === 0 ? null : authenticator.requireScope(earlier, rule.scopes);
        return refusal === null ? { ok: true, identity: earlier.identity } : refuse(refusal);
      }
      const result = await authenticator.authenticate(
        {
          method: request.method,
          url: addressedUrl(publicBase, request.target, request.socket),
          headers: request.headers,
        },
        { requiredScopes: rule.scopes },
      );
      if (result.ok) {
        seen.set(key, result);
        return { ok: true, identity: result.identity };
      }
      if (rule.optional && result.code === 'ERR_AUTH_TOKEN_MISSING') {
        seen.set(key, null);
        return { ok: true, identity: null };
      }
      if (result.status === 503) report(result.cause);
      return refuse(result);
    } catch (error) {
      // A bug or a misconfiguration, never the client's doing: no detail leaves the process.
      report(error);
      return SERVER_ERROR;
    }
  };

  return Object.freeze({ decide });
}

/**
 * The scopes given to `requireScope`, checked when the route is built so that a typo fails at
 * start: one or more RFC 6749 §3.3 scope tokens.
 *
 * @throws TypeError for an empty list or a scope with spaces, quotes or backslashes.
 */
export function scopeList(scopes: string | readonly string[]): readonly string[] {
  const list: unknown[] = typeof scopes === 'string' ? [scopes] : [...(scopes as unknown[])];
  const valid = list.every(
    (scope) => typeof scope === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope),
  );
  if (list.length === 0 || !valid) {
    throw new TypeError('requireScope needs one or more scopes, each without spaces or quotes');
  }
  return Object.freeze(list as string[]);
}

function refuse(failure: {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: RefuseOutcome['body'];
}): RefuseOutcome {
  return { ok: false, status: failure.status, headers: failure.headers, body: failure.body };
}

function authenticatorOf(options: MiddlewareOptions): RequestAuthenticator {
  if ('authenticator' in options) {
    const given = options.authenticator as Partial<RequestAuthenticator> | undefined;
    if (typeof given?.authenticate !== 'function' || typeof given.requireScope !== 'function') {
      throw new TypeError('authenticator must come from createRequestAuthenticator');
    }
    return options.authenticator;
  }
  const dpop = options.dpop as DpopChecks | boolean | undefined;
  if (dpop === undefined) {
    throw new TypeError('dpop is required: true, DPoP checks ({ proofs, replay }), or false');
  }
  return createRequestAuthenticator({
    verifier: options.verifier,
    dpop:
      dpop === true
        ? { proofs: new DpopProofVerifier(), replay: new MemoryDpopReplayCache() }
        : dpop,
    ...(options.realm === undefined ? {} : { realm: options.realm }),
    ...(options.retryAfterSeconds === undefined
      ? {}
      : { retryAfterSeconds: options.retryAfterSeconds }),
    ...(options.cookies === undefined ? {} : { cookies: options.cookies }),
  });
}

/** `publicUrl` as a base to append paths to: origin and path prefix, no trailing slash. */
function parsePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError('publicUrl must be an absolute URL such as https://api.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError('publicUrl must be an http or https URL');
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError('publicUrl must have no query, fragment or credentials');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The absolute URL the client addressed: the public base, or else the local end of the
 * connection (never the client's `Host` header), followed by the request target.
 *
 * @throws TypeError when neither is known: the operator must set `publicUrl`.
 */
function addressedUrl(
  publicBase: string | null,
  target: string,
  socket: LocalEndpoint | null,
): string {
  const path = originForm(target);
  if (publicBase !== null) return `${publicBase}${path}`;
  const address = socket?.localAddress;
  const port = socket?.localPort;
  if (address === undefined || port === undefined) {
    throw new TypeError('publicUrl is required where the request has no local socket address');
  }
  // A dual-stack listener reports IPv4 clients as IPv4-mapped IPv6; they addressed the IPv4.
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  const host = plain.includes(':') ? `[${plain}]` : plain;
  return `${socket?.encrypted === true ? 'https' : 'http'}://${host}:${port}${path}`;
}

/** The path and query of a request target; an absolute-form target keeps only those. */
function originForm(target: string): string {
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    return `${url.pathname}${url.search}`;
  } catch {
    // `*` or garbage: no proof can name it, so a DPoP request fails its `htu` check.
    return `/${target}`;
  }
}
