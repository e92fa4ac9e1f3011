import { describe, expect, it } from 'vitest';
import type { Finding, FindingCode } from './finding.js';
import { scanClaims } from './scan-claims.js';

function codesOf(claims: Record<string, unknown>): FindingCode[] {
  return scanClaims(claims).map((finding) => finding.code);
}

/** The one finding of `claims`; fails when there is none or more than one. */
function only(claims: Record<string, unknown>): Finding {
  const findings = scanClaims(claims);
  expect(findings).toHaveLength(1);
  return findings[0] as Finding;
}

describe('scanClaims on names', () => {
  it.each([
    'password',
    'userPassword',
    'PASSWD',
    'pwd',
    'client_secret',
    'clientSecret',
    'refresh_token',
    'accessToken',
    'api_key',
    'apiKey',
    'x-api-key',
    'APIKey',
    'private_key',
    'card_number',
    'creditCard',
    'cc',
    'pan',
    'cvv',
    'ssn',
    'SSN',
  ])('SENSITIVE_CLAIM: %s, high, without showing the value', (name) => {
    const finding = only({ [name]: 'hunter2' });
    expect(finding).toMatchObject({ code: 'SENSITIVE_CLAIM', severity: 'high' });
    expect(finding.message).toContain(name);
    expect(finding.message).not.toContain('hunter2');
  });

  it.each([
    'email',
    'e_mail',
    'userEmail',
    'phone_number',
    'phoneNumber',
    'address',
    'homeAddress',
    'dob',
    'date_of_birth',
    'dateOfBirth',
    'birthdate',
    'iban',
  ])('PERSONAL_DATA_CLAIM: %s, medium', (name) => {
    expect(only({ [name]: 'x' })).toMatchObject({
      code: 'PERSONAL_DATA_CLAIM',
      severity: 'medium',
    });
  });

  it.each([
    'sub',
    'company',
    'span',
    'access',
    'scope',
    'capacity',
    'token_type',
    'token_use',
    'email_verified',
    'emailVerified',
    'phone_number_verified',
    'keyboard',
  ])('nothing for %s', (name) => {
    expect(codesOf({ [name]: true })).toEqual([]);
  });

  it('finds names in nested objects and arrays, with their path, once per place', () => {
    const findings = scanClaims({
      user: { profile: { ssn: '1' } },
      accounts: [{ id: 1 }, { password: 'x' }],
      address: { street_address: 'Main St 1', email: 'x' },
    });
    expect(findings.map((finding) => `${finding.code} ${finding.message}`)).toEqual([
      expect.stringMatching(/^SENSITIVE_CLAIM claim user\.profile\.ssn /) as string,
      expect.stringMatching(/^SENSITIVE_CLAIM claim accounts\[1\]\.password /) as string,
      // Nothing more is reported below a name that was already flagged.
      expect.stringMatching(/^PERSONAL_DATA_CLAIM claim address /) as string,
    ]);
  });

  it('quotes odd claim names in paths and cuts long ones', () => {
    expect(only({ 'my password\n': 'x' }).message).toContain('claim ["my password\\n"]');
    expect(only({ [`password${'x'.repeat(100)}`]: 'x' }).message).toContain('xxx…"]');
  });
});

describe('scanClaims on values', () => {
  it.each(['4111111111111111', '4111 1111 1111 1111', '4111-1111-1111-1111', '378282246310005'])(
    'CARD_NUMBER_VALUE: %s, medium, without showing it',
    (value) => {
      const finding = only({ note: { items: [value] } });
      expect(finding).toMatchObject({ code: 'CARD_NUMBER_VALUE', severity: 'medium' });
      expect(finding.message).toContain('note.items[0]');
      expect(finding.message).not.toContain(value);
    },
  );

  it.each([
    ['a failed Luhn check', '4111111111111112'],
    ['a snowflake id (first digit 1) that passes Luhn', '1453489038376136701'],
    ['12 digits', '411111111111'],
    ['20 digits', '41111111111111111111'],
    ['letters', '4111a11111111111'],
    ['a number, not a string', 4111111111111111],
  ])('CARD_NUMBER_VALUE: not for %s', (_, value) => {
    expect(codesOf({ note: value })).toEqual([]);
  });

  it('EMAIL_VALUE: medium for an email anywhere, with its path', () => {
    expect(only({ sub: 'alice@example.com' })).toMatchObject({
      code: 'EMAIL_VALUE',
      severity: 'medium',
    });
    expect(only({ groups: ['a', 'b@corp.example'] }).message).toContain('groups[1]');
  });

  it.each(['https://auth.example.com', 'user@localhost', 'a @b.example', '@example.com'])(
    'EMAIL_VALUE: not for %s',
    (value) => {
      expect(codesOf({ note: value })).toEqual([]);
    },
  );
});

describe('scanClaims bounds', () => {
  it('stops at depth 8 and says so', () => {
    let nested: Record<string, unknown> = { password: 'x' };
    for (let i = 0; i < 20; i++) nested = { level: nested };
    expect(codesOf({ nested })).toEqual(['SCAN_INCOMPLETE']);
  });

  it('caps the number of findings at 32 and says so', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`password${i}`, 'x']));
    const codes = codesOf(many);
    expect(codes.filter((code) => code === 'SENSITIVE_CLAIM')).toHaveLength(32);
    expect(codes.at(-1)).toBe('SCAN_INCOMPLETE');
  });

  it('visits at most 2000 values', () => {
    const wide = { list: Array.from({ length: 5000 }, () => 'x') };
    expect(codesOf(wide)).toEqual(['SCAN_INCOMPLETE']);
    expect(codesOf({ list: Array.from({ length: 1000 }, () => 'x') })).toEqual([]);
  });
});
