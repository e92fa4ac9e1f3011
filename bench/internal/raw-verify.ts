import { createHmac, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import {
  ACCESS_TOKEN_TYP,
  AUDIENCE,
  ISSUER,
  type BenchAlgorithm,
  type VerifyFixture,
} from './verify-fixtures.js';

/**
 * The floor: what verifying an access token costs with bare `node:crypto` and no more care
 * than a hand-written check would take. No strict base64url, no key lookup, no claim types.
 * Anything a library spends above this is the price of its checks and its structure.
 */

interface RawHeader {
  readonly alg?: unknown;
  readonly typ?: unknown;
}

interface RawClaims {
  readonly iss?: unknown;
  readonly aud?: unknown;
  readonly exp?: unknown;
  readonly nbf?: unknown;
  readonly sub?: unknown;
}

interface Decoded {
  readonly header: RawHeader;
  readonly claims: RawClaims;
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

type SignatureCheck = (signingInput: Buffer, signature: Buffer) => boolean;
type AsyncSignatureCheck = (signingInput: Buffer, signature: Buffer) => Promise<boolean>;

/** The floor, synchronous: returns the claims or throws. */
export function createRawVerify(fixture: VerifyFixture): (token: string) => RawClaims {
  const { alg } = fixture;
  const check = createSignatureCheck(alg, fixture.keyObject);
  return (token) => {
    const decoded = decode(token);
    if (!check(decoded.signingInput, decoded.signature)) throw new Error('bad signature');
    return checkClaims(decoded, alg);
  };
}

/** The floor with the signature checked on libuv's thread pool (callback `crypto.verify`). */
export function createRawVerifyAsync(
  fixture: VerifyFixture,
): (token: string) => Promise<RawClaims> {
  const { alg } = fixture;
  const check = createAsyncSignatureCheck(alg, fixture.keyObject);
  return async (token) => {
    const decoded = decode(token);
    if (!(await check(decoded.signingInput, decoded.signature))) throw new Error('bad signature');
    return checkClaims(decoded, alg);
  };
}

function decode(token: string): Decoded {
  const [header, payload, signature] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined) {
    throw new Error('malformed token');
  }
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()) as RawHeader,
    claims: JSON.parse(Buffer.from(payload, 'base64url').toString()) as RawClaims,
    signingInput: Buffer.from(token.slice(0, header.length + 1 + payload.length), 'latin1'),
    signature: Buffer.from(signature, 'base64url'),
  };
}

function checkClaims({ header, claims }: Decoded, alg: BenchAlgorithm): RawClaims {
  if (header.alg !== alg) throw new Error('unexpected alg');
  if (header.typ !== ACCESS_TOKEN_TYP) throw new Error('unexpected typ');
  const now = Date.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw new Error('expired');
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now)) {
    throw new Error('not yet valid');
  }
  if (claims.iss !== ISSUER) throw new Error('unexpected iss');
  const aud = claims.aud;
  if (aud !== AUDIENCE && !(Array.isArray(aud) && aud.includes(AUDIENCE))) {
    throw new Error('unexpected aud');
  }
  return claims;
}

function createSignatureCheck(alg: BenchAlgorithm, key: KeyObject): SignatureCheck {
  switch (alg) {
    case 'EdDSA':
      return (input, signature) => cryptoVerify(null, input, key, signature);
    case 'ES256': {
      const es256Key = { key, dsaEncoding: 'ieee-p1363' } as const;
      return (input, signature) => cryptoVerify('sha256', input, es256Key, signature);
    }
    case 'RS256':
      return (input, signature) => cryptoVerify('sha256', input, key, signature);
    case 'HS256':
      return (input, signature) =>
        signature.length === 32 &&
        timingSafeEqual(createHmac('sha256', key).update(input).digest(), signature);
  }
}

function createAsyncSignatureCheck(alg: BenchAlgorithm, key: KeyObject): AsyncSignatureCheck {
  if (alg === 'HS256') {
    const check = createSignatureCheck(alg, key);
    return (input, signature) => Promise.resolve(check(input, signature));
  }
  const digest = alg === 'EdDSA' ? null : 'sha256';
  const verifyKey = alg === 'ES256' ? ({ key, dsaEncoding: 'ieee-p1363' } as const) : key;
  return (input, signature) =>
    new Promise((resolve) => {
      cryptoVerify(digest, input, verifyKey, signature, (error, ok) => {
        resolve(error === null && ok);
      });
    });
}
