import type { FastifyRequest } from 'fastify';
import { TokenError } from '../token/errors.js';
import type { VerifiedJwt } from '../token/verified-jwt.js';
import type { JwtVerifier } from '../token/verify-jwt.js';
import { bearerChallenge, HttpError } from './http-errors.js';

/**
 * Verify the bearer token of a request (RFC 6750 §2.1) with the server's own verifier,
 * denylist included.
 *
 * @throws HttpError 401 with a `WWW-Authenticate: Bearer` challenge.
 */
export function authenticateBearer(request: FastifyRequest, verifier: JwtVerifier): VerifiedJwt {
  const header = request.headers.authorization;
  if (header === undefined) {
    throw new HttpError(401, 'invalid_token', 'a bearer token is required', bearerChallenge());
  }
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  if (match?.[1] === undefined) {
    throw new HttpError(
      400,
      'invalid_request',
      'malformed Authorization header',
      bearerChallenge('invalid_request'),
    );
  }
  try {
    return verifier.verify(match[1]);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    const description =
      error.code === 'ERR_JWT_REVOKED' ? 'the token has been revoked' : 'the token is not valid';
    throw new HttpError(
      401,
      'invalid_token',
      description,
      bearerChallenge('invalid_token', description),
    );
  }
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
