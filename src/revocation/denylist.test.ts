import { describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/forge.js';
import type { JwsHeader } from '../token/jws-header.js';
import type { JwtClaims } from '../token/jwt-claims.js';
import { Denylist } from './denylist.js';
import type { RevocationEvent, RevocationKind } from './revocation-event.js';

const T0 = 1_800_000_000_000;
const LIFETIME_MS = 960_000;

interface TokenFields {
  readonly jti?: string;
  readonly sid?: string;
  readonly sub?: string;
  /** Seconds; `null` leaves `iat` out. */
  readonly iat?: number | null;
  readonly kid?: string;
}

/** Claims and header of a verified token; by default it matches nothing revoked below. */
function token(fields: TokenFields = {}): [JwtClaims, JwsHeader] {
  const iat = fields.iat === undefined ? T0 / 1000 : fields.iat;
  const claims: JwtClaims = {
    iss: 'https://auth.example.com',
    aud: 'api',
    exp: T0 / 1000 + 900,
    jti: fields.jti ?? 'jti-other',
    sid: fields.sid ?? 'sid-other',
    sub: fields.sub ?? 'sub-other',
    ...(iat === null ? {} : { iat }),
  };
  return [claims, { alg: 'EdDSA', kid: fields.kid ?? 'kid-other', typ: 'at+jwt' }];
}

function event(kind: RevocationKind, value: string, at = T0, expiresAt = at + LIFETIME_MS) {
  return { kind, value, at, expiresAt } satisfies RevocationEvent;
}

function setup(start = T0): { clock: TestClock; denylist: Denylist } {
  const clock = new TestClock(start);
  return { clock, denylist: new Denylist({ clock }) };
}

describe('Denylist revokes exactly what each kind names', () => {
  it.each(['jti', 'sid', 'kid'] as const)('%s: the named value only', (kind) => {
    const { denylist } = setup();
    denylist.add(event(kind, 'x'));
    expect(denylist.isRevoked(...token({ [kind]: 'x' }))).toBe(true);
    expect(denylist.isRevoked(...token({ [kind]: 'y' }))).toBe(false);
    expect(denylist.isRevoked(...token())).toBe(false);
  });

  it('a value revoked under one kind does not revoke it under another', () => {
    const { denylist } = setup();
    denylist.add(event('jti', 'x'));
    for (const kind of ['sid', 'sub', 'kid'] as const) {
      expect(denylist.isRevoked(...token({ [kind]: 'x' }))).toBe(false);
    }
  });

  it('tokens without jti, sid or kid are not matched by those kinds', () => {
    const { denylist } = setup();
    denylist.addAll([event('jti', 'x'), event('sid', 'x'), event('kid', 'x')]);
    const claims: JwtClaims = { iss: 'i', aud: 'a', exp: T0 / 1000 + 900, iat: T0 / 1000 };
    expect(denylist.isRevoked(claims, { alg: 'EdDSA' })).toBe(false);
  });

  it('sub: rejects tokens issued before the revoked-before time, passes later ones', () => {
    const { denylist } = setup();
    const at = T0 + 60_000;
    denylist.add(event('sub', 'u1', at));
    expect(denylist.isRevoked(...token({ sub: 'u1', iat: at / 1000 - 1 }))).toBe(true);
    expect(denylist.isRevoked(...token({ sub: 'u1', iat: at / 1000 - 0.001 }))).toBe(true);
    expect(denylist.isRevoked(...token({ sub: 'u1', iat: at / 1000 }))).toBe(false);
    expect(denylist.isRevoked(...token({ sub: 'u1', iat: at / 1000 + 1 }))).toBe(false);
    expect(denylist.isRevoked(...token({ sub: 'u2', iat: at / 1000 - 1 }))).toBe(false);
  });

  it('sub: compares to the ms, though its filter keeps whole seconds', () => {
    const { denylist } = setup();
    const at = T0 + 60_500;
    denylist.add(event('sub', 'u1', at));
    expect(denylist.isRevoked(...token({ sub: 'u1', iat: (T0 + 60_000) / 1000 }))).toBe(true);
    expect(denylist.isRevoked(...token({ sub: 'u1', iat: (T0 + 60_499) / 1000 }))).toBe(true);
    expect(denylist.isRevoked(...token({ sub: 'u1', iat: at / 1000 }))).toBe(false);
    expect(denylist.isRevoked(...token({ sub: 'u1', iat: (T0 + 61_000) / 1000 }))).toBe(false);
  });

  it('sub: a token without iat (or a non-numeric one) is revoked: fail closed', () => {
    const { denylist } = setup();
    denylist.add(event('sub', 'u1'));
    expect(denylist.isRevoked(...token({ sub: 'u1', iat: null }))).toBe(true);
    expect(denylist.isRevoked(...token({ sub: 'u1', iat: Number.NaN }))).toBe(true);
    const [claims, header] = token({ sub: 'u1' });
    expect(denylist.isRevoked({ ...claims, iat: '9999999999' as unknown as number }, header)).toBe(
      true,
    );
    // Other users' tokens without iat are untouched.
    expect(denylist.isRevoked(...token({ sub: 'u2', iat: null }))).toBe(false);
  });

  it('an empty denylist revokes nothing', () => {
    const { denylist } = setup();
    expect(denylist.isRevoked(...token({ iat: null }))).toBe(false);
    expect(denylist.size).toBe(0);
  });
});

describe('Denylist.add', () => {
  it('is idempotent', () => {
    const { denylist } = setup();
    for (let i = 0; i < 3; i++) {
      denylist.addAll([event('jti', 'a'), event('sid', 'b'), event('sub', 'c'), event('kid', 'd')]);
    }
    expect(denylist.size).toBe(4);
    expect(denylist.sizes()).toEqual({ jti: 1, sid: 1, sub: 1, kid: 1 });
  });

  it('keeps the latest revoked-before time of a sub, whatever the order', () => {
    const { denylist } = setup();
    denylist.add(event('sub', 'u1', T0 + 5000));
    denylist.add(event('sub', 'u1', T0 + 1000));
    expect(denylist.isRevoked(...token({ sub: 'u1', iat: (T0 + 3000) / 1000 }))).toBe(true);
    expect(denylist.sizes().sub).toBe(1);
  });

  it('keeps the latest expiresAt, whatever the order', () => {
    const { clock, denylist } = setup();
    denylist.add(event('sub', 'u1', T0, T0 + 10_000));
    denylist.add(event('sub', 'u1', T0, T0 + 2_000));
    denylist.add(event('jti', 'j1', T0, T0 + 10_000));
    denylist.add(event('jti', 'j1', T0, T0 + 2_000));
    clock.set(T0 + 5_000);
    expect(denylist.prune()).toBe(0);
    expect(denylist.isRevoked(...token({ jti: 'j1' }))).toBe(true);
    expect(denylist.isRevoked(...token({ sub: 'u1', iat: null }))).toBe(true);
  });

  it('ignores an event that has already expired', () => {
    const { denylist } = setup();
    denylist.add(event('jti', 'old', T0 - 2000, T0 - 1000));
    denylist.add(event('sid', 'now', T0 - 2000, T0));
    expect(denylist.size).toBe(0);
  });

  it('throws TypeError for a malformed event', () => {
    const { denylist } = setup();
    const bad: unknown[] = [
      null,
      { ...event('jti', 'x'), kind: 'email' },
      { ...event('jti', 'x'), value: '' },
      { ...event('jti', 'x'), value: 7 },
      { ...event('jti', 'x'), at: Number.NaN },
      { ...event('jti', 'x'), expiresAt: '1' },
    ];
    for (const value of bad) {
      expect(() => {
        denylist.add(value as RevocationEvent);
      }).toThrow(TypeError);
    }
    expect(denylist.size).toBe(0);
  });
});

describe('Denylist expiry', () => {
  it('drops entries when the clock reaches expiresAt, not before', () => {
    const { clock, denylist } = setup();
    denylist.addAll([event('jti', 'a'), event('sid', 'b'), event('sub', 'c'), event('kid', 'd')]);
    clock.set(T0 + LIFETIME_MS - 1);
    expect(denylist.prune()).toBe(0);
    expect(denylist.size).toBe(4);
    clock.set(T0 + LIFETIME_MS);
    expect(denylist.prune()).toBe(4);
    expect(denylist.size).toBe(0);
    expect(denylist.isRevoked(...token({ jti: 'a', sid: 'b', sub: 'c', kid: 'd' }))).toBe(false);
  });

  it('prunes from add once the earliest entry is due, without a prune call', () => {
    const { clock, denylist } = setup();
    denylist.add(event('jti', 'a', T0, T0 + 1000));
    denylist.add(event('jti', 'b', T0, T0 + 5000));
    clock.set(T0 + 1000);
    denylist.add(event('jti', 'c', T0 + 1000));
    expect(denylist.sizes().jti).toBe(2);
    expect(denylist.isRevoked(...token({ jti: 'a' }))).toBe(false);
  });

  it('the answer remembered for the last kid follows kids listed and expired after it', () => {
    const { denylist } = setup();
    denylist.add(event('kid', 'other', T0, T0 + 9000));
    const [claims, header] = token({ kid: 'k' });
    // The same header object each time, as a verifier's header cache hands it over.
    expect(denylist.isRevoked(claims, header)).toBe(false);
    denylist.add(event('kid', 'k', T0, T0 + 1000));
    expect(denylist.isRevoked(claims, header)).toBe(true);
    expect(denylist.prune(T0 + 1000)).toBe(1);
    expect(denylist.isRevoked(claims, header)).toBe(false);
    // Another key's entry going does not disturb it.
    denylist.add(event('kid', 'k', T0, T0 + 5000));
    expect(denylist.isRevoked(claims, header)).toBe(true);
    expect(denylist.prune(T0 + 9000)).toBe(2);
    expect(denylist.isRevoked(claims, header)).toBe(false);
  });

  it('prune takes an explicit time', () => {
    const { denylist } = setup();
    denylist.add(event('kid', 'k', T0, T0 + 1000));
    expect(denylist.prune(T0 + 999)).toBe(0);
    expect(denylist.prune(T0 + 1000)).toBe(1);
  });

  it.each(['jti', 'sid', 'sub', 'kid'] as const)(
    '%s: a stale heap entry does not remove a value re-added with a later expiry',
    (kind) => {
      const { clock, denylist } = setup();
      denylist.add(event(kind, 'x', T0, T0 + 1000));
      denylist.add(event(kind, 'x', T0, T0 + 9000));
      clock.set(T0 + 5000);
      expect(denylist.prune()).toBe(0);
      expect(denylist.isRevoked(...token({ [kind]: 'x', iat: null }))).toBe(true);
      clock.set(T0 + 9000);
      expect(denylist.prune()).toBe(1);
      expect(denylist.size).toBe(0);
    },
  );

  it('a value dropped and then revoked again is held for its new lifetime', () => {
    const { clock, denylist } = setup();
    denylist.add(event('sid', 's', T0, T0 + 1000));
    clock.set(T0 + 1000);
    denylist.prune();
    denylist.add(event('sid', 's', T0 + 1000, T0 + 3000));
    clock.set(T0 + 2000);
    denylist.prune();
    expect(denylist.isRevoked(...token({ sid: 's' }))).toBe(true);
  });
});

describe('Denylist memory stays bounded', () => {
  const COUNT = 200_000;
  const KINDS = ['jti', 'sid', 'sub', 'kid'] as const;

  it('drops 200k entries as their expiries pass, never holding more than is live', () => {
    const { clock, denylist } = setup();
    const spanMs = 2_000_000;
    const expiries: number[] = [];
    const events: RevocationEvent[] = [];
    for (let i = 0; i < COUNT; i++) {
      // A permutation of the span: expiries spread evenly, in no particular order.
      const expiresAt = T0 + 1 + ((i * 7919) % COUNT) * (spanMs / COUNT);
      expiries.push(expiresAt);
      events.push(event(KINDS[i % 4] ?? 'jti', `v${i}`, T0, expiresAt));
    }
    denylist.addAll(events);
    expect(denylist.size).toBe(COUNT);
    expiries.sort((a, b) => a - b);
    let expired = 0;
    let previous = denylist.size;
    for (let now = T0; now <= T0 + spanMs; now += 50_000) {
      clock.set(now);
      denylist.prune();
      while (expired < COUNT && (expiries[expired] ?? Infinity) <= now) expired++;
      expect(denylist.size).toBe(COUNT - expired);
      // Spot checks through the maps' filters: dropped values pass, live ones do not.
      for (let i = 0; i < COUNT; i += 997) {
        const kind = KINDS[i % 4] ?? 'jti';
        const live = (events[i]?.expiresAt ?? 0) > now;
        expect(denylist.isRevoked(...token({ [kind]: `v${i}`, iat: null }))).toBe(live);
      }
      expect(denylist.size).toBeLessThanOrEqual(previous);
      previous = denylist.size;
    }
    expect(denylist.size).toBe(0);
  });

  it('under a steady stream of adds, size stays at the live count (add prunes)', () => {
    const { clock, denylist } = setup();
    const perStep = 2000;
    const stepMs = 10_000;
    const lifetimeMs = 100_000;
    let maxSize = 0;
    for (let step = 0; step < COUNT / perStep; step++) {
      clock.set(T0 + step * stepMs);
      const now = clock.now();
      const batch: RevocationEvent[] = [];
      for (let i = 0; i < perStep; i++) {
        const n = step * perStep + i;
        batch.push(event(KINDS[n % 4] ?? 'jti', `v${n}`, now, now + lifetimeMs));
      }
      denylist.addAll(batch);
      // Live: the batches added in the last lifetime, this one included.
      const live = Math.min(step + 1, lifetimeMs / stepMs) * perStep;
      expect(denylist.size).toBe(live);
      maxSize = Math.max(maxSize, denylist.size);
    }
    expect(maxSize).toBe((lifetimeMs / stepMs) * perStep);
    clock.set(T0 + (COUNT / perStep) * stepMs + lifetimeMs);
    denylist.prune();
    expect(denylist.size).toBe(0);
  });
});
