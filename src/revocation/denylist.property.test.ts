import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../../test/support/forge.js';
import type { JwsHeader } from '../token/jws-header.js';
import type { JwtClaims } from '../token/jwt-claims.js';
import { Denylist } from './denylist.js';
import type { RevocationEvent, RevocationKind } from './revocation-event.js';

// The denylist against a naive model: the list of every event ever added, filtered by time on
// each question. Once due entries are pruned (by prune or by add) the two must agree exactly;
// in between, the denylist may only revoke more (an entry past due), never less.

const T0 = 1_800_000_000_000;
/** `sub` events follow one policy (expiresAt = at + this), as revocationExpiry makes them. */
const SUB_LIFETIME_MS = 10_000;
const VALUES = ['a', 'b', 'c'] as const;

type Command =
  | {
      readonly op: 'add';
      readonly kind: RevocationKind;
      readonly value: string;
      readonly ageMs: number;
      readonly lifeMs: number;
    }
  | { readonly op: 'advance'; readonly ms: number }
  | { readonly op: 'prune' };

interface Probe {
  readonly jti: string | undefined;
  readonly sid: string | undefined;
  readonly sub: string | undefined;
  readonly kid: string | undefined;
  /** Offset from now in ms, or undefined for no `iat`. */
  readonly iatOffsetMs: number | undefined;
}

const value = fc.option(fc.constantFrom(...VALUES), { nil: undefined });
const probe: fc.Arbitrary<Probe> = fc.record({
  jti: value,
  sid: value,
  sub: value,
  kid: value,
  iatOffsetMs: fc.option(fc.integer({ min: -2 * SUB_LIFETIME_MS, max: 1000 }), { nil: undefined }),
});
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    op: fc.constant('add' as const),
    kind: fc.constantFrom<RevocationKind>('jti', 'sid', 'sub', 'kid'),
    value: fc.constantFrom(...VALUES),
    ageMs: fc.integer({ min: 0, max: SUB_LIFETIME_MS + 2000 }),
    lifeMs: fc.integer({ min: -1000, max: 20_000 }),
  }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 6000 }) }),
  fc.record({ op: fc.constant('prune' as const) }),
);

function toEvent(cmd: Extract<Command, { op: 'add' }>, now: number): RevocationEvent {
  const at = now - cmd.ageMs;
  const expiresAt = cmd.kind === 'sub' ? at + SUB_LIFETIME_MS : now + cmd.lifeMs;
  return { kind: cmd.kind, value: cmd.value, at, expiresAt };
}

function toToken(p: Probe, now: number): [JwtClaims, JwsHeader] {
  const claims: JwtClaims = {
    iss: 'i',
    aud: 'a',
    exp: now / 1000 + 900,
    ...(p.jti === undefined ? {} : { jti: p.jti }),
    ...(p.sid === undefined ? {} : { sid: p.sid }),
    ...(p.sub === undefined ? {} : { sub: p.sub }),
    ...(p.iatOffsetMs === undefined ? {} : { iat: (now + p.iatOffsetMs) / 1000 }),
  };
  return [claims, { alg: 'EdDSA', ...(p.kid === undefined ? {} : { kid: p.kid }) }];
}

/** The reference: a token is revoked by any event still live at `now` that matches it. */
function modelIsRevoked(
  events: readonly RevocationEvent[],
  claims: JwtClaims,
  header: JwsHeader,
  now: number,
): boolean {
  return events.some((e) => {
    if (e.expiresAt <= now) return false;
    switch (e.kind) {
      case 'jti':
        return claims.jti === e.value;
      case 'sid':
        return claims.sid === e.value;
      case 'kid':
        return header.kid === e.value;
      case 'sub':
        return claims.sub === e.value && (claims.iat === undefined || claims.iat * 1000 < e.at);
    }
  });
}

function modelSize(events: readonly RevocationEvent[], now: number): number {
  return new Set(events.filter((e) => e.expiresAt > now).map((e) => `${e.kind}:${e.value}`)).size;
}

describe('Denylist agrees with a naive model', () => {
  it('for random sequences of add, advance and prune', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(command, fc.array(probe, { maxLength: 4 })), { maxLength: 60 }),
        (steps) => {
          const clock = new TestClock(T0);
          const denylist = new Denylist({ clock });
          const events: RevocationEvent[] = [];
          for (const [cmd, probes] of steps) {
            if (cmd.op === 'add') {
              const e = toEvent(cmd, clock.now());
              denylist.add(e);
              events.push(e);
            } else if (cmd.op === 'advance') {
              clock.advance(cmd.ms);
            } else {
              denylist.prune();
            }
            const now = clock.now();
            // Always: never less than the model, whatever has been pruned.
            for (const p of probes) {
              const [claims, header] = toToken(p, now);
              if (modelIsRevoked(events, claims, header, now)) {
                expect(denylist.isRevoked(claims, header)).toBe(true);
              }
            }
            // After add (which prunes whatever is due) or prune: exactly the model.
            if (cmd.op === 'advance') continue;
            expect(denylist.size).toBe(modelSize(events, now));
            for (const p of probes) {
              const [claims, header] = toToken(p, now);
              expect(denylist.isRevoked(claims, header)).toBe(
                modelIsRevoked(events, claims, header, now),
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
