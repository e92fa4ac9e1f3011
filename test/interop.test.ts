/**
 * Interoperability with the two JWT libraries Tessera's users are most likely to meet, in both
 * directions and for every algorithm Tessera supports: `jose` (v6) and `jsonwebtoken` (v9).
 */
import {
  createPublicKey,
  createSecretKey,
  generateKeyPair as generateNodeKeyPair,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  generateSecret,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import jwt from 'jsonwebtoken';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, type SigningKey } from '../src/keys/index.js';
import {
  ALGORITHMS,
  computeJwkThumbprint,
  getAlgorithmProfile,
  importVerificationJwk,
  isSymmetricAlgorithm,
  JwtVerifier,
  KeySet,
  signAccessToken,
  type Algorithm,
  type Clock,
  type Jwk,
  type VerificationKey,
} from '../src/token/index.js';
import { catchTokenError } from './support/forge.js';

const ISSUER = 'https://auth.example.com';
const AUDIENCE = 'https://api.example.com';
const SUBJECT = 'user-1';
const CLIENT_ID = 'web';
const SCOPE = 'orders:read orders:write';
/** Every clock in this file: 2026-01-01T00:00:00Z. */
const NOW_SECONDS = 1_767_225_600;
const CLOCK: Clock = { now: () => NOW_SECONDS * 1000 };
const TTL_SECONDS = 300;

/** jsonwebtoken v9 (and the `jwa` package under it) has no EdDSA; everything else it can do. */
type JsonwebtokenAlgorithm = Exclude<Algorithm, 'EdDSA'>;
const JSONWEBTOKEN_ALGORITHMS = ALGORITHMS.filter(
  (alg): alg is JsonwebtokenAlgorithm => alg !== 'EdDSA',
);

const generateNodeKeyPairAsync = promisify(generateNodeKeyPair);

/** A public JWK as a JWKS endpoint would serve it: serialised, then parsed by the other side. */
function overTheWire(jwk: Jwk): JWK {
  return JSON.parse(JSON.stringify(jwk)) as JWK;
}

/** What a verifier outside Tessera gets: the public JWK, or for HMAC the shared secret. */
function exportVerificationJwk(key: SigningKey): Jwk {
  return key.getPublicJwk() ?? key.exportPrivateJwk();
}

/** The same key as a Node `KeyObject`, built from the exported JWK the way a consumer would. */
function toNodeKeyObject(jwk: Jwk): KeyObject {
  if (jwk.kty === 'oct') return createSecretKey(Buffer.from(String(jwk.k), 'base64url'));
  return createPublicKey({ key: jwk, format: 'jwk' });
}

function tesseraVerifier(key: VerificationKey, alg: Algorithm): JwtVerifier {
  return new JwtVerifier({
    keys: new KeySet([key]),
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: [alg],
    clock: CLOCK,
  });
}

function signTesseraToken(key: SigningKey): string {
  return signAccessToken(
    {
      issuer: ISSUER,
      subject: SUBJECT,
      audience: AUDIENCE,
      clientId: CLIENT_ID,
      scope: SCOPE,
      sessionId: 'session-1',
      jti: 'jti-tessera',
      ttlSeconds: TTL_SECONDS,
      clock: CLOCK,
    },
    key,
  );
}

/** A jose key pair (or secret) for `alg`, and the JWK Tessera imports to verify with it. */
interface JoseKey {
  readonly signingKey: CryptoKey;
  readonly jwk: JWK;
}

async function generateJoseKey(alg: Algorithm): Promise<JoseKey> {
  if (isSymmetricAlgorithm(alg)) {
    const secret = await generateSecret(alg, { extractable: true });
    return { signingKey: secret, jwk: await exportJWK(secret) };
  }
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { signingKey: privateKey, jwk: await exportJWK(publicKey) };
}

interface JoseTokenOptions {
  readonly kid: string;
  readonly audience?: string;
  readonly issuedAt?: number;
  readonly expiresAt?: number;
}

