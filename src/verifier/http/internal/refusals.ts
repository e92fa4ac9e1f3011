import type { VerificationFailure } from '../../create-verifier.js';
import { authFailure, type AuthenticationFailure } from '../authentication-failure.js';
import type { TokenScheme } from '../authorization-header.js';
import { formatChallenge } from '../www-authenticate.js';

/** What the refusals of one request authenticator are built from. */
export interface RefusalSettings {
  readonly realm: string;
  /** `algs` of DPoP challenges; undefined when DPoP is off. */
  readonly algs: string | undefined;
  readonly retryAfterSeconds: number;
  /** True while the verifier is still loading keys or revocations. */
  readonly isLoading: () => boolean;
}

/** The refusals a request authenticator answers, with their RFC 6750 / RFC 9449 challenges. */
export function createRefusals(settings: RefusalSettings) {
  const { realm, algs, retryAfterSeconds } = settings;

  const challenge = (
    scheme: TokenScheme,
    error?: string,
    description?: string,
    scope?: string,
  ): string =>
    scheme === 'Bearer'
      ? formatChallenge('Bearer', { realm, error, error_description: description, scope })
      : formatChallenge('DPoP', { algs, error, error_description: description, scope });

  const refuse = (
    scheme: TokenScheme,
    status: 400 | 401,
    error: 'invalid_request' | 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce',
    code: AuthenticationFailure['code'],
    description: string,
    extra: Record<string, string> = {},
  ): AuthenticationFailure =>
    authFailure(status, error, code, description, {
      'www-authenticate': challenge(scheme, error, description),
      ...extra,
    });

  const unavailable = (
    code: AuthenticationFailure['code'],
    description: string,
    cause: unknown,
  ): AuthenticationFailure =>
    // The server cannot check now: no challenge, which would tell the client its token is bad.
    authFailure(
      503,
      'temporarily_unavailable',
      code,
      description,
      { 'retry-after': String(retryAfterSeconds) },
      cause,
    );

  const invalidToken = (
    scheme: TokenScheme,
    failure: VerificationFailure,
  ): AuthenticationFailure => {
    // Stale revocations, or keys and revocations not loaded yet: the token may be fine.
    if (failure.code === 'ERR_REVOCATIONS_STALE' || settings.isLoading()) {
      return unavailable(
        failure.code,
        'tokens cannot be checked now; retry shortly',
        failure.reason,
      );
    }
    return refuse(scheme, 401, 'invalid_token', failure.code, describeTokenFailure(failure));
  };

  /** RFC 6750 §3.1: no credentials, no error code; offer every scheme accepted here. */
  const missing = (): AuthenticationFailure => {
    const challenges = [formatChallenge('Bearer', { realm })];
    if (algs !== undefined) challenges.push(formatChallenge('DPoP', { algs }));
    return authFailure(401, null, 'ERR_AUTH_TOKEN_MISSING', 'an access token is required', {
      'www-authenticate': challenges.join(', '),
    });
  };

  const insufficientScope = (
    scheme: TokenScheme,
    required: readonly string[],
  ): AuthenticationFailure => {
    const description = 'the token lacks a scope this resource requires';
    return authFailure(403, 'insufficient_scope', 'ERR_AUTH_SCOPE_INSUFFICIENT', description, {
      'www-authenticate': challenge(scheme, 'insufficient_scope', description, required.join(' ')),
    });
  };

  return { refuse, unavailable, invalidToken, missing, insufficientScope };
}

/** 403 `csrf_rejected`: no challenge, since the credentials are fine and the request is not. */
export function csrfRejected(reason: string): AuthenticationFailure {
  return authFailure(403, 'csrf_rejected', 'ERR_AUTH_CSRF_REJECTED', reason, {});
}

/** What a client may be told of why its token was refused: enough to act on, no more. */
function describeTokenFailure(failure: VerificationFailure): string {
  switch (failure.code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired';
    case 'ERR_JWT_REVOKED':
      return 'the token has been revoked';
    case 'ERR_JWT_NOT_YET_VALID':
      return 'the token is not valid yet';
    default:
      return 'the token is not valid';
  }
}
