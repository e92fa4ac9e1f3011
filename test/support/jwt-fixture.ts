import { expect } from 'vitest';
import { generateSigningKey } from '../../src/keys/generate-signing-key.js';
import type { SigningKey } from '../../src/keys/signing-key.js';
import { TokenError } from '../../src/token/errors.js';
import { KeySet } from '../../src/token/key-set.js';
import { JwtVerifier, type JwtVerifierOptions } from '../../src/token/verify-jwt.js';
import { forgeJws, TestClock, type RawSigner } from './forge.js';

export const ISSUER = 'https://auth.example.com';
export const AUDIENCE = 'orders';
export const NOW_MS = 1_800_000_000_000;
export const NOW = NOW_MS / 1000;

/** One key per algorithm family, generated once per test file. */
export interface TestKeys {
  readonly ed: SigningKey;
  readonly es: SigningKey;
  readonly rs: SigningKey;
  readonly hs: SigningKey;
}

export async function loadKeys(): Promise<TestKeys> {
  const [ed, es, rs, hs] = await Promise.all([
    generateSigningKey('EdDSA', { kid: 'ed' }),
    generateSigningKey('ES256', { kid: 'es' }),
    generateSigningKey('RS256', { kid: 'rs' }),
    generateSigningKey('HS256', { kid: 'hs' }),
  ]);
  return { ed, es, rs, hs };
}

/** Valid access-token claims at {@link NOW}, with overrides (`undefined` removes a claim). */
export function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    sub: 'user-1',
    aud: AUDIENCE,
    exp: NOW + 900,
    iat: NOW,
    jti: 'jti-1',
    client_id: 'web',
    ...overrides,
  };
}

export function header(
  key: SigningKey,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return { alg: key.alg, kid: key.kid, typ: 'at+jwt', ...overrides };
}

export function signer(key: SigningKey): RawSigner {
  return (data) => key.sign(data);
}

/** A token signed by `key` with the given claim and header overrides. */
export function token(key: SigningKey, claimOverrides = {}, headerOverrides = {}): string {
  return forgeJws(header(key, headerOverrides), claims(claimOverrides), signer(key));
}

/** A verifier trusting `keys`, at {@link NOW} unless another clock is given. */
export function verifier(
  keys: readonly SigningKey[],
  options: Partial<JwtVerifierOptions> = {},
  clock = new TestClock(NOW_MS),
): JwtVerifier {
  return new JwtVerifier({
    keys: new KeySet(keys.map((key) => key.verificationKey)),
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: [...new Set(keys.map((key) => key.alg))],
    clock,
    ...options,
  });
}

/** The TokenError that verifying `jwt` throws; fails the test when it is accepted. */
export function reject(v: JwtVerifier, jwt: string): TokenError {
  try {
    v.verify(jwt);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenError);
    return error as TokenError;
  }
  throw new Error('token was accepted');
}