function signJoseToken(alg: Algorithm, key: JoseKey, options: JoseTokenOptions): Promise<string> {
  const issuedAt = options.issuedAt ?? NOW_SECONDS;
  return new SignJWT({ client_id: CLIENT_ID, scope: SCOPE })
    .setProtectedHeader({ alg, kid: options.kid, typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setSubject(SUBJECT)
    .setAudience(options.audience ?? AUDIENCE)
    .setJti('jti-jose')
    .setIssuedAt(issuedAt)
    .setExpirationTime(options.expiresAt ?? issuedAt + TTL_SECONDS)
    .sign(key.signingKey);
}

/** A Node key pair (or secret) for jsonwebtoken, and its public JWK (or secret JWK). */
async function generateNodeKey(
  alg: JsonwebtokenAlgorithm,
): Promise<{ signingKey: KeyObject; jwk: Jwk }> {
  const profile = getAlgorithmProfile(alg);
  switch (profile.kty) {
    case 'oct': {
      const secret = randomBytes(profile.minKeyBits / 8);
      return {
        signingKey: createSecretKey(secret),
        jwk: { kty: 'oct', k: secret.toString('base64url') },
      };
    }
    case 'EC': {
      const { privateKey, publicKey } = await generateNodeKeyPairAsync('ec', {
        namedCurve: 'P-256',
      });
      return { signingKey: privateKey, jwk: publicKey.export({ format: 'jwk' }) };
    }
    default: {
      const { privateKey, publicKey } = await generateNodeKeyPairAsync('rsa', {
        modulusLength: 2048,
      });
      return { signingKey: privateKey, jwk: publicKey.export({ format: 'jwk' }) };
    }
  }
}

describe.each(ALGORITHMS)('%s: Tessera signs, jose verifies', (alg) => {
  let key: SigningKey;
  let token: string;

  beforeAll(async () => {
    key = await generateSigningKey(alg);
    token = signTesseraToken(key);
  });

  it('with issuer, audience, typ, algorithm and required claims checked', async () => {
    const { payload, protectedHeader } = await jwtVerify(
      token,
      overTheWire(exportVerificationJwk(key)),
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: 'at+jwt',
        algorithms: [alg],
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        currentDate: new Date(NOW_SECONDS * 1000),
      },
    );
    expect(protectedHeader).toEqual({ alg, kid: key.kid, typ: 'at+jwt' });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: SUBJECT,
      aud: AUDIENCE,
      iat: NOW_SECONDS,
      exp: NOW_SECONDS + TTL_SECONDS,
      jti: 'jti-tessera',
      client_id: CLIENT_ID,
      scope: SCOPE,
      sid: 'session-1',
    });
  });

  it('and the checks are live: jose refuses the token for another audience', async () => {
    await expect(
      jwtVerify(token, overTheWire(exportVerificationJwk(key)), {
        issuer: ISSUER,
        audience: 'https://other.example.com',
        typ: 'at+jwt',
        algorithms: [alg],
        currentDate: new Date(NOW_SECONDS * 1000),
      }),
    ).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
  });

  it("Tessera's kid (an RFC 7638 thumbprint) matches jose's thumbprint of the same key", async () => {
    const jwk = overTheWire(exportVerificationJwk(key));
    expect(await calculateJwkThumbprint(jwk)).toBe(key.kid);
    expect(computeJwkThumbprint(exportVerificationJwk(key))).toBe(key.kid);
  });
});

describe.each(JSONWEBTOKEN_ALGORITHMS)('%s: Tessera signs, jsonwebtoken verifies', (alg) => {
  let key: SigningKey;
  let token: string;

  beforeAll(async () => {
    key = await generateSigningKey(alg);
    token = signTesseraToken(key);
  });

  it('with issuer, audience and algorithm checked, from a KeyObject', () => {
    const decoded = jwt.verify(token, toNodeKeyObject(exportVerificationJwk(key)), {
      algorithms: [alg],
      issuer: ISSUER,
      audience: AUDIENCE,
      subject: SUBJECT,
      clockTimestamp: NOW_SECONDS,
      complete: true,
    });
    // jsonwebtoken has no typ check; look at the header it returns.
    expect(decoded.header).toEqual({ alg, kid: key.kid, typ: 'at+jwt' });
    expect(decoded.payload).toMatchObject({
      iss: ISSUER,
      sub: SUBJECT,
      aud: AUDIENCE,
      exp: NOW_SECONDS + TTL_SECONDS,
      client_id: CLIENT_ID,
      scope: SCOPE,
    });
  });

  it('and the checks are live: jsonwebtoken refuses it once expired', () => {
    expect(() =>
      jwt.verify(token, toNodeKeyObject(exportVerificationJwk(key)), {
        algorithms: [alg],
        issuer: ISSUER,
        audience: AUDIENCE,
        clockTimestamp: NOW_SECONDS + TTL_SECONDS,
      }),
    ).toThrow(jwt.TokenExpiredError);
  });
});

