import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forgeJws } from '../../test/support/forge.js';
import { encodeBase64Url } from './base64url.js';
import {
  inspectToken,
  MAX_INSPECTED_TOKEN_LENGTH,
  type FindingCode,
  type TokenInspection,
} from './inspect-token.js';

const NOW_MS = Date.UTC(2025, 0, 1, 12, 0, 0);
const NOW = NOW_MS / 1000;
const fakeSignature = (): Buffer => Buffer.alloc(64, 7);

/** A token that follows every rule `inspectToken` checks; overrides of `undefined` remove. */
function tokenWith(
  headerOverrides: Record<string, unknown> = {},
  claimOverrides: Record<string, unknown> = {},
): string {
  const header = { alg: 'EdDSA', typ: 'at+jwt', kid: 'key-1', ...headerOverrides };
  const claims = {
    iss: 'https://auth.example.com',
    sub: 'user-1',
    aud: 'orders',
    iat: NOW - 60,
    exp: NOW + 840,
    jti: 'jti-1',
    client_id: 'web',
    scope: 'orders:read',
    ...claimOverrides,
  };
  return forgeJws(header, claims, fakeSignature);
}

function inspect(token: string): TokenInspection {
  return inspectToken(token, { now: NOW_MS });
}

function codesOf(token: string): FindingCode[] {
  return inspect(token).findings.map((finding) => finding.code);
}

/** The one finding with `code`; fails when there is none or more than one. */
function only(token: string, code: FindingCode): TokenInspection['findings'][number] {
  const found = inspect(token).findings.filter((finding) => finding.code === code);
  expect(found, `findings with ${code}`).toHaveLength(1);
  return found[0] as TokenInspection['findings'][number];
}

describe('inspectToken on a sound token', () => {
  it('decodes header, claims and times and finds nothing', () => {
    const result = inspect(tokenWith());
    expect(result.findings).toEqual([]);
    expect(result.header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: 'key-1' });
    expect(result.claims?.['sub']).toBe('user-1');
    expect(result.times.iat).toEqual({
      seconds: NOW - 60,
      iso: '2025-01-01T11:59:00.000Z',
      relative: '1 min ago',
    });
    expect(result.times.exp?.relative).toBe('in 14 min');
    expect(result.times.nbf).toBeNull();
  });

  it('accepts typ at+jwt in any letter case and as a full media type (RFC 7515 §4.1.9)', () => {
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt']) {
      expect(codesOf(tokenWith({ typ }))).toEqual([]);
    }
  });

  it('uses the current time when none is given', () => {
    expect(inspectToken(tokenWith()).findings.map((finding) => finding.code)).toContain('EXPIRED');
  });

  it('refuses a `now` that is not a finite number (a caller mistake)', () => {
    expect(() => inspectToken(tokenWith(), { now: Number.NaN })).toThrow(TypeError);
  });
});

describe('inspectToken on tokens it cannot decode', () => {
  it.each([
    ['empty', ''],
    ['one segment', 'abc'],
    ['two segments', 'abc.def'],
    ['four segments', 'a.b.c.d'],
    ['padding', `${tokenWith()}=`],
    ['a character outside base64url', tokenWith().replace('.', '+.')],
    ['an empty header', `.${encodeBase64Url('{}')}.c2ln`],
    ['a header that is not JSON', `${encodeBase64Url('{alg')}.${encodeBase64Url('{}')}.c2ln`],
    ['a header that is an array', `${encodeBase64Url('["alg"]')}.${encodeBase64Url('{}')}.c2ln`],
    ['a header that is not UTF-8', `${encodeBase64Url(Buffer.from([0x7b, 0xff, 0x7d]))}.e30.c2ln`],
  ])('%s: MALFORMED, high, no header or claims', (_, token) => {
    const result = inspect(token);
    expect(result.findings).toEqual([
      { code: 'MALFORMED', severity: 'high', message: expect.any(String) as string },
    ]);
    expect(result.header).toBeNull();
    expect(result.claims).toBeNull();
    expect(result.times).toEqual({ iat: null, nbf: null, exp: null });
  });

  it('names a five-segment token as a JWE', () => {
    expect(only('a.b.c.d.e', 'MALFORMED').message).toMatch(/JWE/);
  });

  it('reports a value that is not a string instead of throwing', () => {
    expect(inspectToken(42 as unknown as string).findings[0]?.code).toBe('MALFORMED');
  });

  it('TOO_LARGE: does not decode a token over the limit', () => {
    const padding = 'x'.repeat(MAX_INSPECTED_TOKEN_LENGTH);
    const result = inspect(tokenWith({}, { padding }));
    expect(result.findings.map((finding) => finding.code)).toEqual(['TOO_LARGE']);
    expect(result.findings[0]?.severity).toBe('high');
    expect(result.header).toBeNull();
  });

  it('TOO_LARGE: not for a token at the limit', () => {
    const token = tokenWith();
    const padded = `${token}${'A'.repeat(MAX_INSPECTED_TOKEN_LENGTH - token.length)}`;
    expect(padded).toHaveLength(MAX_INSPECTED_TOKEN_LENGTH);
    expect(codesOf(padded)).not.toContain('TOO_LARGE');
  });

  it('CLAIMS_NOT_OBJECT: keeps the header when the payload is not a JSON object', () => {
    const header = { alg: 'EdDSA', typ: 'at+jwt' };
    for (const rawPayload of ['[1]', '"text"', 'null', 'not json']) {
      const result = inspect(forgeJws(header, null, fakeSignature, { rawPayload }));
      expect(result.header).toEqual(header);
      expect(result.claims).toBeNull();
      expect(result.findings).toEqual([
        { code: 'CLAIMS_NOT_OBJECT', severity: 'high', message: expect.any(String) as string },
      ]);
    }
  });
});

