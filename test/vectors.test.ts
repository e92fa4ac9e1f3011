/**
 * Published test vectors, kept as data in `test/vectors/` with the spec URL they come from:
 * RFC 7515 Appendix A.1-A.3 (HS256, RS256, ES256), RFC 8037 Appendix A.4 (Ed25519) and the
 * JWK thumbprints of RFC 7638 §3.1 and RFC 8037 Appendix A.3.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importSigningKey } from '../src/keys/index.js';
import {
  computeJwkThumbprint,
  decodeBase64Url,
  importVerificationJwk,
  isAlgorithm,
  JwtVerifier,
  KeyError,
  KeySet,
  stripPrivateMembers,
  type Algorithm,
  type Clock,
  type Jwk,
  type VerificationKey,
} from '../src/token/index.js';
import { catchTokenError } from './support/forge.js';

/** A JWS example: the RFC's key (private members included, as printed) and its token. */
interface JwsVector {
  readonly title: string;
  readonly spec: string;
  readonly alg: Algorithm;
  readonly jwk: Jwk;
  /** The exact protected header octets, which the RFC spells out (CRLFs and all). */
  readonly protectedHeader: string;
  /** The exact payload octets. */
  readonly payloadText: string;
  /** The payload as JSON, where it is JSON. */
  readonly payload?: Readonly<Record<string, unknown>>;
  readonly token: string;
}

interface ThumbprintVector {
  readonly title: string;
  readonly spec: string;
  readonly jwk: Jwk;
  readonly thumbprint: string;
}

function readVector(name: string): Record<string, unknown> {
  const value: unknown = JSON.parse(
    readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8'),
  );
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} is not a JSON object`);
  }
  const record = value as Record<string, unknown>;
  for (const field of ['title', 'spec']) {
    if (typeof record[field] !== 'string') throw new TypeError(`${name} has no ${field}`);
  }
  if (typeof record['jwk'] !== 'object' || record['jwk'] === null) {
    throw new TypeError(`${name} has no jwk`);
  }
  return record;
}

function loadJwsVector(name: string): JwsVector {
  const record = readVector(name);
  const { alg, protectedHeader, payloadText, token } = record;
  if (!isAlgorithm(alg)) throw new TypeError(`${name} has no supported alg`);
  if (
    typeof protectedHeader !== 'string' ||
    typeof payloadText !== 'string' ||
    typeof token !== 'string'
  ) {
    throw new TypeError(`${name} lacks protectedHeader, payloadText or token`);
  }
  return record as unknown as JwsVector;
}

function loadThumbprintVector(name: string): ThumbprintVector {
  const record = readVector(name);
  if (typeof record['thumbprint'] !== 'string') throw new TypeError(`${name} has no thumbprint`);
  return record as unknown as ThumbprintVector;
}

/** The three pieces of a compact JWS. */
function splitToken(token: string): { signingInput: string; signature: Buffer; parts: string[] } {
  const parts = token.split('.');
  expect(parts).toHaveLength(3);
  const [header = '', payload = '', signature = ''] = parts;
  return { signingInput: `${header}.${payload}`, signature: decodeBase64Url(signature), parts };
}

/**
 * Change the first character of the signature segment. Only the last character of a segment
 * carries unused bits, so the result is still canonical base64url and gets as far as the
 * signature check instead of failing as malformed.
 */
function flipSignatureCharacter(token: string): string {
  const at = token.lastIndexOf('.') + 1;
  const replacement = token.charAt(at) === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${replacement}${token.slice(at + 1)}`;
}

function fixedClock(seconds: number): Clock {
  return { now: () => seconds * 1000 };
}

const RFC7515_A1 = loadJwsVector('rfc7515-a1-hs256.json');
const RFC7515_A2 = loadJwsVector('rfc7515-a2-rs256.json');
const RFC7515_A3 = loadJwsVector('rfc7515-a3-es256.json');
const RFC7515_VECTORS = [RFC7515_A1, RFC7515_A2, RFC7515_A3];
const RFC8037_VECTOR = loadJwsVector('rfc8037-a4-ed25519.json');
const RFC7638_THUMBPRINT = loadThumbprintVector('rfc7638-s3.1-thumbprint.json');
const RFC8037_THUMBPRINT = loadThumbprintVector('rfc8037-a3-thumbprint.json');

