import { createVerifier } from 'fast-jwt';
import { jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { JwtVerifier } from '../../src/index.js';
import type { Contender } from './measure.js';
import { createRawVerify, createRawVerifyAsync } from './raw-verify.js';
import { ACCESS_TOKEN_TYP, AUDIENCE, ISSUER, type VerifyFixture } from './verify-fixtures.js';

/** Calls kept outstanding by the concurrent contenders, as a busy server would have. */
export const IN_FLIGHT = 64;

/** The contenders of the verify benchmark, by role. */
export type VerifyContenderId =
  | 'floor'
  | 'tessera'
  | 'jose'
  | 'fastJwt'
  | 'fastJwtCacheHit'
  | 'jsonwebtoken'
  | 'tesseraCacheHit'
  | 'tesseraAsync'
  | 'floorAsync';

export interface VerifyContender {
  readonly id: VerifyContenderId;
  readonly contender: Contender;
}

/**
 * Every contender for one fixture, each checked once to really verify the token (a contender
 * that quietly fails would look fast). Libraries that cannot take part for `alg` are left out.
 */
export async function createVerifyContenders(fixture: VerifyFixture): Promise<VerifyContender[]> {
  const { alg, token } = fixture;
  const asymmetric = alg !== 'HS256';
  const tesseraOptions = {
    keys: fixture.keySet,
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: [alg],
  } as const;
  const floor = createRawVerify(fixture);
  const tessera = new JwtVerifier(tesseraOptions);
  const tesseraCached = new JwtVerifier({ ...tesseraOptions, cache: { maxEntries: 1000 } });
  const joseOptions = {
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: ACCESS_TOKEN_TYP,
    algorithms: [alg],
  };
  const fastJwtOptions = {
    key: fixture.fastJwtKey,
    algorithms: [alg],
    allowedIss: ISSUER,
    allowedAud: AUDIENCE,
    checkTyp: ACCESS_TOKEN_TYP,
  };
  const fastJwt: (token: string) => unknown = createVerifier({ ...fastJwtOptions, cache: false });
  const fastJwtCached: (token: string) => unknown = createVerifier({
    ...fastJwtOptions,
    cache: true,
  });

  const entries: VerifyContender[] = [
    sync('floor', 'node:crypto floor (sync)', () => floor(token)),
    sync('tessera', 'Tessera verify (sync)', () => tessera.verify(token)),
    {
      id: 'jose',
      contender: {
        name: 'jose jwtVerify (await each)',
        kind: 'async',
        run: () => jwtVerify(token, fixture.cryptoKey, joseOptions),
      },
    },
    sync('fastJwt', 'fast-jwt (cache off)', () => fastJwt(token)),
  ];
  // jsonwebtoken 9 (through jws/jwa) has no EdDSA.
  if (alg !== 'EdDSA') {
    const jwtOptions = { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE };
    entries.push(
      sync('jsonwebtoken', 'jsonwebtoken verify (no typ check)', () =>
        jsonwebtoken.verify(token, fixture.keyObject, jwtOptions),
      ),
    );
  }
  entries.push(
    sync('tesseraCacheHit', 'Tessera verify (cache hit)', () => tesseraCached.verify(token)),
    sync('fastJwtCacheHit', 'fast-jwt (cache hit)', () => fastJwtCached(token)),
  );
  if (asymmetric) {
    const floorAsync = createRawVerifyAsync(fixture);
    entries.push(
      concurrent('tesseraAsync', `Tessera verifyAsync (${IN_FLIGHT} in flight)`, () =>
        tessera.verifyAsync(token),
      ),
      concurrent('floorAsync', `node:crypto async floor (${IN_FLIGHT} in flight)`, () =>
        floorAsync(token),
      ),
    );
  }
  for (const { contender } of entries) await expectVerified(contender, fixture);
  return entries;
}

function sync(id: VerifyContenderId, name: string, run: () => unknown): VerifyContender {
  return { id, contender: { name, kind: 'sync', run } };
}

function concurrent(
  id: VerifyContenderId,
  name: string,
  run: () => Promise<unknown>,
): VerifyContender {
  return { id, contender: { name, kind: 'concurrent', inFlight: IN_FLIGHT, run } };
}

/**
 * Run `contender` once and make sure it returned the token's claims: bare (floor, fast-jwt,
 * jsonwebtoken), as `claims` (Tessera) or as `payload` (jose).
 */
async function expectVerified(contender: Contender, fixture: VerifyFixture): Promise<void> {
  const result = contender.kind === 'sync' ? contender.run() : await contender.run();
  const expected = JSON.parse(
    Buffer.from(fixture.token.split('.')[1] ?? '', 'base64url').toString(),
  ) as { sub: string };
  const found = [result, member(result, 'claims'), member(result, 'payload')].map((claims) =>
    member(claims, 'sub'),
  );
  if (!found.includes(expected.sub)) {
    throw new Error(`${contender.name} (${fixture.alg}) did not return the token's claims`);
  }
}

function member(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}
