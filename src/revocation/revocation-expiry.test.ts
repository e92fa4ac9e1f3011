import { describe, expect, it } from 'vitest';
import { revocationExpiry, type RevocationExpiryPolicy } from './revocation-expiry.js';

const AT = 1_800_000_000_000;
const POLICY: RevocationExpiryPolicy = { maxTokenLifetimeSeconds: 900, clockToleranceSeconds: 30 };

describe('revocationExpiry', () => {
  it.each(['jti', 'sid', 'sub', 'kid'] as const)(
    '%s: at + (max lifetime + tolerance) in ms',
    (kind) => {
      expect(revocationExpiry(kind, AT, POLICY)).toBe(AT + 930_000);
    },
  );

  it("jti: the token's own exp plus tolerance when given", () => {
    const exp = AT / 1000 + 300;
    expect(revocationExpiry('jti', AT, POLICY, { tokenExpSeconds: exp })).toBe(AT + 330_000);
  });

  it('rounds up to a whole ms, the safe direction', () => {
    expect(revocationExpiry('jti', AT, POLICY, { tokenExpSeconds: 1.0001 })).toBe(31_001);
    expect(revocationExpiry('sid', 0.5, POLICY)).toBe(930_001);
  });

  it('kid: lasts until every verifier has dropped the key, when that takes longer', () => {
    const policy = { ...POLICY, keySetMaxAgeSeconds: 86_400 };
    expect(revocationExpiry('kid', AT, policy)).toBe(AT + 86_400_000);
    expect(revocationExpiry('kid', AT, { ...POLICY, keySetMaxAgeSeconds: 60 })).toBe(AT + 930_000);
    // Other kinds ignore the key-set age: a stolen key is the only thing that mints new tokens.
    expect(revocationExpiry('sub', AT, policy)).toBe(AT + 930_000);
  });

  it('throws TypeError for tokenExpSeconds on a kind other than jti', () => {
    for (const kind of ['sid', 'sub', 'kid'] as const) {
      expect(() => revocationExpiry(kind, AT, POLICY, { tokenExpSeconds: 1 })).toThrow(TypeError);
    }
  });

  it('throws TypeError for negative or non-finite inputs', () => {
    const bad: [number, RevocationExpiryPolicy][] = [
      [Number.NaN, POLICY],
      [-1, POLICY],
      [AT, { ...POLICY, maxTokenLifetimeSeconds: Number.POSITIVE_INFINITY }],
      [AT, { ...POLICY, clockToleranceSeconds: -1 }],
      [AT, { ...POLICY, keySetMaxAgeSeconds: Number.NaN }],
    ];
    for (const [at, policy] of bad) {
      expect(() => revocationExpiry('kid', at, policy)).toThrow(TypeError);
    }
    expect(() => revocationExpiry('jti', AT, POLICY, { tokenExpSeconds: -5 })).toThrow(TypeError);
  });
});
