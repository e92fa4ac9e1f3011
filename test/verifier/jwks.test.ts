import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/keys/generate-signing-key.js';
import type { SigningKey } from '../../src/keys/signing-key.js';
import { createVerifier, type Verifier } from '../../src/verifier/create-verifier.js';
import type { VerifierOptions } from '../../src/verifier/verifier-options.js';
import { TestClock } from '../support/forge.js';
import { AUDIENCE, ISSUER, NOW_MS, token } from '../support/jwt-fixture.js';
import { JwksServer, sleep, type JwksAnswer } from './jwks-server.js';

// The verifier's JWKS cache against a local issuer that counts requests: fetched at start,
// refetched for an unknown kid, never more than once per cooldown whatever kids arrive, within
// a time and a size limit, and never holding an HMAC secret.

let first: SigningKey;
let second: SigningKey;
beforeAll(async () => {
  [first, second] = await Promise.all([
    generateSigningKey('EdDSA', { kid: 'first' }),
    generateSigningKey('EdDSA', { kid: 'second' }),
  ]);
});

const open: { verifiers: Verifier[]; servers: JwksServer[] } = { verifiers: [], servers: [] };
afterEach(async () => {
  await Promise.all(open.verifiers.splice(0).map((verifier) => verifier.close()));
  await Promise.all(open.servers.splice(0).map((server) => server.close()));
});

function jwks(...keys: SigningKey[]): { body: string } {
  return { body: JSON.stringify({ keys: keys.map((key) => key.getPublicJwk()) }) };
}

async function issuer(answer: () => JwksAnswer): Promise<JwksServer> {
  const server = await JwksServer.start(answer);
  open.servers.push(server);
  return server;
}

function verifierFor(server: JwksServer, options: Partial<VerifierOptions> = {}): Verifier {
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['EdDSA'],
    jwksUri: server.url,
    revocations: 'none',
    clock: new TestClock(NOW_MS),
    onWarning: () => undefined,
    ...options,
  });
  open.verifiers.push(verifier);
  return verifier;
}

describe('JWKS fetched by the verifier', () => {
  it('loads the keys at start and verifies with them, no fetch per request', async () => {
    const server = await issuer(() => jwks(first));
    const verifier = verifierFor(server);
    expect(verifier.verify(token(first)).ok).toBe(false); // nothing loaded yet
    await verifier.ready();
    for (let i = 0; i < 50; i++) expect(verifier.verify(token(first)).ok).toBe(true);
    expect(server.requests).toBe(1);
  });

  it('refetches once for a kid it does not know, and then accepts the new key', async () => {
    let current: JwksAnswer = jwks(first);
    const server = await issuer(() => current);
    const verifier = verifierFor(server, { jwksCooldownMs: 200 });
    await verifier.ready();
    current = jwks(first, second);
    await sleep(250);

    const rotated = token(second);
    expect(verifier.verify(rotated)).toMatchObject({ ok: false, code: 'ERR_JWS_KEY_NOT_FOUND' });
    expect(server.requests).toBe(1); // the synchronous path never fetches
    expect(await verifier.verifyAsync(rotated)).toMatchObject({ ok: true, kid: 'second' });
    expect(server.requests).toBe(2);
    expect(verifier.verify(rotated).ok).toBe(true);
  });

  it('fetches at most once per cooldown however many random kids arrive', async () => {
    const server = await issuer(() => jwks(first));
    const verifier = verifierFor(server, { jwksCooldownMs: 1000 });
    await verifier.ready();
    const randomKid = (): string => token(first, {}, { kid: randomBytes(8).toString('hex') });
    const burst = async (): Promise<void> => {
      const results = await Promise.all(
        Array.from({ length: 100 }, () => verifier.verifyAsync(randomKid())),
      );
      for (const result of results) {
        expect(result).toMatchObject({ ok: false, code: 'ERR_JWS_KEY_NOT_FOUND' });
      }
    };

    await burst(); // within the cooldown of the first load: no fetch at all
    expect(server.requests).toBe(1);
    await sleep(1100);
    await burst(); // 100 concurrent misses share one fetch
    expect(server.requests).toBe(2);
    for (let i = 0; i < 5; i++) await burst(); // sequential misses within the cooldown
    expect(server.requests).toBe(2);
  });

  it('honours Cache-Control max-age', async () => {
    const server = await issuer(() => ({
      ...jwks(first),
      headers: { 'cache-control': 'max-age=1' },
    }));
    const verifier = verifierFor(server, { jwksCooldownMs: 100 });
    await verifier.ready();
    await sleep(1500);
    expect(server.requests).toBe(2);
  });

  it('gives up on a fetch that takes longer than the timeout', async () => {
    const server = await issuer(() => null);
    const errors: unknown[] = [];
    const verifier = verifierFor(server, {
      timeoutMs: 200,
      onError: (error) => errors.push(error),
    });
    await sleep(600);
    expect(errors[0]).toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE' });
    expect((errors[0] as Error).message).toMatch(/within 200 ms/);
    expect(verifier.status().ready).toBe(false);
  });

  it('refuses a JWKS larger than the size limit', async () => {
    const padding = 'x'.repeat(4096);
    const server = await issuer(() => ({
      body: JSON.stringify({ keys: [first.getPublicJwk()], padding }),
    }));
    const errors: unknown[] = [];
    const verifier = verifierFor(server, { jwksMaxBytes: 2048, onError: (e) => errors.push(e) });
    await sleep(300);
    expect(errors[0]).toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE' });
    expect((errors[0] as Error).message).toMatch(/larger than 2048 bytes/);
    expect(verifier.verify(token(first)).ok).toBe(false);
  });

  it('never takes an HMAC secret from a JWKS', async () => {
    const hmac = await generateSigningKey('HS256', { kid: 'hs' });
    const server = await issuer(() => ({
      body: JSON.stringify({ keys: [first.getPublicJwk(), hmac.exportPrivateJwk()] }),
    }));
    const errors: unknown[] = [];
    const verifier = verifierFor(server, { onError: (e) => errors.push(e) });
    await sleep(300);
    expect(errors[0]).toMatchObject({ code: 'ERR_JWKS_INVALID' });
    expect(verifier.verify(token(first))).toMatchObject({ code: 'ERR_JWS_KEY_NOT_FOUND' });
  });

  it('does not follow redirects to another JWKS', async () => {
    const other = await issuer(() => jwks(first));
    const server = await issuer(() => ({
      status: 302,
      headers: { location: other.url },
      body: '',
    }));
    const errors: unknown[] = [];
    verifierFor(server, { onError: (e) => errors.push(e) });
    await sleep(300);
    expect(errors[0]).toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE' });
    expect(other.requests).toBe(0);
  });
});