/** RFC 7515 A.1-A.3 all carry `exp` 1300819380 (2011-03-22T18:43:00Z); check a minute before. */
const RFC7515_EXP = 1300819380;
const BEFORE_RFC7515_EXP = fixedClock(RFC7515_EXP - 60);

/** Import the public half of a vector's key (for HMAC, the secret itself) for its algorithm. */
function importVectorKey(vector: JwsVector): VerificationKey {
  const jwk = vector.jwk.kty === 'oct' ? vector.jwk : stripPrivateMembers(vector.jwk);
  return importVerificationJwk(jwk, vector.alg);
}

/** A strict verifier configured as far as these old vectors allow: no `typ`, issuer "joe". */
function rfc7515Verifier(vector: JwsVector, issuer = 'joe'): JwtVerifier {
  return new JwtVerifier({
    keys: new KeySet([importVectorKey(vector)]),
    issuer,
    audience: 'https://api.example.com',
    algorithms: [vector.alg],
    typ: false,
    clock: BEFORE_RFC7515_EXP,
  });
}

describe.each(RFC7515_VECTORS)('$title', (vector) => {
  it('is self-consistent data: the token decodes to the RFC octets', () => {
    expect(vector.spec).toMatch(/^https:\/\/www\.rfc-editor\.org\/rfc\/rfc7515#appendix-A\.[1-3]$/);
    const { parts } = splitToken(vector.token);
    expect(decodeBase64Url(parts[0] ?? '').toString('utf8')).toBe(vector.protectedHeader);
    expect(decodeBase64Url(parts[1] ?? '').toString('utf8')).toBe(vector.payloadText);
    expect(JSON.parse(vector.payloadText)).toEqual(vector.payload);
    expect(vector.payload).toEqual({
      iss: 'joe',
      exp: RFC7515_EXP,
      'http://example.com/is_root': true,
    });
    expect(JSON.parse(vector.protectedHeader)).toMatchObject({ alg: vector.alg });
  });

  it("the RFC's key verifies the RFC's signature, and nothing else", () => {
    const key = importVectorKey(vector);
    expect(key.alg).toBe(vector.alg);
    const { signingInput, signature } = splitToken(vector.token);
    expect(key.verifySignature(signingInput, signature)).toBe(true);
    // Same signature over a different signing input, and a different signature.
    expect(key.verifySignature(`${signingInput}x`, signature)).toBe(false);
    const tampered = splitToken(flipSignatureCharacter(vector.token)).signature;
    expect(tampered.equals(signature)).toBe(false);
    expect(key.verifySignature(signingInput, tampered)).toBe(false);
  });

  it('JwtVerifier checks the signature, then refuses the token for its missing aud', async () => {
    const verifier = rfc7515Verifier(vector);
    // The token passes the signature check and every claim rule up to `aud`, which Tessera
    // requires and these pre-RFC 9068 examples never had.
    const error = catchTokenError(() => verifier.verify(vector.token));
    expect(error.code).toBe('ERR_JWT_CLAIM_MISSING');
    expect(error.claim).toBe('aud');
    await expect(verifier.verifyAsync(vector.token)).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_MISSING',
      claim: 'aud',
    });
  });

  it('the same token with one signature character flipped fails the signature check', async () => {
    // Only the signature differs from the test above, and the error moves from the claims to
    // the signature: the signature is what was verified, and before any claim was looked at.
    const verifier = rfc7515Verifier(vector);
    const tampered = flipSignatureCharacter(vector.token);
    expect(tampered).not.toBe(vector.token);
    const error = catchTokenError(() => verifier.verify(tampered));
    expect(error.code).toBe('ERR_JWS_SIGNATURE_INVALID');
    await expect(verifier.verifyAsync(tampered)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_INVALID',
    });
  });

  it('the verified payload reaches the claim rules: another issuer is refused', () => {
    const error = catchTokenError(() => rfc7515Verifier(vector, 'not-joe').verify(vector.token));
    expect(error.code).toBe('ERR_JWT_CLAIM_INVALID');
    expect(error.claim).toBe('iss');
  });

  it('the default typ (at+jwt) refuses these untyped or JWT-typed examples', () => {
    const verifier = new JwtVerifier({
      keys: new KeySet([importVectorKey(vector)]),
      issuer: 'joe',
      audience: 'https://api.example.com',
      algorithms: [vector.alg],
      clock: BEFORE_RFC7515_EXP,
    });
    expect(catchTokenError(() => verifier.verify(vector.token)).code).toBe('ERR_JWT_TYPE_INVALID');
  });

  it('an allowlist without the algorithm refuses the token', () => {
    const verifier = new JwtVerifier({
      keys: new KeySet([importVectorKey(vector)]),
      issuer: 'joe',
      audience: 'https://api.example.com',
      algorithms: ['EdDSA'],
      typ: false,
      clock: BEFORE_RFC7515_EXP,
    });
    expect(catchTokenError(() => verifier.verify(vector.token)).code).toBe(
      'ERR_JWS_ALG_NOT_ALLOWED',
    );
  });
});

