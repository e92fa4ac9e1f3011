import { createHmac, createPrivateKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { forgeJws, type RawSigner } from '../../test/support/forge.js';
import {
  AUDIENCE,
  claims,
  header,
  ISSUER,
  loadKeys,
  NOW,
  reject,
  signer,
  token,
  verifier,
  type TestKeys,
} from '../../test/support/jwt-fixture.js';
import type { SigningKey } from '../keys/signing-key.js';

let ed: SigningKey;
let es: SigningKey;
let rs: SigningKey;
let hs: SigningKey;

beforeAll(async () => {
  ({ ed, es, rs, hs } = (await loadKeys()) satisfies TestKeys);
});

describe('JwtVerifier accepts', () => {
  it.each(['EdDSA', 'ES256', 'RS256', 'HS256'] as const)('a valid %s access token', (alg) => {
    const key = { EdDSA: ed, ES256: es, RS256: rs, HS256: hs }[alg];
    const result = verifier([key]).verify(token(key));
    expect(result.claims.sub).toBe('user-1');
    expect(result.key.kid).toBe(key.kid);
    expect(result.header.alg).toBe(alg);
  });

  it('the same token through verifyAsync', async () => {
    const result = await verifier([ed]).verifyAsync(token(ed));
    expect(result.claims.jti).toBe('jti-1');
  });

  it('a token without kid when the set holds exactly one key', () => {
    expect(verifier([ed]).verify(token(ed, {}, { kid: undefined })).claims.sub).toBe('user-1');
  });

  it('typ as a full media type in any letter case (RFC 7515 §4.1.9)', () => {
    const v = verifier([ed]);
    expect(v.verify(token(ed, {}, { typ: 'application/at+jwt' })).claims.sub).toBe('user-1');
    expect(v.verify(token(ed, {}, { typ: 'AT+JWT' })).claims.sub).toBe('user-1');
  });

  it('aud as an array that contains the audience', () => {
    expect(verifier([ed]).verify(token(ed, { aud: ['billing', AUDIENCE] })).claims.sub).toBe(
      'user-1',
    );
  });
});

describe('JwtVerifier refuses malformed tokens before any crypto', () => {
  it('a token over the size limit, before decoding anything', () => {
    const v = verifier([ed], { maxTokenBytes: 1024 });
    const big = token(ed, { pad: 'x'.repeat(2000) });
    expect(reject(v, big).code).toBe('ERR_JWS_TOO_LARGE');
    // Not even the shape is looked at: a huge string of garbage gets the same answer.
    expect(reject(verifier([ed]), '!'.repeat(8193)).code).toBe('ERR_JWS_TOO_LARGE');
    expect(verifier([ed]).verify(token(ed, { pad: 'x'.repeat(2000) })).claims.sub).toBe('user-1');
  });

  it.each([
    ['two segments', (t: string) => t.slice(0, t.lastIndexOf('.'))],
    ['four segments', (t: string) => `${t}.AAAA`],
    ['a JWE-shaped five segments', (t: string) => `${t}.AAAA.AAAA`],
    ['an empty string', () => ''],
    ['only dots', () => '..'],
  ])('%s', (_name, mutate) => {
    expect(reject(verifier([ed]), mutate(token(ed))).code).toBe('ERR_JWS_MALFORMED');
  });

  it.each([
    ['padding', (t: string) => t.replace('.', '=.')],
    ['whitespace', (t: string) => t.replace('.', ' .')],
    ['a newline', (t: string) => `${t.slice(0, 10)}\n${t.slice(10)}`],
    ['base64 (not url) characters', (t: string) => `${t.slice(0, -2)}+/`],
    ['a non-ASCII character', (t: string) => t.replace('.', 'é.')],
  ])('a segment with %s', (_name, mutate) => {
    const jwt = token(ed);
    const mutated = mutate(jwt);
    expect(mutated).not.toBe(jwt);
    expect(reject(verifier([ed]), mutated).code).toBe('ERR_JWS_MALFORMED');
  });

  it('a non-canonical signature encoding that decodes to the same bytes', () => {
    const jwt = token(ed);
    // 64 bytes encode to 86 characters: the last one carries 4 unused bits.
    const last = jwt.at(-1) ?? '';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] ?? '';
    const forged = jwt.slice(0, -1) + sibling;
    // Node would decode both to the same signature, so without the check this would verify.
    expect(Buffer.from(forged.split('.')[2] ?? '', 'base64url')).toEqual(
      Buffer.from(jwt.split('.')[2] ?? '', 'base64url'),
    );
    expect(reject(verifier([ed]), forged).code).toBe('ERR_JWS_MALFORMED');
  });

  it.each([
    ['an array', []],
    ['a string', 'header'],
    ['null', null],
  ])('a header that is %s', (_name, value) => {
    const jwt = forgeJws(value, claims(), signer(ed));
    expect(reject(verifier([ed]), jwt).code).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('a header that is not JSON', () => {
    const jwt = token(ed);
    const bad = `${Buffer.from('{"alg":"EdDSA",').toString('base64url')}${jwt.slice(jwt.indexOf('.'))}`;
    expect(reject(verifier([ed]), bad).code).toBe('ERR_JWS_MALFORMED');
  });

  it('claims that are not a JSON object, even when correctly signed', () => {
    const v = verifier([ed]);
    expect(reject(v, forgeJws(header(ed), ['iss', ISSUER], signer(ed))).code).toBe(
      'ERR_JWS_MALFORMED',
    );
    expect(reject(v, forgeJws(header(ed), null, signer(ed), { rawPayload: '{"iss":' })).code).toBe(
      'ERR_JWS_MALFORMED',
    );
  });

  it('deeply nested JSON without throwing anything but a TokenError', () => {
    const deep = `${'['.repeat(3000)}${']'.repeat(3000)}`;
    const jwt = forgeJws(header(ed), null, signer(ed), { rawPayload: deep });
    expect(reject(verifier([ed]), jwt).code).toBe('ERR_JWS_MALFORMED');
  });
});

describe('JwtVerifier refuses algorithm attacks', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])('alg %s with a signature', (alg) => {
    const jwt = forgeJws(header(ed, { alg }), claims(), signer(ed));
    expect(reject(verifier([ed]), jwt).code).toBe('ERR_JWS_ALG_NOT_ALLOWED');
  });

  it.each(['none', 'None', 'NONE'])('alg %s with the signature stripped', (alg) => {
    const jwt = forgeJws(header(ed, { alg }), claims(), null);
    expect(reject(verifier([ed]), jwt).code).toBe('ERR_JWS_MALFORMED');
  });

  it('a valid token whose signature is stripped', () => {
    const jwt = token(ed);
    expect(reject(verifier([ed]), jwt.slice(0, jwt.lastIndexOf('.') + 1)).code).toBe(
      'ERR_JWS_MALFORMED',
    );
  });

  it('an algorithm outside the allowlist, even with a good signature', () => {
    const v = verifier([ed, es], { algorithms: ['EdDSA'] });
    expect(reject(v, token(es)).code).toBe('ERR_JWS_ALG_NOT_ALLOWED');
  });

  it.each([
    ['RS256', () => rs],
    ['ES256', () => es],
    ['EdDSA', () => ed],
  ])('the %s public key used as an HMAC secret (key confusion)', (_alg, pick) => {
    const key = pick();
    const pem = key.verificationKey.keyObject.export({ type: 'spki', format: 'pem' });
    const hmacWithPublicKey: RawSigner = (data) => createHmac('sha256', pem).update(data).digest();
    const jwt = forgeJws(header(key, { alg: 'HS256' }), claims(), hmacWithPublicKey);
    // Even an allowlist that names HS256 does not help: the key fixes the algorithm.
    const v = verifier([key], { algorithms: [key.alg, 'HS256'] });
    expect(reject(v, jwt).code).toBe('ERR_JWS_ALG_NOT_ALLOWED');
  });

  it('an ES256 token presented under an EdDSA kid', () => {
    const jwt = forgeJws(header(es, { kid: ed.kid }), claims(), signer(es));
    expect(reject(verifier([ed, es]), jwt).code).toBe('ERR_JWS_ALG_NOT_ALLOWED');
  });
});

