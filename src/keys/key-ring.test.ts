import { beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/forge.js';
import { signAccessToken } from '../token/access-token.js';
import { JwtVerifier } from '../token/verify-jwt.js';
import { generateSigningKey } from './generate-signing-key.js';
import { KeyRing } from './key-ring.js';
import type { SigningKey } from './signing-key.js';

let first: SigningKey;
let second: SigningKey;
let third: SigningKey;
let hmac: SigningKey;

beforeAll(async () => {
  [first, second, third, hmac] = await Promise.all([
    generateSigningKey('EdDSA'),
    generateSigningKey('EdDSA'),
    generateSigningKey('ES256'),
    generateSigningKey('HS256'),
  ]);
});

const START = 1_800_000_000_000;

function setup(): { ring: KeyRing; clock: TestClock; verifier: JwtVerifier; issue: () => string } {
  const clock = new TestClock(START);
  const ring = new KeyRing(first, { clock });
  const verifier = new JwtVerifier({
    keys: ring,
    issuer: 'https://issuer',
    audience: 'api',
    algorithms: ['EdDSA', 'ES256'],
    clock,
  });
  const issue = (): string =>
    signAccessToken(
      {
        issuer: 'https://issuer',
        subject: 'u',
        audience: 'api',
        clientId: 'c',
        ttlSeconds: 900,
        clock,
      },
      ring.getSigningKey(),
    );
  return { ring, clock, verifier, issue };
}

describe('KeyRing', () => {
  it('signs with the active key and verifies its tokens', () => {
    const { ring, verifier, issue } = setup();
    expect(ring.getSigningKey()).toBe(first);
    expect(verifier.verify(issue()).key.kid).toBe(first.kid);
  });

  it('keeps the old key verifying during the overlap after an immediate rotation, then drops it', () => {
    const { ring, clock, verifier, issue } = setup();
    const old = issue();
    ring.rotate(second, { overlapSeconds: 930 });
    expect(ring.getSigningKey()).toBe(second);
    expect(verifier.verify(issue()).key.kid).toBe(second.kid);
    clock.advance(800_000);
    expect(verifier.verify(old).key.kid).toBe(first.kid);
    clock.advance(200_000);
    expect(() => verifier.verify(old)).toThrow(
      expect.objectContaining({ code: 'ERR_JWS_KEY_NOT_FOUND' }) as Error,
    );
    expect(ring.list().map((entry) => entry.state)).toEqual(['active']);
  });

  it('publishes a pre-published key before it signs with it', () => {
    const { ring, clock } = setup();
    ring.rotate(second, { overlapSeconds: 930, prepublishSeconds: 600 });
    expect(ring.getSigningKey()).toBe(first);
    expect(ring.toJwks().keys.map((jwk) => jwk.kid)).toEqual([first.kid, second.kid]);
    expect(ring.list().map((entry) => entry.state)).toEqual(['active', 'pending']);
    clock.advance(600_000);
    expect(ring.getSigningKey()).toBe(second);
    expect(ring.list().map((entry) => entry.state)).toEqual(['active', 'retiring']);
    clock.advance(930_000);
    expect(ring.toJwks().keys.map((jwk) => jwk.kid)).toEqual([second.kid]);
  });

  it('refuses a second pending rotation and a duplicate kid', () => {
    const { ring } = setup();
    expect(() => {
      ring.rotate(first, { overlapSeconds: 1 });
    }).toThrow(TypeError);
    ring.rotate(second, { overlapSeconds: 1, prepublishSeconds: 60 });
    expect(() => {
      ring.rotate(third, { overlapSeconds: 1 });
    }).toThrow(/pending/);
  });

  it('removes a compromised retiring key at once, and never the active one', () => {
    const { ring, verifier, issue } = setup();
    const old = issue();
    ring.rotate(third, { overlapSeconds: 3600 });
    expect(verifier.verify(old).key.kid).toBe(first.kid);
    expect(ring.remove(first.kid)).toBe(true);
    expect(() => verifier.verify(old)).toThrow(
      expect.objectContaining({ code: 'ERR_JWS_KEY_NOT_FOUND' }) as Error,
    );
    expect(ring.remove('unknown')).toBe(false);
    expect(() => ring.remove(third.kid)).toThrow(TypeError);
  });

  it('gives a new KeySet object only when the keys change', () => {
    const { ring } = setup();
    const before = ring.getKeySet();
    expect(ring.getKeySet()).toBe(before);
    ring.rotate(second, { overlapSeconds: 10 });
    expect(ring.getKeySet()).not.toBe(before);
  });

  it('never puts private members or HMAC secrets in the JWKS', () => {
    const ring = new KeyRing(hmac);
    expect(ring.toJwks()).toEqual({ keys: [] });
    const asymmetric = new KeyRing(third);
    const [jwk] = asymmetric.toJwks().keys;
    expect(jwk).toBeDefined();
    expect(jwk).not.toHaveProperty('d');
    expect(jwk).toMatchObject({ kid: third.kid, alg: 'ES256', use: 'sig' });
  });
});

describe('KeyRing.restore', () => {
  it('rebuilds active, pending and retiring keys from a stored schedule', () => {
    const clock = new TestClock(START);
    const ring = KeyRing.restore(
      [
        { key: first, activatesAt: START - 7200_000, retiresAt: START - 3600_000 },
        { key: second, activatesAt: START - 3600_000, retiresAt: START + 600_000 },
        { key: third, activatesAt: START - 60_000, retiresAt: null },
        { key: hmac, activatesAt: START + 300_000, retiresAt: null },
      ],
      { clock },
    );
    expect(ring.list().map((entry) => [entry.key.kid, entry.state])).toEqual([
      [third.kid, 'active'],
      [hmac.kid, 'pending'],
      [second.kid, 'retiring'],
    ]);
    clock.advance(300_000);
    expect(ring.getSigningKey()).toBe(hmac);
  });

  it('refuses a schedule with no active key', () => {
    expect(() =>
      KeyRing.restore([{ key: first, activatesAt: START + 1, retiresAt: null }], {
        clock: new TestClock(START),
      }),
    ).toThrow(TypeError);
  });
});