describe('inspectToken on the header', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])('ALG_NONE: alg %s, high', (alg) => {
    const token = forgeJws({ alg, typ: 'at+jwt' }, { exp: NOW + 60 }, null);
    const finding = only(token, 'ALG_NONE');
    expect(finding.severity).toBe('high');
    // The empty signature is part of an unsecured JWS, not a second finding.
    expect(codesOf(token)).not.toContain('SIGNATURE_MISSING');
  });

  it('ALG_NONE: not for a signed algorithm', () => {
    expect(codesOf(tokenWith({ alg: 'ES256' }))).not.toContain('ALG_NONE');
  });

  it.each(['HS256', 'HS384', 'HS512'])('ALG_HMAC: alg %s, medium', (alg) => {
    expect(only(tokenWith({ alg }), 'ALG_HMAC').severity).toBe('medium');
  });

  it.each(['EdDSA', 'ES256', 'RS256', 'PS256'])('ALG_HMAC: not for %s', (alg) => {
    expect(codesOf(tokenWith({ alg }))).toEqual([]);
  });

  it.each([['hs256'], ['HS257'], ['RSA-OAEP'], [''], [42], [undefined]])(
    'ALG_UNKNOWN: alg %j, high',
    (alg) => {
      expect(only(tokenWith({ alg }), 'ALG_UNKNOWN').severity).toBe('high');
    },
  );

  it('ALG_UNSUPPORTED: a registered algorithm Tessera does not verify is low', () => {
    expect(only(tokenWith({ alg: 'RS512' }), 'ALG_UNSUPPORTED').severity).toBe('low');
    expect(codesOf(tokenWith({ alg: 'RS512' }))).not.toContain('ALG_UNKNOWN');
  });

  it('SIGNATURE_MISSING: an empty signature on a signed algorithm is high', () => {
    const token = forgeJws({ alg: 'EdDSA', typ: 'at+jwt' }, { exp: NOW + 60 }, null);
    expect(only(token, 'SIGNATURE_MISSING').severity).toBe('high');
    expect(codesOf(tokenWith())).not.toContain('SIGNATURE_MISSING');
  });

  it.each([
    ['jku', 'https://attacker.example/jwks.json'],
    ['x5u', 'https://attacker.example/cert.pem'],
    ['jwk', { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }],
    ['x5c', ['MIIB']],
  ])('KEY_IN_HEADER: %s, high (RFC 8725 §3.10)', (name, value) => {
    const finding = only(tokenWith({ [name]: value }), 'KEY_IN_HEADER');
    expect(finding.severity).toBe('high');
    expect(finding.message).toContain(name);
  });

  it('KEY_IN_HEADER: one finding per parameter, none without them', () => {
    const token = tokenWith({ jku: 'a', x5u: 'b', jwk: {}, x5c: [] });
    expect(codesOf(token).filter((code) => code === 'KEY_IN_HEADER')).toHaveLength(4);
    expect(codesOf(tokenWith())).not.toContain('KEY_IN_HEADER');
  });

  it('CRIT_HEADER: crit present is medium, absent is nothing', () => {
    expect(only(tokenWith({ crit: ['b64'], b64: false }), 'CRIT_HEADER').severity).toBe('medium');
    expect(codesOf(tokenWith())).not.toContain('CRIT_HEADER');
  });

  it.each([
    ['a path', '../../keys/private.pem'],
    ['a slash', 'keys/k1'],
    ['a backslash', 'keys\\k1'],
    ['a dot-dot', 'k1..k2'],
    ['a single quote', "k1' OR '1'='1"],
    ['a double quote', 'k1"'],
    ['a backtick', 'k1`id`'],
    ['a semicolon', 'k1;DROP TABLE keys'],
    ['an SQL comment', 'k1)--'],
    ['a space', 'key 1'],
    ['a tab', 'key\t1'],
    ['a NUL', 'key\u00001'],
    ['a C1 control', 'key\u009b1'],
    ['129 characters', 'k'.repeat(129)],
    ['an empty string', ''],
    ['a number', 7],
  ])('KID_SUSPICIOUS: kid with %s, medium', (_, kid) => {
    expect(only(tokenWith({ kid }), 'KID_SUSPICIOUS').severity).toBe('medium');
  });

  it.each([
    ['a plain name', 'signing-key-2025-01'],
    ['an RFC 7638 thumbprint with --', 'NzbLsXh8uDCcd--6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'],
    ['128 characters', 'k'.repeat(128)],
  ])('KID_SUSPICIOUS: not for %s', (_, kid) => {
    expect(codesOf(tokenWith({ kid }))).not.toContain('KID_SUSPICIOUS');
  });

  it('TYP_MISSING: low when typ is absent, nothing when present', () => {
    expect(only(tokenWith({ typ: undefined }), 'TYP_MISSING').severity).toBe('low');
    expect(codesOf(tokenWith())).not.toContain('TYP_MISSING');
  });

  it.each(['JWT', 'jwt', 'application/jwt', 'at+jwt2', 1])('TYP_UNEXPECTED: typ %j, low', (typ) => {
    expect(only(tokenWith({ typ }), 'TYP_UNEXPECTED').severity).toBe('low');
  });
});

