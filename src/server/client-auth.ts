import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ClientRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { hashOpaqueToken } from '../token/opaque-token.js';
import { HttpError } from './http-errors.js';

/** A client that identified itself, and whether it proved it with a secret. */
export interface AuthenticatedClient {
  readonly client: ClientRecord;
  readonly confidential: boolean;
}

/** Form fields a token-endpoint request may carry. */
export type FormBody = Readonly<Record<string, string | undefined>>;

/**
 * Identify the client of an OAuth request (RFC 6749 §2.3): HTTP Basic or `client_secret` in
 * the body for confidential clients, `client_id` alone for public ones. Using two methods at
 * once is refused, and so is a public client that sends a secret.
 *
 * @throws HttpError `invalid_request` or `invalid_client` (401).
 */
export async function authenticateClient(
  request: FastifyRequest,
  body: FormBody,
  store: Store,
  firstPartyClientId: string,
): Promise<AuthenticatedClient> {
  const basic = parseBasic(request.headers.authorization);
  if (
    basic !== null &&
    (body['client_secret'] !== undefined ||
      (body['client_id'] !== undefined && body['client_id'] !== basic.id))
  ) {
    throw new HttpError(400, 'invalid_request', 'use one client authentication method');
  }
  const clientId = basic?.id ?? body['client_id'];
  const secret = basic?.secret ?? body['client_secret'];
  const challenge = basic === null ? {} : { 'www-authenticate': 'Basic realm="tessera"' };
  if (clientId === undefined || clientId === '') {
    throw new HttpError(401, 'invalid_client', 'client authentication is required', challenge);
  }
  const client =
    (await store.findClient(clientId)) ??
    (clientId === firstPartyClientId
      ? { clientId, secretHash: null, scopes: [], createdAt: 0 }
      : null);
  if (client === null)
    throw new HttpError(401, 'invalid_client', 'client authentication failed', challenge);
  if (client.secretHash === null) {
    if (secret !== undefined)
      throw new HttpError(401, 'invalid_client', 'client authentication failed', challenge);
    return { client, confidential: false };
  }
  if (secret === undefined || !sameHash(hashOpaqueToken(secret), client.secretHash)) {
    throw new HttpError(401, 'invalid_client', 'client authentication failed', challenge);
  }
  return { client, confidential: true };
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** RFC 6749 §2.3.1: Basic credentials, each part form-urlencoded before base64. */
function parseBasic(header: string | undefined): { id: string; secret: string } | null {
  if (header === undefined) return null;
  const match = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (match === null) return null;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new HttpError(400, 'invalid_request', 'malformed Basic credentials');
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw new HttpError(400, 'invalid_request', 'malformed Basic credentials');
  }
}
