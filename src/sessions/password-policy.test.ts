import { describe, expect, it } from 'vitest';
import { COMMON_PASSWORDS, isCommonPassword } from './common-passwords.js';
import {
  checkPassword,
  MAX_PASSWORD_INPUT_LENGTH,
  normalizePassword,
  type PasswordProblemCode,
} from './password-policy.js';

const GOOD = 'violet tractor anthem';

function codeOf(password: string, options?: Parameters<typeof checkPassword>[1]): string | null {
  return checkPassword(password, options)?.code ?? null;
}

describe('checkPassword', () => {
  it('accepts a long, uncommon password', () => {
    expect(checkPassword(GOOD)).toBeNull();
    expect(checkPassword(GOOD, { username: 'alice' })).toBeNull();
  });

  describe('length', () => {
    it('refuses fewer than 12 characters by default and says the limit', () => {
      expect(checkPassword('violet tra')).toEqual({
        code: 'ERR_PASSWORD_TOO_SHORT',
        message: 'Your password must be at least 12 characters long.',
        minLength: 12,
      });
      expect(codeOf('violet tract')).toBeNull();
    });

    it('takes a configured minimum, never below 8', () => {
      expect(codeOf('violet tract', { minLength: 15 })).toBe('ERR_PASSWORD_TOO_SHORT');
      expect(codeOf('tulip jam', { minLength: 8 })).toBeNull();
      expect(() => checkPassword(GOOD, { minLength: 7 })).toThrow(TypeError);
      expect(() => checkPassword(GOOD, { minLength: 12.5 })).toThrow(TypeError);
    });

    it('counts code points after NFKC, not UTF-16 units or bytes', () => {
      // 12 emoji are 24 UTF-16 units and 48 UTF-8 bytes, but 12 characters to the user.
      expect(codeOf('🐙🦑🦀🐡🐠🐟🐬🐳🐋🦈🦭🐚')).toBeNull();
      expect(codeOf('🐙🦑🦀🐡🐠🐟🐬🐳🐋🦈🦭')).toBe('ERR_PASSWORD_TOO_SHORT');
      // Decomposed "é" (e + U+0301) is 2 code points raw but 1 after NFKC: 11 characters.
      expect(codeOf('cafe\u0301 tracto')).toBe('ERR_PASSWORD_TOO_SHORT');
      // The ligature "ﬃ" is 1 code point raw, 3 after NFKC ("ffi"): 12 characters.
      expect(codeOf('\ufb03 zebra jam')).toBeNull();
    });

    it('refuses more than 256 characters by default, and huge input before normalising it', () => {
      expect(codeOf('ab'.repeat(128))).toBeNull();
      expect(checkPassword(`${'ab'.repeat(128)}c`)).toMatchObject({
        code: 'ERR_PASSWORD_TOO_LONG',
        maxLength: 256,
      });
      expect(codeOf('x'.repeat(MAX_PASSWORD_INPUT_LENGTH + 1), { maxLength: 1024 })).toBe(
        'ERR_PASSWORD_TOO_LONG',
      );
      expect(codeOf('ab'.repeat(1_000_000))).toBe('ERR_PASSWORD_TOO_LONG');
    });

    it('takes a configured maximum between the minimum and 1024', () => {
      expect(codeOf('violet tractor', { maxLength: 13 })).toBe('ERR_PASSWORD_TOO_LONG');
      expect(() => checkPassword(GOOD, { maxLength: 11 })).toThrow(TypeError);
      expect(() => checkPassword(GOOD, { maxLength: 1025 })).toThrow(TypeError);
    });
  });

  describe('one repeated character', () => {
    it('refuses a password that is one character repeated, whatever its length', () => {
      expect(codeOf('aaaaaaaaaaaa')).toBe('ERR_PASSWORD_ONE_CHARACTER');
      expect(codeOf('            ')).toBe('ERR_PASSWORD_ONE_CHARACTER');
      expect(codeOf('🐙'.repeat(20))).toBe('ERR_PASSWORD_ONE_CHARACTER');
      // Full-width "ａ" is "a" after NFKC.
      expect(codeOf('aaaaaa\uff41\uff41\uff41\uff41\uff41\uff41')).toBe(
        'ERR_PASSWORD_ONE_CHARACTER',
      );
    });

    it('accepts two distinct characters (the length and blocklist rules judge the rest)', () => {
      expect(codeOf('aaaaaaaaaaab')).toBeNull();
    });
  });

  describe('username', () => {
    it('refuses a password containing the username, ignoring case and Unicode form', () => {
      expect(codeOf('my name is Alice, hi', { username: 'alice' })).toBe(
        'ERR_PASSWORD_CONTAINS_USERNAME',
      );
      expect(codeOf('ALICE-the-great-1', { username: 'Alice' })).toBe(
        'ERR_PASSWORD_CONTAINS_USERNAME',
      );
      expect(codeOf('my \uff41\uff4c\uff49\uff43\uff45 password', { username: 'alice' })).toBe(
        'ERR_PASSWORD_CONTAINS_USERNAME',
      );
    });

    it('refuses the local part of an email username too', () => {
      expect(codeOf('jsmith wins again', { username: 'JSmith@example.com' })).toBe(
        'ERR_PASSWORD_CONTAINS_USERNAME',
      );
      expect(codeOf('x jsmith@example.com', { username: 'jsmith@example.com' })).toBe(
        'ERR_PASSWORD_CONTAINS_USERNAME',
      );
    });

    it('ignores usernames under 3 characters, which would forbid ordinary words', () => {
      expect(codeOf('always aligned', { username: 'al' })).toBeNull();
      expect(codeOf('always aligned', { username: 'al@example.com' })).toBeNull();
    });
  });

  describe('common passwords', () => {
    it.each([
      'password1234',
      'Password1234',
      'PASSWORD@2024',
      'qwertyuiop123',
      'iloveyou1234',
      '1q2w3e4r5t6y',
      'correcthorsebatterystaple',
      'Welcome@2025',
      '123456789012',
    ])('refuses %s', (password) => {
      expect(codeOf(password)).toBe('ERR_PASSWORD_COMMON');
    });

    it('reaches entries of 8 to 11 characters when the minimum is lowered', () => {
      expect(codeOf('iloveyou', { minLength: 8 })).toBe('ERR_PASSWORD_COMMON');
      expect(codeOf('iloveyou')).toBe('ERR_PASSWORD_TOO_SHORT');
    });

    it('accepts a password that merely contains a common one', () => {
      expect(codeOf('password1234 is not my password')).toBeNull();
    });
  });

  it('never repeats the password in a message', () => {
    const secret = 'Sup3rS3cret';
    const cases: [string, PasswordProblemCode][] = [
      [secret, 'ERR_PASSWORD_TOO_SHORT'],
      [secret.repeat(30), 'ERR_PASSWORD_TOO_LONG'],
      ['1q2w3e4r5t6y', 'ERR_PASSWORD_COMMON'],
      ['zzzzzzzzzzzz', 'ERR_PASSWORD_ONE_CHARACTER'],
    ];
    for (const [password, code] of cases) {
      const problem = checkPassword(password);
      expect(problem?.code).toBe(code);
      expect(problem?.message).not.toContain(password.slice(0, 8));
    }
    const withName = checkPassword(`${secret}-bob-xyz`, { username: 'bob' });
    expect(withName?.code).toBe('ERR_PASSWORD_CONTAINS_USERNAME');
    expect(withName?.message).not.toContain('bob');
  });
});

describe('normalizePassword', () => {
  it('applies NFKC', () => {
    expect(normalizePassword('e\u0301')).toBe('\u00e9');
    expect(normalizePassword('\uff21')).toBe('A');
  });
});

describe('the common-password list', () => {
  it('holds about a thousand distinct entries', () => {
    expect(COMMON_PASSWORDS.length).toBeGreaterThanOrEqual(900);
    expect(new Set(COMMON_PASSWORDS).size).toBe(COMMON_PASSWORDS.length);
  });

  it('holds only lower-case NFKC entries of 8+ code points, the shortest any minimum allows', () => {
    for (const entry of COMMON_PASSWORDS) {
      expect(entry, entry).toBe(entry.normalize('NFKC').toLowerCase());
      expect(Array.from(entry).length, entry).toBeGreaterThanOrEqual(8);
      expect(entry, entry).not.toMatch(/\s/);
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(COMMON_PASSWORDS)).toBe(true);
  });

  it('is looked up ignoring case and Unicode form', () => {
    expect(isCommonPassword('QwErTyUiOp123')).toBe(true);
    expect(
      isCommonPassword('\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44\uff11\uff12\uff13'),
    ).toBe(true);
    expect(isCommonPassword('violet tractor anthem')).toBe(false);
  });
});
