import type { FastifyRequest } from 'fastify';
import type { VerifiedDpopProof } from '../token/dpop-proof.js';
import { checkDpopProof } from '../verifier/http/check-dpop-proof.js';
import { formatChallenge } from '../verifier/http/www-authenticate.js';
import type { DpopContext } from './dpop-context.js';
import { HttpError } from './http-errors.js';
import type { ServerConfig } from './server-config.js';

/** Where a proof is checked: the token endpoint answers 400, a protected resource 401. */
type Place = 'token-endpoint' | 'resource';

interface ProofContext {
  readonly config: Pick<ServerConfig, 'issuer'>;
  readonly dpop: DpopContext;
}

/**
 * The URL a client addressed, as `htu` must name it: the issuer's origin and path prefix
 * (the public address, whatever proxy stands in front) and the request path, without query.
 * Never the Host header: a proof made for another server must not pass here.
 */
export function publicRequestUrl(
  config: Pick<ServerConfig, 'issuer'>,
  request: FastifyRequest,
): string {
  const path = request.url.split('?')[0] ?? '/';
  return `${config.issuer.replace(/\/$/, '')}${path}`;
}

/** RFC 9449 §7.1: a `DPoP` challenge, with the algorithms the server accepts. */
export function dpopChallenge(
  dpop: DpopContext,
  error?: string,
  description?: string,
): Record<string, string> {
  return {
    'www-authenticate': formatChallenge('DPoP', {
      algs: dpop.proofs.algorithms.join(' '),
      error,
      error_description: description,
    }),
  };
}

/**
 * Check the `DPoP` header of a token request (RFC 9449 §5), if it has one: the proof, its
 * single use, and the server nonce when required. Null when the request carries no proof.
 *
 * @throws HttpError 400 `invalid_dpop_proof` or `use_dpop_nonce` (with a `DPoP-Nonce`), 503
 *   while the replay cache is unavailable.
 */
export async function checkTokenRequestProof(
  request: FastifyRequest,
  context: ProofContext,
): Promise<VerifiedDpopProof | null> {
  if (request.headers.dpop === undefined) return null;
  return verifyRequestProof(request, context, 'token-endpoint', {});
}

/**
 * Check the proof that must come with a DPoP-bound access token at a protected resource
 * (RFC 9449 §7): `ath` of this token, the key the token is bound to, this method and URL.
 *
 * @throws HttpError 401 with a `DPoP` challenge (`invalid_dpop_proof`, `use_dpop_nonce`), 503
 *   while the replay cache is unavailable.
 */
export async function checkResourceProof(
  request: FastifyRequest,
  context: ProofContext,
  accessToken: string,
  jkt: string,
): Promise<VerifiedDpopProof> {
  return verifyRequestProof(request, context, 'resource', { accessToken, expectedJkt: jkt });
}

async function verifyRequestProof(
  request: FastifyRequest,
  context: ProofContext,
  place: Place,
  expected: { readonly accessToken?: string; readonly expectedJkt?: string },
): Promise<VerifiedDpopProof> {
  const { dpop } = context;
  const checked = await checkDpopProof(dpop, {
    proof: request.headers.dpop,
    method: request.method,
    url: publicRequestUrl(context.config, request),
    ...expected,
  });
  if (checked.ok) return checked.proof;
  switch (checked.error) {
    case 'temporarily_unavailable':
      request.log.warn({ err: checked.cause }, 'DPoP replay cache unavailable');
      throw new HttpError(503, 'temporarily_unavailable', checked.description, {
        'retry-after': '1',
      });
    case 'use_dpop_nonce':
      throw refusal(
        dpop,
        place,
        checked.error,
        checked.description,
        checked.nonce === undefined ? {} : { 'dpop-nonce': checked.nonce },
      );
    case 'invalid_dpop_proof':
      throw refusal(dpop, place, checked.error, checked.description);
  }
}

function refusal(
  dpop: DpopContext,
  place: Place,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): HttpError {
  if (place === 'token-endpoint') return new HttpError(400, error, description, headers);
  return new HttpError(401, error, description, {
    ...dpopChallenge(dpop, error, description),
    ...headers,
  });
}