describe('RFC 7515 A.1 HS256 key', () => {
  it('is a 64-byte oct key that imports only with an explicit HMAC algorithm', () => {
    expect(RFC7515_A1.alg).toBe('HS256');
    const jwk = RFC7515_A1.jwk;
    expect(decodeBase64Url(String(jwk.k))).toHaveLength(64);
    expect(importVerificationJwk(jwk, 'HS256').alg).toBe('HS256');
    // An oct JWK without `alg` fits several algorithms; Tessera will not guess.
    expect(() => importVerificationJwk(jwk)).toThrow(KeyError);
    expect(() => importVerificationJwk(jwk)).toThrow(/needs an alg/);
  });
});

describe("Tessera's signer reproduces the RFC signatures", () => {
  // HMAC and RSASSA-PKCS1-v1_5 are deterministic, so the bytes must match exactly.
  it.each([RFC7515_A1, RFC7515_A2])('$title', (vector) => {
    const signer = importSigningKey(vector.jwk, { alg: vector.alg });
    const { signingInput, signature } = splitToken(vector.token);
    expect(signer.sign(Buffer.from(signingInput, 'latin1')).equals(signature)).toBe(true);
  });

  it('RFC 7515 A.3 (ECDSA is randomised): a fresh signature verifies under the RFC key', () => {
    const vector = RFC7515_A3;
    const signer = importSigningKey(vector.jwk, { alg: 'ES256' });
    // `d` and the public `x`, `y` belong together.
    expect(signer.getPublicJwk()).toMatchObject({ x: vector.jwk.x, y: vector.jwk.y });
    const { signingInput, signature } = splitToken(vector.token);
    const fresh = signer.sign(Buffer.from(signingInput, 'latin1'));
    expect(fresh).toHaveLength(64);
    expect(fresh.equals(signature)).toBe(false);
    expect(importVectorKey(vector).verifySignature(signingInput, fresh)).toBe(true);
  });

  it('RFC 8037 A.4 (Ed25519 is deterministic)', () => {
    const signer = importSigningKey(RFC8037_VECTOR.jwk, { alg: 'EdDSA' });
    expect(signer.getPublicJwk()?.x).toBe(RFC8037_VECTOR.jwk.x);
    const { signingInput, signature } = splitToken(RFC8037_VECTOR.token);
    expect(signer.sign(Buffer.from(signingInput, 'latin1')).equals(signature)).toBe(true);
  });
});

