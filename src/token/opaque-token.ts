import { createHash, randomBytes } from 'node:crypto';

/** Bytes of randomness in an opaque token (refresh tokens, client secrets): 256 bits. */
export const OPAQUE_TOKEN_BYTES = 32;

/**
 * A new opaque token: 256 random bits, base64url. Opaque tokens carry no claims; they mean
 * something only to the server that stores their hash.
 *
 * @example
 * const refreshToken = generateOpaqueToken();
 */
export function generateOpaqueToken(): string {
  return randomBytes(OPAQUE_TOKEN_BYTES).toString('base64url');
}

/**
 * The SHA-256 of an opaque token, base64url: what the store keeps instead of the token. A
 * fast hash is enough here because the input has 256 bits of entropy; it is passwords, with
 * little entropy, that need a slow hash.
 */
export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
