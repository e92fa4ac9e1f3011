import { describe, expect, it } from 'vitest';
import { classifyClaimName, splitClaimName } from './sensitive-claim-names.js';
import { isLuhnValid, looksLikeCardNumber, looksLikeEmail } from './sensitive-claim-values.js';

describe('splitClaimName', () => {
  it.each([
    ['userAPIKey_v2', ['user', 'api', 'key', 'v', '2']],
    ['date-of-birth', ['date', 'of', 'birth']],
    ['PHONE_NUMBER', ['phone', 'number']],
    ['x.api.key', ['x', 'api', 'key']],
    ['cvv2', ['cvv', '2']],
    ['__', []],
  ])('%s → %j', (name, parts) => {
    expect(splitClaimName(name)).toEqual(parts);
  });
});

describe('classifyClaimName', () => {
  it.each([
    ['apiKey', 'credential', 'apikey'],
    ['clientsecret', 'credential', 'secret'],
    ['csrftoken', 'credential', 'token'],
    ['creditCardNumber', 'payment card data', 'creditcard'],
    ['social_security', 'national id', 'socialsecurity'],
    ['contactemail', 'personal data', 'email'],
  ])('%s is %s (%s)', (name, kind, word) => {
    expect(classifyClaimName(name)).toEqual({ kind, word });
  });

  it.each(['sub', 'tokenizer', 'company', 'email_verified', 'token_type', ''])(
    '%j is harmless',
    (name) => {
      expect(classifyClaimName(name)).toBeNull();
    },
  );
});

describe('claim values', () => {
  it('checks Luhn digits', () => {
    expect(isLuhnValid('79927398713')).toBe(true);
    expect(isLuhnValid('79927398710')).toBe(false);
    expect(isLuhnValid('')).toBe(false);
    expect(isLuhnValid('7992739871x')).toBe(false);
  });

  it('needs 13 to 19 digits starting 2 to 6 for a card number', () => {
    expect(looksLikeCardNumber('5555555555554444')).toBe(true);
    expect(looksLikeCardNumber('4222222222222')).toBe(true);
    expect(looksLikeCardNumber('0000000000000000')).toBe(false);
    expect(looksLikeCardNumber('4111  1111 1111 1111')).toBe(false);
    expect(looksLikeCardNumber(`4${'1'.repeat(400)}`)).toBe(false);
  });

  it('flags emails loosely', () => {
    expect(looksLikeEmail('a.b+c@mail.example.org')).toBe(true);
    expect(looksLikeEmail('a@b')).toBe(false);
    expect(looksLikeEmail(`${'a'.repeat(320)}@example.com`)).toBe(false);
  });
});