describe.each(ALGORITHMS)('%s: jose signs, Tessera verifies', (alg) => {
  let joseKey: JoseKey;
  let key: VerificationKey;

  beforeAll(async () => {
    joseKey = await generateJoseKey(alg);
    key = importVerificationJwk(joseKey.jwk, alg);
  });

  it('an access token, on the calling thread and on the thread pool', async () => {
    const token = await signJoseToken(alg, joseKey, { kid: key.kid });
    const verifier = tesseraVerifier(key, alg);
    const result = verifier.verify(token);
    expect(result.key).toBe(key);
    expect(result.header).toEqual({ alg, kid: key.kid, typ: 'at+jwt' });
    expect(result.claims).toEqual({
      iss: ISSUER,
      sub: SUBJECT,
      aud: AUDIENCE,
      iat: NOW_SECONDS,
      exp: NOW_SECONDS + TTL_SECONDS,
      jti: 'jti-jose',
      client_id: CLIENT_ID,
      scope: SCOPE,
    });
    expect((await verifier.verifyAsync(token)).claims).toEqual(result.claims);
  });

  it('refuses a token for another audience with ERR_JWT_CLAIM_INVALID (aud)', async () => {
    const token = await signJoseToken(alg, joseKey, {
      kid: key.kid,
      audience: 'https://other.example.com',
    });
    const error = catchTokenError(() => tesseraVerifier(key, alg).verify(token));
    expect(error.code).toBe('ERR_JWT_CLAIM_INVALID');
    expect(error.claim).toBe('aud');
  });

  it('refuses an expired token with ERR_JWT_EXPIRED', async () => {
    // Expired an hour ago: well past the default 30 s clock tolerance.
    const token = await signJoseToken(alg, joseKey, {
      kid: key.kid,
      issuedAt: NOW_SECONDS - 3600 - TTL_SECONDS,
      expiresAt: NOW_SECONDS - 3600,
    });
    const error = catchTokenError(() => tesseraVerifier(key, alg).verify(token));
    expect(error.code).toBe('ERR_JWT_EXPIRED');
    expect(error.claim).toBe('exp');
  });

  it('refuses a token signed by another key under the same kid', async () => {
    const other = await generateJoseKey(alg);
    const token = await signJoseToken(alg, other, { kid: key.kid });
    const error = catchTokenError(() => tesseraVerifier(key, alg).verify(token));
    expect(error.code).toBe('ERR_JWS_SIGNATURE_INVALID');
  });
});

describe.each(JSONWEBTOKEN_ALGORITHMS)('%s: jsonwebtoken signs, Tessera verifies', (alg) => {
  let signingKey: KeyObject;
  let key: VerificationKey;

  beforeAll(async () => {
    const generated = await generateNodeKey(alg);
    signingKey = generated.signingKey;
    key = importVerificationJwk(generated.jwk, alg);
  });

  function signJsonwebtoken(audience = AUDIENCE): string {
    return jwt.sign({ iat: NOW_SECONDS, client_id: CLIENT_ID, scope: SCOPE }, signingKey, {
      algorithm: alg,
      keyid: key.kid,
      header: { alg, typ: 'at+jwt' },
      issuer: ISSUER,
      subject: SUBJECT,
      audience,
      jwtid: 'jti-jsonwebtoken',
      expiresIn: TTL_SECONDS,
    });
  }

  it('an access token', () => {
    const result = tesseraVerifier(key, alg).verify(signJsonwebtoken());
    expect(result.header).toEqual({ alg, kid: key.kid, typ: 'at+jwt' });
    expect(result.claims).toEqual({
      iss: ISSUER,
      sub: SUBJECT,
      aud: AUDIENCE,
      iat: NOW_SECONDS,
      exp: NOW_SECONDS + TTL_SECONDS,
      jti: 'jti-jsonwebtoken',
      client_id: CLIENT_ID,
      scope: SCOPE,
    });
  });

  it('refuses a token for another audience with ERR_JWT_CLAIM_INVALID (aud)', () => {
    const token = signJsonwebtoken('https://other.example.com');
    const error = catchTokenError(() => tesseraVerifier(key, alg).verify(token));
    expect(error.code).toBe('ERR_JWT_CLAIM_INVALID');
    expect(error.claim).toBe('aud');
  });
});

describe('jsonwebtoken v9 and EdDSA', () => {
  // Why EdDSA is left out of the jsonwebtoken suites above. Should jsonwebtoken learn EdDSA,
  // these fail, and EdDSA belongs back in JSONWEBTOKEN_ALGORITHMS.
  let key: SigningKey;

  beforeAll(async () => {
    key = await generateSigningKey('EdDSA');
  });

  it('cannot sign EdDSA', async () => {
    const { privateKey } = await generateNodeKeyPairAsync('ed25519');
    const eddsa: string = 'EdDSA';
    expect(() =>
      jwt.sign({ sub: SUBJECT }, privateKey, { algorithm: eddsa as jwt.Algorithm }),
    ).toThrow(/"algorithm" must be a valid string enum value/);
  });

  it('cannot verify an EdDSA token', () => {
    const publicKey = toNodeKeyObject(exportVerificationJwk(key));
    expect(() =>
      jwt.verify(signTesseraToken(key), publicKey, { clockTimestamp: NOW_SECONDS }),
    ).toThrow(jwt.JsonWebTokenError);
  });
});