describe('inspectToken on the registered claims', () => {
  it('EXP_MISSING: high without exp, nothing with it', () => {
    expect(only(tokenWith({}, { exp: undefined }), 'EXP_MISSING').severity).toBe('high');
    expect(codesOf(tokenWith())).not.toContain('EXP_MISSING');
  });

  it.each([
    ['exp', '1735732800'],
    ['exp', null],
    ['nbf', -1],
    ['iat', 'yesterday'],
  ])('TIME_INVALID: %s = %j, medium, and no time shown', (name, value) => {
    const token = tokenWith({}, { [name]: value });
    expect(only(token, 'TIME_INVALID').severity).toBe('medium');
    expect(inspect(token).times[name as 'exp' | 'nbf' | 'iat']).toBeNull();
  });

  it('LIFETIME_LONG: exp - iat over an hour is medium; an hour exactly is not', () => {
    const long = only(tokenWith({}, { iat: NOW, exp: NOW + 3601 }), 'LIFETIME_LONG');
    expect(long.severity).toBe('medium');
    expect(long.message).toContain('1 h');
    expect(codesOf(tokenWith({}, { iat: NOW, exp: NOW + 3600 }))).not.toContain('LIFETIME_LONG');
  });

  it('LIFETIME_LONG: measured from nbf when there is no iat', () => {
    const token = tokenWith({}, { iat: undefined, nbf: NOW, exp: NOW + 86_400 * 30 });
    expect(only(token, 'LIFETIME_LONG').message).toContain('30 d (nbf to exp)');
  });

  it('EXPIRED: low once now reaches exp, with how long ago', () => {
    const finding = only(tokenWith({}, { iat: NOW - 7300, exp: NOW - 7200 }), 'EXPIRED');
    expect(finding.severity).toBe('low');
    expect(finding.message).toContain('2 h ago');
    expect(codesOf(tokenWith({}, { exp: NOW }))).toContain('EXPIRED');
    expect(codesOf(tokenWith({}, { exp: NOW + 1 }))).not.toContain('EXPIRED');
  });

  it('NOT_YET_VALID: low while nbf is in the future', () => {
    const token = tokenWith({}, { nbf: NOW + 60 });
    expect(only(token, 'NOT_YET_VALID').severity).toBe('low');
    expect(inspect(token).times.nbf?.relative).toBe('in 1 min');
    expect(codesOf(tokenWith({}, { nbf: NOW }))).not.toContain('NOT_YET_VALID');
  });

  it('ISSUED_IN_FUTURE: low when iat is after now', () => {
    expect(only(tokenWith({}, { iat: NOW + 60 }), 'ISSUED_IN_FUTURE').severity).toBe('low');
    expect(codesOf(tokenWith({}, { iat: NOW }))).not.toContain('ISSUED_IN_FUTURE');
  });

  it.each([[undefined], [''], [[]], [null]])('AUD_MISSING: aud %j, medium', (aud) => {
    expect(only(tokenWith({}, { aud }), 'AUD_MISSING').severity).toBe('medium');
  });

  it('AUD_MISSING: not for an audience list', () => {
    expect(codesOf(tokenWith({}, { aud: ['orders', 'billing'] }))).toEqual([]);
  });

  it.each([[undefined], ['']])('ISS_MISSING: iss %j, medium', (iss) => {
    expect(only(tokenWith({}, { iss }), 'ISS_MISSING').severity).toBe('medium');
    expect(codesOf(tokenWith())).not.toContain('ISS_MISSING');
  });

  it('shows a time beyond what a Date holds without an ISO form', () => {
    const result = inspect(tokenWith({}, { iat: NOW, exp: 1e20 }));
    expect(result.times.exp).toMatchObject({ seconds: 1e20, iso: null });
    expect(result.findings.map((finding) => finding.code)).toContain('LIFETIME_LONG');
  });
});

