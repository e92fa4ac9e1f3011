import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TokenError } from '../../token/errors.js';
import { parseAuthorization } from '../../verifier/http/authorization-header.js';
import type { ServerContext } from '../server-context.js';
import type { LoginOutcome, ServerMetrics } from './server-metrics.js';

/** Routes that log a user in with a password: JSON, cookie mode's JSON, and the sign-in page. */
export const LOGIN_ROUTES: ReadonlySet<string> = new Set([
  '/auth/login',
  '/auth/browser/login',
  '/login',
]);

const TOKEN_ROUTE = '/oauth/token';
/** Refusals of the metrics token are not access-token failures. */
const METRICS_ROUTE = '/metrics';

/** Label of requests no route matched: one value, so scanners cannot inflate the series. */
const UNMATCHED = 'unmatched';

/**
 * Count what the server's answers say, from the outside of the routes: the route template,
 * the status and the `error` code of the body. The routes stay unaware of metrics. Refreshes
 * are counted by the session service itself (`MeteredSessionService`), in both modes.
 *
 * Counting happens in `onSend`, before the answer leaves, so a scrape that follows a request
 * always sees it; the request-rate histogram is fed in `onResponse`.
 *
 * @example
 * installMetricsHooks(app, context, new ServerMetrics(context));
 */
export function installMetricsHooks(
  app: FastifyInstance,
  context: Pick<ServerContext, 'verifier' | 'follower'>,
  metrics: ServerMetrics,
): void {
  const unsubscribe = context.follower.subscribe((event) => {
    metrics.revocations.inc({ kind: event.kind });
  });
  app.addHook('onClose', (_instance, done) => {
    unsubscribe();
    done();
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url;
    if (route === undefined) return payload;
    const status = reply.statusCode;
    const error = status >= 400 ? errorCodeOf(payload) : null;
    if (LOGIN_ROUTES.has(route) && request.method === 'POST') {
      metrics.logins.inc({ outcome: loginOutcome(status) });
    }
    const grantType = route === TOKEN_ROUTE ? grantTypeOf(request.body) : null;
    if (grantType !== null) {
      metrics.tokenGrants.inc({ grant_type: grantType, outcome: status < 400 ? 'ok' : 'failed' });
    }
    const code = route === METRICS_ROUTE ? null : verifyFailureCode(request, reply, error, context);
    if (code !== null) metrics.verifyFailures.inc({ code });
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.requestDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}

function loginOutcome(status: number): LoginOutcome {
  if (status < 400) return 'success';
  if (status === 401) return 'invalid_credentials';
  if (status === 429) return 'throttled';
  return 'error';
}

/** Grant types worth a label; anything else counts as `other`, bounding the series. */
const KNOWN_GRANTS = new Set(['refresh_token', 'client_credentials', 'password']);

function grantTypeOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return 'other';
  const grant = (body as Record<string, unknown>)['grant_type'];
  return typeof grant === 'string' && KNOWN_GRANTS.has(grant) ? grant : 'other';
}

/** The `error` field of a JSON error answer, or null. */
function errorCodeOf(payload: unknown): string | null {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return null;
  try {
    const parsed: unknown = JSON.parse(payload);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const error = (parsed as Record<string, unknown>)['error'];
    return typeof error === 'string' ? error.slice(0, 64) : null;
  } catch {
    return null;
  }
}

/**
 * The code of a refused access token on a bearer-protected route, or null when the answer is
 * not such a refusal. Those routes answer with a `Bearer` or `DPoP` challenge (RFC 6750 §3);
 * the wire says only `invalid_token`, so the token is verified once more to learn why.
 */
function verifyFailureCode(
  request: FastifyRequest,
  reply: FastifyReply,
  error: string | null,
  context: Pick<ServerContext, 'verifier'>,
): string | null {
  const challenge = reply.getHeader('www-authenticate');
  if (typeof challenge !== 'string' || !/^(Bearer|DPoP)\b/.test(challenge)) return null;
  if (error === 'insufficient_scope') return 'insufficient_scope';
  if (error === 'invalid_dpop_proof' || error === 'use_dpop_nonce') return error;
  const presented = parseAuthorization(request.headers.authorization);
  if (presented === null) return 'missing_token';
  if (presented === 'malformed') return 'malformed_authorization';
  try {
    context.verifier.verify(presented.token);
  } catch (failure) {
    if (failure instanceof TokenError) return failure.code;
    return 'unknown';
  }
  // A valid token refused: sent with the wrong scheme (a bound token as Bearer, or the reverse).
  return 'wrong_scheme';
}
