import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSigningKey } from '../../src/keys/generate-signing-key.js';
import type { SigningKey } from '../../src/keys/signing-key.js';
// From the package's root entry, as users import them.
import {
  createVerifier,
  encryptJwt,
  encryptPaseto,
  JweDecrypter,
  NestedJwtVerifier,
  PasetoVerifier,
  signPaseto,
  type Verifier,
  type VerifierOptions,
} from '../../src/index.js';
import { NestedJwtVerifier as NestedFromModule } from '../../src/token/nested-jwt-verifier.js';
import { PasetoVerifier as PasetoFromModule } from '../../src/token/paseto-verifier.js';
import { TestClock } from '../support/forge.js';
import { AUDIENCE, claims, ISSUER, NOW, NOW_MS, token } from '../support/jwt-fixture.js';
import { waitFor } from '../support/server-fixture.js';

let ed: SigningKey;
const verifiers: Verifier[] = [];

beforeAll(async () => {
  ed = await generateSigningKey('EdDSA', { kid: 'ed' });
});
afterAll(async () => {
  await Promise.all(verifiers.map((verifier) => verifier.close()));
});

function make(options: Partial<VerifierOptions> = {}): Verifier {
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['EdDSA'],
    jwks: { keys: [ed.getPublicJwk()] },
    revocations: 'none',
    clock: new TestClock(NOW_MS),
    onWarning: () => undefined,
    ...options,
  });
  verifiers.push(verifier);
  return verifier;
}

// Encrypted (nested JWT in JWE) and PASETO v4 tokens through createVerifier: the same claim
// rules and codes, the same revocations and cache; `verify` (sync) refuses them with
// ERR_TOKEN_NEEDS_ASYNC, and the plain JWS path is unchanged unless encryption is required.

