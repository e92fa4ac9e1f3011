import type { FastifyRequest } from 'fastify';
import { TokenError } from '../token/errors.js';
import { parseAuthorization } from '../verifier/http/authorization-header.js';
import { boundKeyOf } from '../verifier/http/request-identity.js';
import type { VerifiedJwt } from '../token/verified-jwt.js';
import { checkResourceProof, dpopChallenge } from './dpop-request.js';
import { bearerChallenge, HttpError } from './http-errors.js';
import type { ServerContext } from './server-context.js';

/** How long a client is told to wait when revocations are stale. */
const STALE_RETRY_AFTER_SECONDS = 5;

/**
 * Refuse to vouch for any token while the denylist cannot be confirmed current (DESIGN.md
 * invariant 3: fail closed), unless `--fail-open-when-stale`. A stale view is the server's
 * problem, not the client's: 503 with `Retry-After`, and no `WWW-Authenticate` challenge,
 * which would tell the client its token is bad. Checked after verification, never inside the
 * denylist's lookup, which reads no clock.
 *
 * @throws HttpError 503 `temporarily_unavailable`.
 */
export function requireFreshRevocations(
  context: Pick<ServerContext, 'freshness' | 'config'>,
): void {
  if (context.freshness.isFresh() || context.config.failOpenWhenStale) return;
  throw new HttpError(
    503,
    'temporarily_unavailable',
    'revocations cannot be confirmed current; retry shortly',
    { 'retry-after': String(STALE_RETRY_AFTER_SECONDS) },
  );
}

/**
 * Authenticate a request to one of the server's own protected routes with its access token,
 * verified with the server's verifier, denylist included, and only while the denylist is
 * known to be current:
 *
 * - `Authorization: Bearer <token>` (RFC 6750 §2.1) for tokens not bound to a key. A token
 *   bound with `cnf.jkt` is refused as a bearer token: whoever sends it that way has shown
 *   nothing of the key (RFC 9449 §7.2).
 * - `Authorization: DPoP <token>` with a `DPoP` proof from the token's key, for this method
 *   and URL, carrying the token's `ath` (RFC 9449 §7.1).
 *
 * @throws HttpError 401 with a `WWW-Authenticate` challenge (`Bearer`, or `DPoP` for bound
 *   tokens); 503 while revocations are stale (see {@link requireFreshRevocations}) or the
 *   DPoP replay cache is unavailable.
 */
export async function authenticateBearer(
  request: FastifyRequest,
  context: Pick<ServerContext, 'verifier' | 'freshness' | 'config' | 'dpop'>,
): Promise<VerifiedJwt> {
  const presented = parseAuthorization(request.headers.authorization);
  if (presented === null) {
    throw new HttpError(401, 'invalid_token', 'a bearer token is required', bearerChallenge());
  }
  if (presented === 'malformed') {
    throw new HttpError(
      400,
      'invalid_request',
      'malformed Authorization header',
      bearerChallenge('invalid_request'),
    );
  }
  const scheme = presented.scheme === 'DPoP' ? 'dpop' : 'bearer';
  const raw = presented.token;
  const challenge = (error: string, description: string): Record<string, string> =>
    scheme === 'dpop'
      ? dpopChallenge(context.dpop, error, description)
      : bearerChallenge(error, description);
  let token: VerifiedJwt;
  try {
    token = context.verifier.verify(raw);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    const description =
      error.code === 'ERR_JWT_REVOKED' ? 'the token has been revoked' : 'the token is not valid';
    throw new HttpError(401, 'invalid_token', description, challenge('invalid_token', description));
  }
  const jkt = boundKeyOf(token.claims);
  if (scheme === 'bearer' && jkt !== null) {
    const description =
      'the token is bound to a DPoP key; send it with the DPoP scheme and a proof';
    throw new HttpError(
      401,
      'invalid_token',
      description,
      dpopChallenge(context.dpop, 'invalid_token', description),
    );
  }
  if (scheme === 'dpop') {
    if (jkt === null) {
      const description = 'the token is not bound to a DPoP key; send it as a Bearer token';
      throw new HttpError(
        401,
        'invalid_token',
        description,
        challenge('invalid_token', description),
      );
    }
    await checkResourceProof(request, context, raw, jkt);
  }
  requireFreshRevocations(context);
  return token;
}

/** The session id of a verified user token. @throws HttpError 403 for tokens without a session. */
export function sessionOf(token: VerifiedJwt): { userId: string; sessionId: string } {
  const { sub, sid } = token.claims;
  if (sub === undefined || sid === undefined) {
    throw new HttpError(
      403,
      'insufficient_scope',
      'this endpoint needs a user token with a session',
      bearerChallenge('insufficient_scope'),
    );
  }
  return { userId: sub, sessionId: sid };
}
