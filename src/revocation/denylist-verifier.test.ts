import { beforeAll, describe, expect, it } from 'vitest';
import { catchTokenError, TestClock } from '../../test/support/forge.js';
import { generateSigningKey } from '../keys/generate-signing-key.js';
import type { SigningKey } from '../keys/signing-key.js';
import { signAccessToken, type AccessTokenInput } from '../token/access-token.js';
import { KeySet } from '../token/key-set.js';
import { JwtVerifier } from '../token/verify-jwt.js';
import { Denylist } from './denylist.js';
import type { RevocationKind } from './revocation-event.js';
import { revocationExpiry } from './revocation-expiry.js';

// The denylist plugged into JwtVerifier's isRevoked hook, as every verifier process holds it.

const ISSUER = 'https://auth.example.com';
const AUDIENCE = 'orders';
const T0 = 1_800_000_000_000;
const POLICY = { maxTokenLifetimeSeconds: 900, clockToleranceSeconds: 30 };

let key: SigningKey;

beforeAll(async () => {
  key = await generateSigningKey('EdDSA', { kid: 'k1' });
});

function setup(cache = false): {
  clock: TestClock;
  denylist: Denylist;
  verifier: JwtVerifier;
  sign: (input?: Partial<AccessTokenInput>) => string;
} {
  const clock = new TestClock(T0);
  const denylist = new Denylist({ clock });
  const verifier = new JwtVerifier({
    keys: new KeySet([key.verificationKey]),
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['EdDSA'],
    clock,
    ...(cache ? { cache: { maxEntries: 10 } } : {}),
    isRevoked: (claims, header, kid) => denylist.isRevoked(claims, header, kid),
  });
  const sign = (input: Partial<AccessTokenInput> = {}): string =>
    signAccessToken(
      {
        issuer: ISSUER,
        subject: 'user-1',
        audience: AUDIENCE,
        clientId: 'web',
        sessionId: 'sid-1',
        jti: 'jti-1',
        clock,
        ...input,
      },
      key,
    );
  return { clock, denylist, verifier, sign };
}

function revoke(denylist: Denylist, kind: RevocationKind, value: string, at: number): void {
  denylist.add({ kind, value, at, expiresAt: revocationExpiry(kind, at, POLICY) });
}

function codeOf(run: () => unknown): string {
  return catchTokenError(run).code;
}

describe('JwtVerifier with a Denylist', () => {
  it('rejects a token without a kid header when the key that verified it is revoked', () => {
    const { clock, denylist, verifier } = setup();
    const claims = {
      iss: ISSUER,
      sub: 'user-1',
      aud: AUDIENCE,
      exp: T0 / 1000 + 600,
      iat: T0 / 1000,
      jti: 'x',
    };
    const body = `${Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const jwt = `${body}.${key.sign(Buffer.from(body)).toString('base64url')}`;
    expect(verifier.verify(jwt).key.kid).toBe('k1');
    revoke(denylist, 'kid', 'k1', clock.now());
    expect(codeOf(() => verifier.verify(jwt))).toBe('ERR_JWT_REVOKED');
  });

  it.each([
    ['jti', 'jti-1'],
    ['sid', 'sid-1'],
    ['sub', 'user-1'],
    ['kid', 'k1'],
  ] as const)('rejects a token revoked by %s with ERR_JWT_REVOKED', async (kind, value) => {
    const { clock, denylist, verifier, sign } = setup();
    const jwt = sign();
    expect(verifier.verify(jwt).claims.sub).toBe('user-1');
    revoke(denylist, kind, value, clock.now() + 1);
    expect(codeOf(() => verifier.verify(jwt))).toBe('ERR_JWT_REVOKED');
    await expect(verifier.verifyAsync(jwt)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
  });

  it('passes tokens with another jti, sid or sub', () => {
    const { clock, denylist, verifier, sign } = setup();
    revoke(denylist, 'jti', 'jti-1', clock.now());
    revoke(denylist, 'sid', 'sid-1', clock.now());
    revoke(denylist, 'sub', 'user-1', clock.now());
    const other = sign({ jti: 'jti-2', sessionId: 'sid-2', subject: 'user-2' });
    expect(verifier.verify(other).claims.sub).toBe('user-2');
  });

  it('sub: passes a token issued after "log out everywhere", rejects one issued before', () => {
    const { clock, denylist, verifier, sign } = setup();
    const before = sign();
    clock.advance(500);
    revoke(denylist, 'sub', 'user-1', clock.now());
    // iat has whole seconds: a token from the next second is the first one that is newer.
    clock.advance(1000);
    const after = sign({ jti: 'jti-2' });
    expect(codeOf(() => verifier.verify(before))).toBe('ERR_JWT_REVOKED');
    expect(verifier.verify(after).claims.jti).toBe('jti-2');
  });

  it('rejects a cached token once it is revoked, and accepts it again after expiry', () => {
    const { clock, denylist, verifier, sign } = setup(true);
    const jwt = sign({ ttlSeconds: 3600 });
    verifier.verify(jwt);
    revoke(denylist, 'jti', 'jti-1', clock.now());
    expect(codeOf(() => verifier.verify(jwt))).toBe('ERR_JWT_REVOKED');
    // Past expiresAt the entry is pruned. (With the policy's 900 s lifetime this token could
    // not exist; it shows the entry really leaves.)
    clock.advance(931_000);
    expect(denylist.prune()).toBe(1);
    expect(verifier.verify(jwt).claims.jti).toBe('jti-1');
  });
});