describe(RFC8037_VECTOR.title, () => {
  const vector = RFC8037_VECTOR;

  function ed25519Verifier(): JwtVerifier {
    return new JwtVerifier({
      keys: new KeySet([importVectorKey(vector)]),
      issuer: 'https://auth.example.com',
      audience: 'https://api.example.com',
      algorithms: ['EdDSA'],
      typ: false,
    });
  }

  it('is self-consistent data: the token decodes to the RFC octets', () => {
    expect(vector.spec).toBe('https://www.rfc-editor.org/rfc/rfc8037#appendix-A.4');
    expect(vector.alg).toBe('EdDSA');
    const { parts } = splitToken(vector.token);
    expect(decodeBase64Url(parts[0] ?? '').toString('utf8')).toBe(vector.protectedHeader);
    expect(decodeBase64Url(parts[1] ?? '').toString('utf8')).toBe('Example of Ed25519 signing');
  });

  it("the RFC's public key verifies the RFC's signature, and nothing else", () => {
    const key = importVectorKey(vector);
    expect(key.alg).toBe('EdDSA');
    const { signingInput, signature } = splitToken(vector.token);
    expect(key.verifySignature(signingInput, signature)).toBe(true);
    expect(key.verifySignature(`${signingInput}x`, signature)).toBe(false);
    const tampered = splitToken(flipSignatureCharacter(vector.token)).signature;
    expect(key.verifySignature(signingInput, tampered)).toBe(false);
  });

  it('the same check on the thread pool', async () => {
    const key = importVectorKey(vector);
    const { signingInput, signature } = splitToken(vector.token);
    await expect(key.verifySignatureAsync(signingInput, signature)).resolves.toBe(true);
    const tampered = splitToken(flipSignatureCharacter(vector.token)).signature;
    await expect(key.verifySignatureAsync(signingInput, tampered)).resolves.toBe(false);
  });

  it('JwtVerifier verifies the signature, then refuses a payload that is not a JSON object', () => {
    const error = catchTokenError(() => ed25519Verifier().verify(vector.token));
    expect(error.code).toBe('ERR_JWS_MALFORMED');
  });

  it('JwtVerifier refuses the tampered token at the signature, before reading the payload', () => {
    const tampered = flipSignatureCharacter(vector.token);
    const error = catchTokenError(() => ed25519Verifier().verify(tampered));
    expect(error.code).toBe('ERR_JWS_SIGNATURE_INVALID');
  });
});

describe('RFC 7638 JWK thumbprints', () => {
  it(RFC7638_THUMBPRINT.title, () => {
    expect(RFC7638_THUMBPRINT.spec).toBe('https://www.rfc-editor.org/rfc/rfc7638#section-3.1');
    // The RFC's JWK carries `alg` and `kid`, which the thumbprint must leave out.
    expect(RFC7638_THUMBPRINT.jwk).toMatchObject({ alg: 'RS256', kid: '2011-04-29' });
    expect(computeJwkThumbprint(RFC7638_THUMBPRINT.jwk)).toBe(RFC7638_THUMBPRINT.thumbprint);
  });

  it(RFC8037_THUMBPRINT.title, () => {
    expect(RFC8037_THUMBPRINT.spec).toBe('https://www.rfc-editor.org/rfc/rfc8037#appendix-A.3');
    expect(computeJwkThumbprint(RFC8037_THUMBPRINT.jwk)).toBe(RFC8037_THUMBPRINT.thumbprint);
  });

  it('is the default kid of an imported key', () => {
    expect(importVerificationJwk(RFC8037_THUMBPRINT.jwk).kid).toBe(RFC8037_THUMBPRINT.thumbprint);
    // ...and of the RFC 8037 A.1 private key, whose public half is the A.2 key.
    expect(computeJwkThumbprint(RFC8037_VECTOR.jwk)).toBe(RFC8037_THUMBPRINT.thumbprint);
  });

  it('ignores private members: the RFC 7515 A.2 private JWK and its public half agree', () => {
    const jwk = RFC7515_A2.jwk;
    expect(jwk.d).toBeTypeOf('string');
    expect(computeJwkThumbprint(jwk)).toBe(computeJwkThumbprint(stripPrivateMembers(jwk)));
  });
});