describe('encrypted and PASETO tokens', () => {
  it('come with their API from the root entry', () => {
    expect(NestedJwtVerifier).toBe(NestedFromModule);
    expect(PasetoVerifier).toBe(PasetoFromModule);
  });

  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const decryptionJwk = { ...ec.privateKey.export({ format: 'jwk' }), kid: 'orders-enc' };
  const recipientJwk = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'orders-enc' };
  const pasetoPair = generateKeyPairSync('ed25519');
  const pasetoPrivate = pasetoPair.privateKey.export({ format: 'jwk' });
  const pasetoPublic = { ...pasetoPair.publicKey.export({ format: 'jwk' }), kid: 'p1' };
  const localKey = randomBytes(32);
  const all = (): Partial<VerifierOptions> => ({
    formats: ['jwt', 'paseto-v4-public', 'paseto-v4-local'],
    decryption: { keys: [decryptionJwk] },
    paseto: {
      publicKeys: [pasetoPublic],
      localKeys: [{ kid: 'l1', key: localKey.toString('base64url') }],
    },
  });
  const pasetoClaims = (overrides: Record<string, unknown> = {}) => claims(overrides);

  it('accepts each format with verifyAsync, says which, and refuses them in verify', async () => {
    const verifier = make(all());
    const tokens = {
      jwt: token(ed),
      'jwt-encrypted': await encryptJwt(token(ed), recipientJwk),
      'paseto-v4-public': await signPaseto(pasetoClaims(), pasetoPrivate, { kid: 'p1' }),
      'paseto-v4-local': await encryptPaseto(pasetoClaims(), localKey, { kid: 'l1' }),
    };
    for (const [format, presented] of Object.entries(tokens)) {
      const result = await verifier.verifyAsync(presented);
      expect(result).toMatchObject({ ok: true, format });
      expect(result.ok && result.claims.sub).toBe('user-1');
      expect(result.ok && result.claims.exp).toBe(NOW + 900);
      if (format !== 'jwt') {
        expect(verifier.verify(presented)).toMatchObject({
          ok: false,
          code: 'ERR_TOKEN_NEEDS_ASYNC',
        });
      }
    }
    expect(verifier.verify(tokens.jwt).ok).toBe(true);
  });

  it('applies the JWT claim rules and codes to PASETO claims', async () => {
    const verifier = make(all());
    const cases: [Record<string, unknown>, string, string][] = [
      [{ exp: NOW - 600 }, 'ERR_JWT_EXPIRED', 'exp'],
      [{ exp: undefined }, 'ERR_JWT_CLAIM_MISSING', 'exp'],
      [{ aud: 'billing' }, 'ERR_JWT_CLAIM_INVALID', 'aud'],
      [{ iss: undefined }, 'ERR_JWT_CLAIM_MISSING', 'iss'],
      [{ nbf: NOW + 600 }, 'ERR_JWT_NOT_YET_VALID', 'nbf'],
      [{ iat: NOW + 600 }, 'ERR_JWT_CLAIM_INVALID', 'iat'],
    ];
    for (const [overrides, code, claim] of cases) {
      const body = pasetoClaims(overrides);
      // `exp` is required by the producer too; forge the missing one with the library's own.
      const presented =
        overrides['exp'] === undefined && 'exp' in overrides
          ? await forgeLocalWithoutExp(body)
          : await encryptPaseto(body, localKey, { kid: 'l1' });
      expect(await verifier.verifyAsync(presented)).toMatchObject({ ok: false, code, claim });
    }
  });

  it.each<[string, () => Promise<string>, Partial<VerifierOptions>, string]>([
    [
      'a JWE when decryption is not configured',
      () => encryptJwt(token(ed), recipientJwk),
      {
        formats: ['jwt', 'paseto-v4-local'],
        paseto: { localKeys: [{ kid: 'l1', key: localKey }] },
      },
      'ERR_TOKEN_FORMAT_NOT_ALLOWED',
    ],
    [
      'a PASETO when only JWT is accepted (with JWE)',
      () => encryptPaseto(pasetoClaims(), localKey),
      { decryption: { keys: [decryptionJwk] } },
      'ERR_TOKEN_FORMAT_NOT_ALLOWED',
    ],
    [
      'v4.local when only v4.public is accepted',
      () => encryptPaseto(pasetoClaims(), localKey, { kid: 'l1' }),
      { formats: ['paseto-v4-public'], paseto: { publicKeys: [pasetoPublic] } },
      'ERR_PASETO_PURPOSE_NOT_ALLOWED',
    ],
    [
      'a plain JWS under requireEncryption',
      () => Promise.resolve(token(ed)),
      { decryption: { keys: [decryptionJwk] }, requireEncryption: true },
      'ERR_JWE_REQUIRED',
    ],
    [
      'a JWS when only PASETO is accepted',
      () => Promise.resolve(token(ed)),
      { formats: ['paseto-v4-public'], paseto: { publicKeys: [pasetoPublic] } },
      'ERR_TOKEN_FORMAT_NOT_ALLOWED',
    ],
    [
      'v4.public signed by another key',
      () =>
        signPaseto(
          pasetoClaims(),
          generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }),
          { kid: 'p1' },
        ),
      {},
      'ERR_PASETO_SIGNATURE_INVALID',
    ],
    [
      'v4.local under another key',
      () => encryptPaseto(pasetoClaims(), randomBytes(32), { kid: 'l1' }),
      {},
      'ERR_PASETO_DECRYPTION_FAILED',
    ],
    [
      'a PASETO naming an unknown kid',
      () => encryptPaseto(pasetoClaims(), localKey, { kid: 'nope' }),
      {},
      'ERR_PASETO_KEY_NOT_FOUND',
    ],
    [
      'a PASETO made with another implicit assertion',
      () => encryptPaseto(pasetoClaims(), localKey, { kid: 'l1', implicitAssertion: 'billing' }),
      {},
      'ERR_PASETO_DECRYPTION_FAILED',
    ],
    ['a v3 PASETO', () => Promise.resolve('v3.local.AAAA'), {}, 'ERR_PASETO_PURPOSE_NOT_ALLOWED'],
    [
      'a PASETO with a footer that is not JSON',
      () =>
        encryptPaseto(pasetoClaims(), localKey).then(
          (t) => `${t}.${Buffer.from('kid').toString('base64url')}`,
        ),
      {},
      'ERR_PASETO_FOOTER_INVALID',
    ],
    [
      'a PASETO with a non-canonical payload',
      () =>
        encryptPaseto(pasetoClaims(), localKey, { kid: 'l1' }).then((t) =>
          t
            .replace(
              /^(v4\.local\.[^.]*?)([A-Za-z0-9_-])(\.)/,
              (_m, a: string, _c: string, d: string) => `${a}B${d}`,
            )
            .replace(/\.[^.]+$/, '.' + 'x'.repeat(5)),
        ),
      {},
      'ERR_PASETO_MALFORMED',
    ],
  ])('refuses %s', async (_name, makeToken, overrides, code) => {
    // An empty entry means "everything configured"; otherwise the entry is the configuration.
    const verifier = make(Object.keys(overrides).length === 0 ? all() : overrides);
    expect(await verifier.verifyAsync(await makeToken())).toMatchObject({ ok: false, code });
  });

  it('keys the cache on the exact token text, and still checks expiry on a hit', async () => {
    const clock = new TestClock(NOW_MS);
    const verifier = make({ ...all(), clock, clockToleranceSeconds: 0 });
    for (const presented of [
      await encryptJwt(token(ed, { exp: NOW + 60 }), recipientJwk),
      await encryptPaseto(pasetoClaims({ exp: NOW + 60 }), localKey, { kid: 'l1' }),
    ]) {
      clock.set(NOW_MS);
      const first = await verifier.verifyAsync(presented);
      const second = await verifier.verifyAsync(presented);
      expect(first.ok && second.ok && first.claims === second.claims).toBe(true);
      clock.advance(61_000);
      expect(await verifier.verifyAsync(presented)).toMatchObject({
        ok: false,
        code: 'ERR_JWT_EXPIRED',
      });
    }
  });

  it('refuses bound PASETO and encrypted tokens as plain bearer tokens too', async () => {
    const verifier = make(all());
    const bound = await encryptJwt(token(ed, { cnf: { jkt: 'x'.repeat(43) } }), recipientJwk);
    expect(await verifier.verifyAsync(bound)).toMatchObject({ ok: false, code: 'ERR_TOKEN_BOUND' });
    expect(await verifier.verifyAsync(bound, { allowBound: true })).toMatchObject({ ok: true });
  });

  it('refuses revoked encrypted and PASETO tokens (jti, sid, sub, kid), cached ones too', async () => {
    const edOld = await generateSigningKey('EdDSA', { kid: 'ed-old' });
    const pOld = generateKeyPairSync('ed25519');
    const lOld = randomBytes(32);
    // A `sub` event revokes the user's tokens issued before its time (ms), not those after.
    const revokedBefore = NOW_MS + 1000;
    const event = (kind: string, value: string) => ({
      kind,
      value,
      at: kind === 'sub' ? revokedBefore : NOW_MS,
      expires_at: NOW_MS + 3_600_000,
    });
    const feed = await startFeed([
      ...['jti', 'sid', 'sub'].map((kind) => event(kind, `revoked-${kind}`)),
      ...['ed-old', 'p-old', 'l-old'].map((kid) => event('kid', kid)),
    ]);
    const decrypts = vi.spyOn(JweDecrypter.prototype, 'decrypt');
    try {
      const verifier = make({
        ...all(),
        jwks: { keys: [ed.getPublicJwk(), edOld.getPublicJwk()] },
        paseto: {
          publicKeys: [pasetoPublic, { ...pOld.publicKey.export({ format: 'jwk' }), kid: 'p-old' }],
          localKeys: [
            { kid: 'l1', key: localKey },
            { kid: 'l-old', key: lOld },
          ],
        },
        revocations: { feed: feed.url },
      });
      await verifier.ready();
      type Mint = (overrides: Record<string, unknown>, old?: boolean) => Promise<string>;
      const formats: Record<string, Mint> = {
        'jwt-encrypted': (c, old) => encryptJwt(token(old === true ? edOld : ed, c), recipientJwk),
        'paseto-v4-public': (c, old) =>
          old === true
            ? signPaseto(pasetoClaims(c), pOld.privateKey.export({ format: 'jwk' }), {
                kid: 'p-old',
              })
            : signPaseto(pasetoClaims(c), pasetoPrivate, { kid: 'p1' }),
        'paseto-v4-local': (c, old) =>
          old === true
            ? encryptPaseto(pasetoClaims(c), lOld, { kid: 'l-old' })
            : encryptPaseto(pasetoClaims(c), localKey, { kid: 'l1' }),
      };
      const refused = { ok: false, code: 'ERR_JWT_REVOKED' };
      const late = [{ jti: 'late-jti' }, { sid: 'late-sid' }, { sub: 'late-sub' }];
      const cached: string[] = [];
      for (const [format, mint] of Object.entries(formats)) {
        for (const kind of ['jti', 'sid', 'sub']) {
          const presented = await mint({ [kind]: `revoked-${kind}` });
          expect(await verifier.verifyAsync(presented), `${format} ${kind}`).toMatchObject(refused);
        }
        expect(await verifier.verifyAsync(await mint({}, true))).toMatchObject(refused);
        // Issued after its user's revocation, or with ids not listed: accepted.
        for (const live of [{ sub: 'revoked-sub', iat: NOW + 2 }, { sid: 'live-sid' }, {}]) {
          expect(await verifier.verifyAsync(await mint(live))).toMatchObject({ ok: true, format });
        }
        for (const overrides of late) {
          const presented = await mint(overrides);
          const first = await verifier.verifyAsync(presented);
          const calls = decrypts.mock.calls.length;
          const second = await verifier.verifyAsync(presented);
          // A hit: the same claims object, and no second decryption of the JWE.
          expect(first.ok && second.ok && first.claims === second.claims).toBe(true);
          expect(decrypts.mock.calls.length).toBe(calls);
          cached.push(presented);
        }
      }
      // Revoked after they were cached; events apply in order, so the marker comes last.
      for (const overrides of late) {
        const [kind, value] = Object.entries(overrides)[0] as [string, string];
        feed.push(event(kind, value));
      }
      feed.push(event('jti', 'marker'));
      const marker = token(ed, { jti: 'marker' });
      await waitFor('the marker revocation', async () => !(await verifier.verifyAsync(marker)).ok);
      for (const presented of cached) {
        expect(await verifier.verifyAsync(presented)).toMatchObject(refused);
      }
      await verifier.close();
    } finally {
      decrypts.mockRestore();
      await feed.close();
    }
  });

  async function forgeLocalWithoutExp(body: Record<string, unknown>): Promise<string> {
    // The producer insists on exp; the v4.local primitives do not, as an attacker's would not.
    const { createV4LocalEncrypt, createV4LocalKey } =
      await import('../../src/token/internal/paseto-v4.js');
    const { LocalProtocol } = await import('paseto');
    const local = new LocalProtocol(createV4LocalEncrypt());
    const paseto = { ...body, iat: new Date(NOW_MS).toISOString() };
    return local.Encrypt(createV4LocalKey(localKey), paseto as never, {
      footer: Buffer.from('{"kid":"l1"}'),
      nonExpiring: true,
      addIssuedAt: false,
    });
  }
});

/** A revocation feed and log that hold `initial` and can be sent more events later. */
async function startFeed(initial: readonly Record<string, unknown>[]): Promise<{
  url: string;
  push: (event: Record<string, unknown>) => void;
  close: () => Promise<void>;
}> {
  const events = initial.map((e, i) => ({ ...e, id: i + 1 }));
  const streams = new Set<ServerResponse>();
  const sse = (e: { id: number }) =>
    `id: ${e.id}\nevent: revocation\ndata: ${JSON.stringify(e)}\n\n`;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const after = Number(url.searchParams.get('after') ?? request.headers['last-event-id'] ?? 0);
    const pending = events.filter((e) => e.id > after);
    if (url.pathname === '/revocations/stream') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(
        pending.map(sse).join('') + `event: ready\ndata: {"cursor":${events.length}}\n\n`,
      );
      streams.add(response);
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ events: pending, cursor: events.length }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/revocations/stream`,
    push(event) {
      const logged = { ...event, id: events.length + 1 };
      events.push(logged);
      for (const stream of streams) stream.write(sse(logged));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
