import { webcrypto, type KeyObject } from 'node:crypto';
import { generateSigningKey, KeySet, signAccessToken } from '../../src/index.js';

/** The algorithms the verify benchmark covers. */
export type BenchAlgorithm = 'EdDSA' | 'ES256' | 'RS256' | 'HS256';

export const BENCH_ALGORITHMS: readonly BenchAlgorithm[] = ['EdDSA', 'ES256', 'RS256', 'HS256'];

export const ISSUER = 'https://auth.example.com';
export const AUDIENCE = 'https://api.example.com';
/** RFC 9068 §2.1: the media type of JWT access tokens. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** One token and one key, handed to every contender in the form it takes. */
export interface VerifyFixture {
  readonly alg: BenchAlgorithm;
  /** An RFC 9068 access token signed by Tessera. */
  readonly token: string;
  /** Tessera's key set holding the one verification key. */
  readonly keySet: KeySet;
  /** The verification key as a `KeyObject`: the public key, or the HMAC secret. */
  readonly keyObject: KeyObject;
  /** The same key as fast-jwt takes it (it accepts no `KeyObject`): SPKI PEM or secret bytes. */
  readonly fastJwtKey: string | Buffer;
  /** The same key imported once into Web Crypto, the form jose verifies with. */
  readonly cryptoKey: webcrypto.CryptoKey;
}

/** Web Crypto import parameters for each algorithm's verification key. */
const WEB_CRYPTO_PARAMS: Readonly<
  Record<
    BenchAlgorithm,
    | webcrypto.AlgorithmIdentifier
    | webcrypto.EcKeyImportParams
    | webcrypto.RsaHashedImportParams
    | webcrypto.HmacImportParams
  >
> = {
  EdDSA: { name: 'Ed25519' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  HS256: { name: 'HMAC', hash: 'SHA-256' },
};

/** Generate a key for `alg` and sign a typical access token with it. */
export async function createVerifyFixture(alg: BenchAlgorithm): Promise<VerifyFixture> {
  const signingKey = await generateSigningKey(alg);
  const token = signAccessToken(
    {
      issuer: ISSUER,
      subject: 'user-2f7c9a41-5d0e-4b8a-9c3f-1e6d8b2a7f90',
      audience: AUDIENCE,
      clientId: 'orders-web',
      scope: 'openid profile orders:read orders:write',
      ttlSeconds: 3600,
    },
    signingKey,
  );
  const verificationKey = signingKey.verificationKey;
  const keyObject = verificationKey.keyObject;
  const isSecret = keyObject.type === 'secret';
  const fastJwtKey = isSecret
    ? keyObject.export()
    : keyObject.export({ type: 'spki', format: 'pem' }).toString();
  const cryptoKey = await webcrypto.subtle.importKey(
    isSecret ? 'raw' : 'spki',
    isSecret ? keyObject.export() : keyObject.export({ type: 'spki', format: 'der' }),
    WEB_CRYPTO_PARAMS[alg],
    false,
    ['verify'],
  );
  return {
    alg,
    token,
    keySet: new KeySet([verificationKey]),
    keyObject,
    fastJwtKey,
    cryptoKey,
  };
}