describe('JwtVerifier never takes a key from the token', () => {
  const attacker = generateKeyPairSync('ed25519');
  const attackerSign: RawSigner = (data) => cryptoSign(null, data, attacker.privateKey);

  it('an embedded jwk header with the attacker key', () => {
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    const jwt = forgeJws(header(ed, { jwk }), claims(), attackerSign);
    expect(reject(verifier([ed]), jwt).code).toBe('ERR_JWS_HEADER_INVALID');
  });

  it.each([
    ['jku', 'https://attacker.example/jwks.json'],
    ['x5u', 'https://attacker.example/cert.pem'],
    ['x5c', ['MIIB']],
  ])('a %s header', (name, value) => {
    const jwt = forgeJws(header(ed, { [name]: value }), claims(), signer(ed));
    const error = reject(verifier([ed]), jwt);
    expect(error.code).toBe('ERR_JWS_HEADER_INVALID');
    expect(error.claim).toBe(name);
  });

  it('an attacker-signed token naming a trusted kid', () => {
    const jwt = forgeJws(header(ed), claims(), attackerSign);
    expect(reject(verifier([ed]), jwt).code).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  it.each(['../../../../dev/null', "' OR '1'='1", 'ed; DROP TABLE keys; --', 'ed\u0000', ' ed'])(
    'kid %j matches no key',
    (kid) => {
      const jwt = token(ed, {}, { kid });
      expect(reject(verifier([ed]), jwt).code).toBe('ERR_JWS_KEY_NOT_FOUND');
    },
  );

  it('a token without kid when several keys could match', () => {
    const v = verifier([ed, es], { algorithms: ['EdDSA', 'ES256'] });
    expect(reject(v, token(ed, {}, { kid: undefined })).code).toBe('ERR_JWS_KEY_NOT_FOUND');
  });

  it.each([
    ['a number', 7],
    ['an empty string', ''],
  ])('kid that is %s', (_name, kid) => {
    expect(reject(verifier([ed]), token(ed, {}, { kid })).code).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('any crit extension (RFC 7515 §4.1.11)', () => {
    const jwt = token(ed, {}, { crit: ['exp'], exp: NOW + 10 });
    expect(reject(verifier([ed]), jwt).code).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('a zip header on a JWS', () => {
    expect(reject(verifier([ed]), token(ed, {}, { zip: 'DEF' })).code).toBe(
      'ERR_JWS_HEADER_INVALID',
    );
  });
});

describe('JwtVerifier checks signatures', () => {
  it('tampered claims carrying the original signature', () => {
    const jwt = token(ed);
    const [h, , s] = jwt.split('.');
    const evil = Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString('base64url');
    expect(reject(verifier([ed]), `${h ?? ''}.${evil}.${s ?? ''}`).code).toBe(
      'ERR_JWS_SIGNATURE_INVALID',
    );
  });

  it.each([
    ['HS256', () => hs],
    ['RS256', () => rs],
  ])('a %s signature with one bit flipped', (_alg, pick) => {
    const key = pick();
    const jwt = token(key);
    const signature = Buffer.from(jwt.slice(jwt.lastIndexOf('.') + 1), 'base64url');
    signature[5] = (signature[5] ?? 0) ^ 1;
    const forged = `${jwt.slice(0, jwt.lastIndexOf('.'))}.${signature.toString('base64url')}`;
    expect(reject(verifier([key]), forged).code).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  it('a signature one byte short (HMAC truncation, RSA leading zero dropped)', () => {
    for (const key of [hs, rs]) {
      const jwt = token(key);
      const signature = Buffer.from(jwt.slice(jwt.lastIndexOf('.') + 1), 'base64url').subarray(1);
      const forged = `${jwt.slice(0, jwt.lastIndexOf('.'))}.${signature.toString('base64url')}`;
      expect(reject(verifier([key]), forged).code).toBe('ERR_JWS_SIGNATURE_INVALID');
    }
  });

  const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
  it.each([
    ['r = s = 0 (psychic signature)', () => Buffer.alloc(64)],
    ['r = 0', (good: Buffer) => Buffer.concat([Buffer.alloc(32), good.subarray(32)])],
    ['s = n', (good: Buffer) => Buffer.concat([good.subarray(0, 32), n])],
    ['r = n', (good: Buffer) => Buffer.concat([n, good.subarray(32)])],
    ['r = s = n', () => Buffer.concat([n, n])],
    [
      's = 0xff..ff',
      (good: Buffer) => Buffer.concat([good.subarray(0, 32), Buffer.alloc(32, 0xff)]),
    ],
  ])('an ES256 signature with %s', (_name, make) => {
    const jwt = token(es);
    const good = Buffer.from(jwt.slice(jwt.lastIndexOf('.') + 1), 'base64url');
    const forged = `${jwt.slice(0, jwt.lastIndexOf('.'))}.${make(good).toString('base64url')}`;
    expect(reject(verifier([es]), forged).code).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  it('an ES256 signature in DER instead of raw r||s', () => {
    const jwt = token(es);
    const signingInput = Buffer.from(jwt.slice(0, jwt.lastIndexOf('.')), 'latin1');
    const der = cryptoSign(
      'sha256',
      signingInput,
      createPrivateKey({ key: es.exportPrivateJwk(), format: 'jwk' }),
    );
    const forged = `${jwt.slice(0, jwt.lastIndexOf('.'))}.${der.toString('base64url')}`;
    expect(reject(verifier([es]), forged).code).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  it('the async path refuses a bad signature with the same code', async () => {
    const jwt = token(ed);
    const forged = `${jwt.slice(0, -4)}AAAA`;
    await expect(verifier([ed]).verifyAsync(forged)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_INVALID',
    });
  });
});