// The name and value rules in detail: internal/scan-claims.test.ts.
describe('inspectToken on claims that leak', () => {
  it('SENSITIVE_CLAIM: a secret-looking name is high, without showing the value', () => {
    const finding = only(tokenWith({}, { user: { apiKey: 'hunter2' } }), 'SENSITIVE_CLAIM');
    expect(finding.severity).toBe('high');
    expect(finding.message).toContain('user.apiKey');
    expect(finding.message).not.toContain('hunter2');
    expect(codesOf(tokenWith({}, { token_type: 'Bearer' }))).toEqual([]);
  });

  it('PERSONAL_DATA_CLAIM: a personal-data name is medium', () => {
    expect(only(tokenWith({}, { date_of_birth: 'x' }), 'PERSONAL_DATA_CLAIM').severity).toBe(
      'medium',
    );
    expect(codesOf(tokenWith({}, { email_verified: true }))).toEqual([]);
  });

  it('CARD_NUMBER_VALUE: a Luhn-valid card number in any claim is medium', () => {
    const finding = only(tokenWith({}, { note: '4111 1111 1111 1111' }), 'CARD_NUMBER_VALUE');
    expect(finding.severity).toBe('medium');
    expect(codesOf(tokenWith({}, { note: '4111 1111 1111 1112' }))).toEqual([]);
  });

  it('EMAIL_VALUE: an email in any claim, even sub, is medium', () => {
    expect(only(tokenWith({}, { sub: 'alice@example.com' }), 'EMAIL_VALUE').severity).toBe(
      'medium',
    );
    expect(codesOf(tokenWith({}, { sub: 'user@localhost' }))).toEqual([]);
  });

  it('SCAN_INCOMPLETE: low when the claims are too deep to scan in full', () => {
    let nested: Record<string, unknown> = { password: 'x' };
    for (let i = 0; i < 20; i++) nested = { level: nested };
    expect(only(tokenWith({}, { nested }), 'SCAN_INCOMPLETE').severity).toBe('low');
    expect(codesOf(tokenWith({}, { nested: { level: { level: 1 } } }))).toEqual([]);
  });
});

describe('inspectToken findings', () => {
  it('come most severe first', () => {
    const token = forgeJws({ alg: 'none' }, { password: 'x', iat: NOW, exp: NOW + 86_400 }, null);
    const severities = inspect(token).findings.map((finding) => finding.severity);
    expect(severities).toEqual([...severities].sort((a, b) => rank(a) - rank(b)));
    expect(severities[0]).toBe('high');
    expect(severities.at(-1)).toBe('low');
  });
});

describe('inspectToken never throws', () => {
  const options = { now: NOW_MS };
  const near = fc.string({
    unit: fc.constantFrom(...'eyJhbGciOi0123456789-_.=+/ \u0000\u00ff'.split('')),
    maxLength: 200,
  });

  it('on random strings of any characters', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), near), (token) => {
        expect(inspectToken(token, options).findings.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('on well-formed tokens with any JSON header and payload', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.boolean(), (header, payload, signed) => {
        const token = forgeJws(header, payload, signed ? fakeSignature : null);
        const result = inspectToken(token, options);
        expect(Array.isArray(result.findings)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('on objects whose names and values are chosen to match', () => {
    const name = fc.constantFrom('password', 'Email', 'card', 'x', 'iat', 'exp', 'nbf', 'kid');
    const value = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom('4111111111111111', 'a@b.co', 1e308, -1, Number.MAX_SAFE_INTEGER),
    );
    fc.assert(
      fc.property(fc.dictionary(name, value), fc.dictionary(name, value), (header, claims) => {
        expect(() => inspectToken(forgeJws(header, claims, fakeSignature), options)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});

function rank(severity: string): number {
  return ['high', 'medium', 'low'].indexOf(severity);
}
